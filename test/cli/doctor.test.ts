import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatRows, sortRows, type DoctorRow } from '../../cli/doctor'
import { supabaseSchemaFiles } from '../../server/db/apply-schema'
import { startThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres'

/**
 * `npx realtime-sync-devtools doctor` as a person runs it: the CLI's entry (cli/bin.ts, through
 * tsx, as lib/cli.js runs it once built) against a real Postgres server of its own, its exit
 * status and what it prints.
 */

const run = promisify(execFile)
const ROOT = path.resolve(import.meta.dirname, '../..')

interface Ran {
  code: number
  stdout: string
  stderr: string
}

async function doctor(...args: string[]): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'cli', 'bin.ts'), 'doctor', ...args],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: '' } },
    )
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

let server: ThrowawayPostgres
let client: pg.Client

beforeAll(async () => {
  server = await startThrowawayPostgres()
  client = new pg.Client({ connectionString: server.url })
  await client.connect()
  for (const file of supabaseSchemaFiles({ supabaseShim: true })) await client.query(file.sql)
  await client.query('create database bare')
}, 120_000)

afterAll(async () => {
  await client?.end()
  await server?.stop()
})

describe('npx realtime-sync-devtools doctor', () => {
  it('a healthy database: exit 0, a summary and the table, what is not ok first', async () => {
    const ran = await doctor('--db-url', server.url)
    expect(ran.code).toBe(0)
    const lines = ran.stdout.trimEnd().split('\n')
    // No pg_cron on this server: retention is the one warning.
    expect(lines[0]).toMatch(/^0 errors, 1 warning, \d+ ok$/)
    expect(lines[2]).toMatch(/^STATUS\s+CHECK\s+SUBJECT\s+DETAIL$/)
    expect(lines[3]).toMatch(/^WARN\s+events-retention\s+public\.realtime_table_events\s+pg_cron/)
    expect(lines[4]).toMatch(/^\s+fix: create extension if not exists pg_cron;$/)
    expect(lines[5]).toMatch(/^\s+select cron\.schedule\(/)
    expect(lines.slice(6).every((line) => line.startsWith('OK'))).toBe(true)
    expect(ran.stdout).toMatch(/^OK\s+table-tracked\s+public\.deals\s/m)
  }, 60_000)

  it('--json prints the rows as a JSON array', async () => {
    const ran = await doctor('--db-url', server.url, '--json')
    expect(ran.code).toBe(0)
    const rows = JSON.parse(ran.stdout) as DoctorRow[]
    expect(rows[0]).toMatchObject({ check: 'events-retention', status: 'warn' })
    expect(Object.keys(rows[0]!)).toEqual(['check', 'status', 'subject', 'detail', 'fix'])
    expect(rows.filter((row) => row.check === 'events-in-publication')).toEqual([
      {
        check: 'events-in-publication',
        status: 'ok',
        subject: 'public.realtime_table_events',
        detail: 'in publication supabase_realtime',
        fix: null,
      },
    ])
  }, 60_000)

  it('a broken setup: exit 1, the error first with its fix; after the fix, exit 0', async () => {
    await client.query('drop trigger trigger_notify_org_change on public.deals')
    const ran = await doctor('--db-url', server.url)
    expect(ran.code).toBe(1)
    const lines = ran.stdout.split('\n')
    expect(lines[0]).toMatch(/^1 error, 1 warning, \d+ ok$/)
    expect(lines[3]).toMatch(/^ERROR\s+table-tracked\s+public\.deals\s+no trigger calls/)
    expect(lines[4]).toMatch(/^\s+fix: select public\.realtime_track_table\('public\.deals'\);$/)
    const json = JSON.parse((await doctor('--db-url', server.url, '--json')).stdout) as DoctorRow[]
    const fix = json.find((row) => row.status === 'error')!.fix!
    await client.query(fix)
    expect((await doctor('--db-url', server.url)).code).toBe(0)
  }, 60_000)

  it('cannot connect: exit 2 with the reason, the password not repeated', async () => {
    const url = 'postgres://someone:hunter2@127.0.0.1:1/postgres'
    const ran = await doctor('--db-url', url)
    expect(ran.code).toBe(2)
    expect(ran.stderr).toMatch(
      /^Cannot connect to postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/postgres: .*ECONNREFUSED/,
    )
    expect(ran.stderr).not.toContain('hunter2')
    expect(ran.stdout).toBe('')
  }, 60_000)

  it('the migration not applied: exit 2, saying so and how to apply it', async () => {
    const ran = await doctor('--db-url', server.url.replace(/\/postgres$/, '/bare'))
    expect(ran.code).toBe(2)
    expect(ran.stderr).toMatch(/realtime_sync_doctor\(\) is not in this database/)
    expect(ran.stderr).toContain('npx realtime-sync-devtools init')
  }, 60_000)

  it('no URL, or a stray argument: exit 2 with the usage', async () => {
    const none = await doctor()
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/doctor needs --db-url/)
    expect((await doctor('now')).code).toBe(2)
    const help = await doctor('--help')
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('select * from realtime_sync_doctor();')
  }, 60_000)
})

describe('the table', () => {
  const row = (status: DoctorRow['status'], check: string, fix: string | null = null) => ({
    check,
    status,
    subject: null,
    detail: `${check} says ${status}`,
    fix,
  })

  it('sorts errors, then warnings, then ok, keeping the order within each', () => {
    const rows = [row('ok', 'a'), row('warn', 'b', 'x'), row('error', 'c', 'y'), row('ok', 'd')]
    expect(sortRows(rows).map((r) => r.check)).toEqual(['c', 'b', 'a', 'd'])
  })

  it('says so in one line when all is ok', () => {
    expect(formatRows([row('ok', 'a'), row('ok', 'b')]).split('\n')[0]).toBe(
      'All 2 checks ok: every change can reach the screens.',
    )
  })
})
