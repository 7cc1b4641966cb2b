/**
 * `npx realtime-sync-devtools init`: the database half as migrations of the app's own repository,
 * the way Supabase users ship SQL. Each file of this package's supabase/migrations/ is written to
 * the app's supabase/migrations/ under a fresh timestamp, in order, so `supabase db push` applies
 * them after the app's own history (never with this repository's versions). A file already there
 * (same name after the timestamp) is left alone: running it twice writes nothing.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

/** Where the package keeps its migrations: beside lib/ once built, beside cli/ in the repository. */
export const PACKAGE_MIGRATIONS = fileURLToPath(new URL('../supabase/migrations/', import.meta.url))

const MIGRATION_NAME = /^(\d{14})_(.+\.sql)$/

export interface InitOptions {
  /** The package's migrations. */
  sourceDir: string
  /** The app's supabase/migrations/ (created when absent). */
  targetDir: string
  /** The first file's timestamp; each next one a second later. */
  now: Date
  dryRun: boolean
}

export interface InitResult {
  written: string[]
  /** Already in the app's migrations, under the name it has there. */
  present: { name: string; as: string }[]
}

export function initMigrations(options: InitOptions): InitResult {
  const sources = readdirSync(options.sourceDir)
    .filter((file) => MIGRATION_NAME.test(file))
    .sort()
  if (sources.length === 0) throw new Error(`no migrations in ${options.sourceDir}`)
  const existing = existsSync(options.targetDir) ? readdirSync(options.targetDir) : []
  const result: InitResult = { written: [], present: [] }
  let at = options.now.getTime()
  for (const source of sources) {
    const name = MIGRATION_NAME.exec(source)![2]!
    const already = existing.find((file) => MIGRATION_NAME.exec(file)?.[2] === name)
    if (already !== undefined) {
      result.present.push({ name, as: already })
      continue
    }
    const file = `${timestamp(new Date(at))}_${name}`
    at += 1_000
    result.written.push(file)
    if (options.dryRun) continue
    mkdirSync(options.targetDir, { recursive: true })
    writeFileSync(
      path.join(options.targetDir, file),
      readFileSync(path.join(options.sourceDir, source)),
    )
  }
  return result
}

/** Supabase CLI's migration version: UTC, YYYYMMDDHHMMSS. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14)
}

const HELP = `Usage: npx realtime-sync-devtools init [options]
       npx realtime-sync-devtools doctor --db-url <postgres url> [--json]   (doctor --help)

Writes the sync engine's database half into your Supabase project's migrations, each under a
fresh timestamp, so \`supabase db push\` applies them after your own. Files already there are left
alone.

  --dir <path>   your migrations folder (default supabase/migrations)
  --dry-run      say what would be written, write nothing
  -h, --help     this text
`

export const NEXT_STEPS = `Next:
  1. If your project has its own organizations and memberships, give it
     public.is_organization_member(org_id <your id type>) returns boolean (is auth.uid() a
     member?) in a migration that runs before these. Without one, the migration creates its
     own organizations and organization_members; it never alters a table it did not create.
  2. Track the tables whose changes should reach screens, in a migration of your own:
       select public.realtime_track_table('public.deals');   -- has organization_id
       select public.realtime_track_table('public.boards', org_column => 'team_id');
       select public.realtime_track_table('public.deal_contacts', 'deal_id', 'public.deals');
  3. Apply: supabase db push (or supabase migration up for the local database).
  4. Check: npx realtime-sync-devtools doctor --db-url <postgres url>
     (or, in the SQL editor: select * from realtime_sync_doctor();)`

export function main(argv: string[], log: (line: string) => void = console.log): number {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        dir: { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    log(`${(error as Error).message}\n\n${HELP}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help === true) {
    log(HELP)
    return 0
  }
  if (positionals.length !== 1 || positionals[0] !== 'init') {
    log(HELP)
    return 2
  }
  const targetDir = path.resolve(values.dir ?? 'supabase/migrations')
  const result = initMigrations({
    sourceDir: PACKAGE_MIGRATIONS,
    targetDir,
    now: new Date(),
    dryRun: values['dry-run'] === true,
  })
  const where = path.relative(process.cwd(), targetDir) || '.'
  const verb = values['dry-run'] === true ? 'Would write' : 'Wrote'
  if (result.written.length > 0) {
    log(`${verb} ${result.written.length} migration(s) to ${where}/:`)
    for (const file of result.written) log(`  ${file}`)
  }
  for (const { name, as } of result.present) log(`Already there: ${name} (as ${as}), left alone.`)
  log(`\n${NEXT_STEPS}`)
  return 0
}
