/**
 * `npm run demo:load -- --users 500 --rate 200`: many simulated users writing through REST to
 * the local stack (started by `npm run demo` or `npm run stack`), for watching the Realtime panel
 * under load. Prints one progress line; Ctrl-C stops and prints the totals.
 */
import { parseArgs } from 'node:util'
import { createApiKeys, DEV_JWT_SECRET } from '../../server/auth/api-keys'
import { type LoadProgress, startLoad } from './load-runner'
import { MAX_LOAD_USERS, prepareLoadWorld } from './load-world'
import { errorMessage } from '../../src/error-message'

const HELP = `Usage: npm run demo:load -- [options]

  --users <n>             simulated users, each updating a deal of their own (default 500)
  --rate <n>              writes per second across all users (default 200)
  --duration <s>          stop after this many seconds (default: until Ctrl-C)
  --org <id>              the organization they belong to (default org_acme)
  --url <url>             the local stack (env SUPABASE_URL; default http://127.0.0.1:54321)
  --service-role-key <k>  (env SUPABASE_SERVICE_ROLE_KEY; default: the stack's development key)
  --anon-key <k>          (env SUPABASE_ANON_KEY; default: the stack's development key)
  -h, --help              this text

The users are load-0001@load.test ... with deals "Load deal #1" ...; a second run reuses them.
Needs the local stack: tokens come from its development-only endpoint POST /dev/v1/token.
`

function number(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw new Error(`--${name} must be a number above 0 and at most ${max} (got ${text})`)
  }
  return value
}

function line(p: LoadProgress): string {
  const seconds = p.elapsedMs / 1_000
  return (
    `${seconds.toFixed(0).padStart(4)} s  sent ${p.sent}  ok ${p.ok}  failed ${p.failed}  ` +
    `${(p.ok / Math.max(seconds, 0.001)).toFixed(0)}/s  in flight ${p.inFlight}` +
    `${p.behind > 0 ? `  behind ${p.behind}` : ''}  request p50 ${p.p50Ms.toFixed(0)} ms  p99 ${p.p99Ms.toFixed(0)} ms`
  )
}

async function main() {
  const { values } = parseArgs({
    options: {
      users: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      org: { type: 'string' },
      url: { type: 'string' },
      'service-role-key': { type: 'string' },
      'anon-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help === true) {
    process.stdout.write(HELP)
    return
  }
  const devKeys = createApiKeys(DEV_JWT_SECRET)
  const users = number('users', values.users, 500, MAX_LOAD_USERS)
  if (!Number.isInteger(users)) throw new Error('--users must be a whole number')
  const rate = number('rate', values.rate, 200, 100_000)
  const durationS =
    values.duration === undefined ? undefined : number('duration', values.duration, 0, 86_400)
  const url = (values.url ?? process.env.SUPABASE_URL ?? 'http://127.0.0.1:54321').replace(
    /\/$/,
    '',
  )
  const serviceRoleKey =
    values['service-role-key'] ?? process.env.SUPABASE_SERVICE_ROLE_KEY ?? devKeys.serviceRoleKey
  const anonKey = values['anon-key'] ?? process.env.SUPABASE_ANON_KEY ?? devKeys.anonKey
  const organizationId = values.org ?? 'org_acme'

  console.log(`Preparing ${users} users in ${organizationId} at ${url} ...`)
  const world = await prepareLoadWorld({
    url,
    serviceRoleKey,
    users,
    organizationId,
    tokenSeconds: Math.ceil((durationS ?? 86_400) + 3_600),
  })
  console.log(
    `Writing ${rate}/s as ${users} users${durationS === undefined ? ' (Ctrl-C stops)' : ` for ${durationS} s`}:`,
  )
  const tty = process.stdout.isTTY
  const run = startLoad({
    url,
    anonKey,
    users: world,
    rate,
    ...(durationS === undefined ? {} : { durationMs: durationS * 1_000 }),
    progressEveryMs: tty ? 250 : 5_000,
    onProgress: (p) => process.stdout.write(tty ? `\r\x1b[2K${line(p)}` : `${line(p)}\n`),
  })
  let interrupted = false
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130)
    interrupted = true
    run.stop()
  })
  const total = await run.done
  console.log(`${tty ? '\r\x1b[2K' : ''}${line(total)}`)
  if (total.lastError !== undefined) console.log(`last error: ${total.lastError}`)
  process.exitCode = total.failed > 0 ? 1 : 0
}

main().catch((error: unknown) => {
  console.error(errorMessage(error))
  process.exitCode = 1
})
