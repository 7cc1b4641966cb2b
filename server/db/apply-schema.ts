import { readdirSync, readFileSync } from 'node:fs'
import type { Database } from './database'
import { errorMessage } from '../../src/error-message'

const repositoryRoot = new URL('../../', import.meta.url)
const supabaseDir = new URL('supabase/', repositoryRoot)

function readSql(base: URL, relativePath: string): string {
  return readFileSync(new URL(relativePath, base), 'utf8')
}

/** Every file of supabase/migrations, in file-name (timestamp) order, as `supabase db push` runs them. */
export function migrationSql(): { name: string; sql: string }[] {
  return readdirSync(new URL('migrations/', supabaseDir))
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => ({ name, sql: readSql(supabaseDir, `migrations/${name}`) }))
}

/**
 * The project's own SQL, in the order a plain Postgres needs it: the Supabase shim (when asked),
 * every migration, the demo schema. Shared with test/db, which applies exactly these.
 */
export function supabaseSchemaFiles(options: {
  supabaseShim: boolean
}): { name: string; sql: string }[] {
  return [
    ...(options.supabaseShim
      ? [{ name: 'supabase-shim.sql', sql: readSql(supabaseDir, 'local/supabase-shim.sql') }]
      : []),
    ...migrationSql(),
    { name: 'demo/schema.sql', sql: readSql(supabaseDir, 'demo/schema.sql') },
  ]
}

/** The files the stack applies, in order; every one is idempotent. */
export function schemaFiles(options: { supabaseShim: boolean }): { name: string; sql: string }[] {
  return [
    ...supabaseSchemaFiles(options),
    { name: 'stack-roles.sql', sql: readSql(new URL('./', import.meta.url), 'stack-roles.sql') },
    {
      name: 'auth-schema.sql',
      sql: readSql(new URL('../auth/', import.meta.url), 'auth-schema.sql'),
    },
    {
      name: 'change-capture.sql',
      sql: readSql(new URL('./', import.meta.url), 'change-capture.sql'),
    },
    {
      name: 'rls-visibility.sql',
      sql: readSql(new URL('./', import.meta.url), 'rls-visibility.sql'),
    },
  ]
}

/**
 * A real Supabase database already has roles, auth.uid() and auth.users, and the shim must
 * never run there; plain Postgres and PGlite need it first.
 */
async function isSupabaseDatabase(db: Database): Promise<boolean> {
  const result = await db.query<{ supabase: boolean }>(
    `select exists (select 1 from pg_catalog.pg_roles where rolname = 'supabase_admin') as supabase`,
  )
  return result.rows[0]?.supabase === true
}

/**
 * Shim (plain Postgres / PGlite only), supabase/migrations, the demo schema, then the stack's own
 * objects: auth tables and change capture. Safe to run on every start.
 */
export async function applySchema(db: Database): Promise<void> {
  await db.withSetupLock(async () => {
    const supabaseShim = !(await isSupabaseDatabase(db))
    for (const file of schemaFiles({ supabaseShim })) {
      try {
        await db.exec(file.sql)
      } catch (error) {
        const message = errorMessage(error)
        throw new Error(`applying ${file.name} failed: ${message}`, { cause: error })
      }
    }
  })
}
