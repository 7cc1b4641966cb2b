/**
 * `npx realtime-sync-devtools doctor --db-url <postgres url>`: runs the database advisor,
 * `public.realtime_sync_doctor()` (supabase/migrations/20261207100000_realtime_sync_doctor.sql),
 * and prints its rows, what needs doing first.
 *
 * Exit status: 0 when no row is an error (warnings included), 1 when any row is, 2 when the
 * checks could not run: no URL, no connection (with the reason), the function missing (the
 * migration is not applied), or a role that may not run it. A missing function is 2, not 1: 1
 * means "the checks ran and found this", and a script that reads the status can tell the two
 * apart; both are failures.
 *
 * The Postgres client is `pg`, bundled into lib/cli.js by tsup: an app that installs this package
 * gets no new dependency, and `npx realtime-sync-devtools doctor` works in a project that has no
 * Postgres driver of its own.
 */
import { parseArgs } from 'node:util'
import pg from 'pg'

export interface DoctorRow {
  check: string
  status: 'ok' | 'warn' | 'error'
  subject: string | null
  detail: string
  fix: string | null
}

export const DOCTOR_HELP = `Usage: npx realtime-sync-devtools doctor --db-url <postgres url> [--json]

Runs public.realtime_sync_doctor() in your database and prints what is not set up for the sync
engine, with the SQL that mends it. Connect as postgres (or service_role): the function is not
executable by anon or authenticated. On a hosted project, the connection string is in the
dashboard (Connect); the SQL editor's one line does the same:
  select * from realtime_sync_doctor();

  --db-url <url>   postgres://user:password@host:5432/postgres (default: env DATABASE_URL)
  --json           print the rows as a JSON array
  -h, --help       this text

Exit status: 0 no error (warnings allowed), 1 some check is an error, 2 the checks could not
run (no connection, or the migration that adds realtime_sync_doctor() is not applied).
`

const ORDER = { error: 0, warn: 1, ok: 2 } as const

export interface DoctorIo {
  out: (text: string) => void
  err: (text: string) => void
  env: Record<string, string | undefined>
}

const defaultIo: DoctorIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
}

export async function doctorMain(argv: string[], io: DoctorIo = defaultIo): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'db-url': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${DOCTOR_HELP}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help === true) {
    io.out(DOCTOR_HELP)
    return 0
  }
  if (positionals.length > 0) {
    io.err(`unexpected argument ${positionals[0]}\n\n${DOCTOR_HELP}`)
    return 2
  }
  const url = values['db-url'] ?? io.env.DATABASE_URL
  if (url === undefined || url === '') {
    io.err(`doctor needs --db-url <postgres url> (or DATABASE_URL)\n\n${DOCTOR_HELP}`)
    return 2
  }
  const result = await runDoctor(url)
  if (!result.ok) {
    io.err(result.reason)
    return 2
  }
  const rows = sortRows(result.rows)
  io.out(values.json === true ? JSON.stringify(rows, null, 2) : formatRows(rows))
  return rows.some((row) => row.status === 'error') ? 1 : 0
}

export type DoctorResult = { ok: true; rows: DoctorRow[] } | { ok: false; reason: string }

/** Connects, calls the function, disconnects. Never throws: a failure is its reason, in words. */
export async function runDoctor(url: string): Promise<DoctorResult> {
  let client: pg.Client
  try {
    client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 })
  } catch (error) {
    return { ok: false, reason: `Cannot use the URL ${redact(url)}: ${describe(error)}` }
  }
  // A server that drops the connection later emits 'error' on the client: reported by the query.
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (error) {
    await client.end().catch(() => {})
    return { ok: false, reason: `Cannot connect to ${redact(url)}: ${describe(error)}` }
  }
  try {
    const result = await client.query<DoctorRow>(
      'select "check", status, subject, detail, fix from public.realtime_sync_doctor()',
    )
    return { ok: true, rows: result.rows }
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code === '42883' || code === '3F000') {
      return {
        ok: false,
        reason:
          'public.realtime_sync_doctor() is not in this database: the migration ' +
          '<timestamp>_realtime_sync_doctor.sql is not applied. Run `npx realtime-sync-devtools ' +
          'init`, then `supabase db push`, and run doctor again.',
      }
    }
    if (code === '42501') {
      return {
        ok: false,
        reason: `This role may not run public.realtime_sync_doctor() (${describe(error)}): connect as postgres or service_role.`,
      }
    }
    return { ok: false, reason: `realtime_sync_doctor() failed: ${describe(error)}` }
  } finally {
    await client.end().catch(() => {})
  }
}

/** Errors first, then warnings, then ok; the function's order within each. */
export function sortRows(rows: readonly DoctorRow[]): DoctorRow[] {
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => ORDER[a.row.status] - ORDER[b.row.status] || a.index - b.index)
    .map(({ row }) => row)
}

/** A table read at a glance: a summary line, then one line per row, its fix indented below. */
export function formatRows(rows: readonly DoctorRow[]): string {
  const count = (status: DoctorRow['status']) => rows.filter((row) => row.status === status).length
  const errors = count('error')
  const warnings = count('warn')
  const summary =
    errors === 0 && warnings === 0
      ? `All ${rows.length} checks ok: every change can reach the screens.`
      : `${plural(errors, 'error')}, ${plural(warnings, 'warning')}, ${count('ok')} ok`
  const checkWidth = Math.max(5, ...rows.map((row) => row.check.length))
  const subjectWidth = Math.min(48, Math.max(7, ...rows.map((row) => (row.subject ?? '').length)))
  const lines = [
    summary,
    '',
    `${'STATUS'.padEnd(6)}  ${'CHECK'.padEnd(checkWidth)}  ${'SUBJECT'.padEnd(subjectWidth)}  DETAIL`,
  ]
  const indent = ' '.repeat(8)
  for (const row of rows) {
    lines.push(
      `${row.status.toUpperCase().padEnd(6)}  ${row.check.padEnd(checkWidth)}  ${(row.subject ?? '-').padEnd(subjectWidth)}  ${row.detail}`,
    )
    if (row.status !== 'ok' && row.fix !== null) {
      const [first, ...rest] = row.fix.split('\n')
      lines.push(`${indent}fix: ${first}`)
      for (const line of rest) lines.push(`${indent}     ${line}`)
    }
  }
  return lines.join('\n')
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((inner) => describe(inner)).join('; ')
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return error.message !== '' ? error.message : typeof code === 'string' ? code : error.name
  }
  return String(error)
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(an unparsable URL)'
  }
}
