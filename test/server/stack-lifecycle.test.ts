import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEMO_ORGANIZATIONS, DEMO_PASSWORD, DEMO_USERS } from '../../server/seed/demo-world'
import { startStack } from '../../server/stack'
import {
  closeClient,
  createTestClient,
  STACK_CLI,
  STACK_START_TIMEOUT,
  stackFromBanner,
  within,
} from './stack-harness'

/**
 * The command line and the stack's life: start, serve, stop on a signal, start again on the same
 * data. PGlite with a data directory by default; the DATABASE_URL server when it is set.
 */

const databaseUrl = process.env.DATABASE_URL || undefined
const repository = new URL('../../', import.meta.url).pathname
let dataDir: string | undefined
const children: ChildProcessWithoutNullStreams[] = []

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
})

function runCli(args: string[]): {
  child: ChildProcessWithoutNullStreams
  output: () => string
  exited: Promise<number | null>
} {
  const child = spawn(process.execPath, [...STACK_CLI, ...args], {
    cwd: repository,
    env: { ...process.env, ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }) },
  })
  children.push(child)
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => output, exited }
}

function occupyPort(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      resolve({ server, port: typeof address === 'object' && address !== null ? address.port : 0 })
    })
  })
}

describe('starting and stopping the stack', () => {
  it(
    'says clearly when the port is in use, in process and from the command line',
    async () => {
      const { server, port } = await occupyPort()
      try {
        await expect(startStack({ port })).rejects.toThrow(
          `port ${port} on 127.0.0.1 is already in use`,
        )
        const cli = runCli(['--port', String(port)])
        expect(
          await within(
            STACK_START_TIMEOUT,
            'the CLI to exit',
            (resolve) => void cli.exited.then(resolve),
          ),
        ).toBe(1)
        expect(cli.output()).toContain(
          `The stack did not start: port ${port} on 127.0.0.1 is already in use`,
        )
      } finally {
        server.close()
      }
    },
    STACK_START_TIMEOUT,
  )

  it(
    'serves from `npm run stack`, stops cleanly on SIGTERM, and keeps its data for the next start',
    async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'stack-data-'))
      const cli = runCli([
        '--port',
        '0',
        ...(databaseUrl === undefined ? ['--data-dir', dataDir] : []),
      ])
      const banner = await within<string>(
        STACK_START_TIMEOUT,
        'the CLI banner',
        (resolve, reject) => {
          cli.child.stdout.on('data', () => {
            if (cli.output().includes('Ctrl+C stops the stack.')) resolve(cli.output())
          })
          void cli.exited.then((code) =>
            reject(new Error(`the CLI exited with ${code}: ${cli.output()}`)),
          )
        },
      )
      const { url, serviceRoleKey: serviceKey } = stackFromBanner(banner)
      const marker = `kept across restarts ${Date.now()}`
      const inserted = await fetch(`${url}/rest/v1/projects`, {
        method: 'POST',
        headers: {
          apikey: serviceKey,
          'Content-Type': 'application/json',
          Prefer: 'return=representation',
        },
        body: JSON.stringify({ organization_id: 'org_acme', name: marker }),
      })
      expect(inserted.status).toBe(201)

      cli.child.kill('SIGTERM')
      expect(
        await within(20_000, 'the CLI to stop', (resolve) => void cli.exited.then(resolve)),
      ).toBe(0)
      expect(cli.output()).toContain('SIGTERM: closing connections and the database...')
      expect(cli.output()).toMatch(/stopped\s*$/)

      // Same data, second start: the row is still there and the demo world was not seeded twice.
      const stack = await startStack({
        port: 0,
        ...(databaseUrl === undefined ? { dataDir } : { databaseUrl }),
      })
      try {
        const kept = await stack.database.query<{ n: number }>(
          'select count(*)::int as n from public.projects where name = $1::text',
          [marker],
        )
        expect(kept.rows[0]!.n).toBe(1)
        const demo = await stack.database.query<{ users: number; orgs: number; members: number }>(
          `select (select count(*)::int from auth.users where email like '%@%.test' and id = any($1::text[]::uuid[])) as users,
                (select count(*)::int from public.organizations where id = any($2::text[])) as orgs,
                (select count(*)::int from public.organization_members where user_id = any($1::text[]::uuid[])) as members`,
          [
            Object.values(DEMO_USERS).map((user) => user.id),
            Object.values(DEMO_ORGANIZATIONS).map((org) => org.id),
          ],
        )
        expect(demo.rows[0]).toEqual({ users: 4, orgs: 2, members: 5 })

        // The demo world, as the README describes it: every user signs in and sees their organizations.
        for (const user of Object.values(DEMO_USERS)) {
          const supabase = createTestClient(stack)
          const signedIn = await supabase.auth.signInWithPassword({
            email: user.email,
            password: DEMO_PASSWORD,
          })
          expect(signedIn.error).toBeNull()
          const orgs = await supabase.from('organizations').select('id').order('id')
          expect((orgs.data as { id: string }[]).map((org) => org.id)).toEqual(
            [...user.organizations].sort(),
          )
          await closeClient(supabase)
        }
      } finally {
        await stack.close()
      }
    },
    2 * STACK_START_TIMEOUT,
  )
})
