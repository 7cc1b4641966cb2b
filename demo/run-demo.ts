/**
 * `npm run demo`: the whole thing in one command. Starts the local Supabase-compatible stack
 * (embedded Postgres, demo world seeded), builds the extension into dist/ and the demo CRM,
 * serves the CRM, and prints what to do next. Ctrl-C stops everything.
 *
 * With SUPABASE_URL and SUPABASE_ANON_KEY set it starts no stack and points the CRM at that
 * project instead (docs/supabase.md: the migrations and supabase/demo/schema.sql applied first).
 */
import path from 'node:path'
import { parseArgs } from 'node:util'
import { DEMO_USERS } from '../server/seed/demo-world'
import { type Stack, startStack, transportFromFlag } from '../server/stack'
import { buildDemoApp, buildExtension } from './build'
import { demoUrl, serveDemo } from './serve-demo'
import type { Site } from './site-server'

const HELP = `Usage: npm run demo -- [options]

  --port <n>        the local stack's port (default 54321, the Supabase CLI's)
  --app-port <n>    the demo app's port (default 5173)
  --data-dir <dir>  keep the stack's data between runs (default: in memory)
  --transport <t>   postgres_changes (default) or broadcast: the database's mode and the
                    engine's (env REALTIME_TRANSPORT). With a real project, switch its mode
                    first (docs/supabase.md, "The demo on a real Supabase project").
  -h, --help        this text

Environment: SUPABASE_URL and SUPABASE_ANON_KEY point the demo at a real Supabase project
instead of starting the local stack.
`

function port(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new Error(`--${name} must be a port number (got ${text})`)
  }
  return value
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'app-port': { type: 'string' },
      'data-dir': { type: 'string' },
      transport: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help === true) {
    process.stdout.write(HELP)
    return
  }
  const remoteUrl = process.env.SUPABASE_URL
  const remoteKey = process.env.SUPABASE_ANON_KEY
  if ((remoteUrl === undefined) !== (remoteKey === undefined)) {
    throw new Error('set both SUPABASE_URL and SUPABASE_ANON_KEY, or neither (local stack)')
  }
  const transport = transportFromFlag(values.transport ?? process.env.REALTIME_TRANSPORT)
  const stackPort = port('port', values.port, 54321)
  const appPort = port('app-port', values['app-port'], 5173)

  const started = performance.now()
  console.log(
    remoteUrl === undefined
      ? 'Starting the local stack and building the extension and the demo app...'
      : `Building the extension and the demo app for ${remoteUrl}...`,
  )
  const stackStarting =
    remoteUrl === undefined
      ? startStack({
          port: stackPort,
          transport,
          ...(values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] }),
        })
      : undefined
  // Sequential builds: two Vite builds at once only compete for the same two cores.
  const extensionDir = await buildExtension()
  const appDir = await buildDemoApp()
  const stack: Stack | undefined = await stackStarting

  const site: Site = await serveDemo({
    appDir,
    supabaseUrl: stack?.url ?? remoteUrl!,
    supabaseAnonKey: stack?.anonKey ?? remoteKey!,
    localUsers: stack !== undefined,
    transport,
    port: appPort,
  })
  console.log(
    nextSteps(
      site,
      stack,
      path.relative(process.cwd(), extensionDir) || '.',
      performance.now() - started,
    ),
  )

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) process.exit(1)
    stopping = true
    console.log(`\n${signal}: stopping the demo app and the stack...`)
    await site.close()
    await stack?.close()
    console.log('stopped')
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

function nextSteps(site: Site, stack: Stack | undefined, extensionDir: string, ms: number): string {
  const { alice, bob, carol, dave } = DEMO_USERS
  const windows =
    stack === undefined
      ? `  2. Open ${site.url} and sign in with a user of your project; a teammate in a second window.`
      : `  2. Open two windows side by side, teammates in Acme:
       ${demoUrl(site, alice.email)}
       ${demoUrl(site, bob.email)}
     and one in another organization (sees nothing of Acme's changes):
       ${demoUrl(site, carol.email)}
     ${dave.email} is in both organizations (switch in the header). Password: demo-password.`
  const story =
    stack === undefined
      ? `  4. Edit a deal in one window: the other shows it without a reload; its Realtime panel shows
     the event received, then the query keys it invalidated. The writer's panel shows an echo.`
      : `  4. Edit a deal as Alice: Bob's window shows it without a reload; his Realtime panel shows the
     event received, then the query keys it invalidated. Alice's panel shows it as an echo of
     her own write; Carol's sees nothing.`
  const local =
    stack === undefined
      ? ''
      : `
  Under load: in another terminal, npm run demo:load -- --users 500 --rate 200

  Local stack   ${stack.url}   (Realtime, REST, Auth over embedded Postgres, with the Supabase CLI's local demo keys)
  Transport     ${stack.transport} (--transport; the database's mode and the engine's)
`
  return `
Realtime Sync DevTools demo is ready (${(ms / 1_000).toFixed(0)} s)

  1. Load the extension: open chrome://extensions, turn on Developer mode,
     click "Load unpacked" and pick the ${extensionDir}/ folder of this repository.
${windows}
  3. In each window open DevTools (F12 or Ctrl+Shift+I) and pick the Realtime tab.
${story}
${local}
Ctrl-C stops everything.
`
}

main().catch((error: unknown) => {
  const inUse = (error as { code?: unknown }).code === 'EADDRINUSE'
  const message = inUse
    ? `${(error as Error).message}: another demo, npm run stack or supabase start is running? Stop it or pick --port / --app-port`
    : error instanceof Error
      ? error.message
      : String(error)
  console.error(`The demo did not start: ${message}`)
  process.exit(1)
})
