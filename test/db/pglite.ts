import { PGlite, type Transaction } from '@electric-sql/pglite'
import { supabaseSchemaFiles } from '../../server/db/apply-schema'

/**
 * A fresh in-memory PGlite with, in order: the Supabase shim (roles, auth.uid(), default
 * privileges), every migration, and the demo CRM schema. No seed data. Starting one takes
 * a few seconds: share it per test file (beforeAll) and keep each test's rows distinct.
 */
export async function createTestDatabase(): Promise<PGlite> {
  const db = new PGlite()
  await applySchema(db)
  return db
}

/**
 * Applies shim, migrations and demo schema to `db`, the same files in the same order as the
 * local stack (server/db/apply-schema.ts); every file is idempotent.
 */
export async function applySchema(db: PGlite): Promise<void> {
  for (const file of supabaseSchemaFiles({ supabaseShim: true })) {
    await db.exec(file.sql)
  }
}

async function asRole<T>(
  db: PGlite,
  role: 'authenticated' | 'anon' | 'service_role',
  claims: Record<string, unknown>,
  fn: (tx: Transaction) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    // `role` is one of three literals, never user input.
    await tx.exec(`set local role ${role}`)
    await tx.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)])
    return fn(tx)
  })
}

/**
 * Runs `fn` in a transaction as a signed-in user, the way PostgREST and Realtime do:
 * `set local role authenticated` plus transaction-local JWT claims ({ sub, role }).
 * Commits when `fn` resolves, rolls back when it throws.
 */
export function asUser<T>(
  db: PGlite,
  userId: string,
  fn: (tx: Transaction) => Promise<T>,
): Promise<T> {
  return asRole(db, 'authenticated', { sub: userId, role: 'authenticated' }, fn)
}

/** Runs `fn` in a transaction as the anonymous API role (no `sub`). */
export function asAnon<T>(db: PGlite, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return asRole(db, 'anon', { role: 'anon' }, fn)
}

/**
 * Runs `fn` in a transaction as the database owner (superuser) with no role switch and no
 * JWT claims: a backend job or migration. auth.uid() is null, RLS does not apply.
 */
export function asService<T>(db: PGlite, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(fn)
}

/**
 * Runs `fn` in a transaction as Supabase's service_role (BYPASSRLS, claims without `sub`),
 * as the service-role key does through the API.
 */
export function asServiceRole<T>(db: PGlite, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return asRole(db, 'service_role', { role: 'service_role' }, fn)
}

/** Fixed user ids for tests: user('a') → '00000000-0000-4000-8000-00000000000a'. */
export function user(suffix: string): string {
  return `00000000-0000-4000-8000-${suffix.padStart(12, '0')}`
}

/**
 * Tiny fixture: creates organizations and their members as the owner. Idempotent.
 * `fixture(db, { 'org-a': [alice], 'org-b': [alice, bob] })`.
 */
export async function fixture(
  db: PGlite,
  organizations: Record<string, readonly string[]>,
): Promise<void> {
  for (const [orgId, members] of Object.entries(organizations)) {
    await db.query(
      'insert into public.organizations (id, name) values ($1, $2) on conflict (id) do nothing',
      [orgId, orgId],
    )
    for (const userId of members) {
      await db.query(
        `insert into public.organization_members (organization_id, user_id)
         values ($1, $2) on conflict do nothing`,
        [orgId, userId],
      )
    }
  }
}

export interface EventRow {
  id: string
  organization_id: string
  table_name: string
  event_type: 'INSERT' | 'UPDATE' | 'DELETE'
  record_id: string
  actor_id: string | null
}

/** Events for one record, oldest first, read as the owner (no RLS). */
export async function eventsFor(
  db: PGlite,
  tableName: string,
  recordId: string,
): Promise<EventRow[]> {
  const result = await db.query<EventRow>(
    `select id::text, organization_id, table_name, event_type, record_id, actor_id::text
     from public.realtime_table_events
     where table_name = $1 and record_id = $2
     order by realtime_table_events.id`,
    [tableName, recordId],
  )
  return result.rows
}

/** Highest event id so far ('0' when none): read events after it with `eventsSince`. */
export async function lastEventId(db: PGlite): Promise<string> {
  const result = await db.query<{ id: string }>(
    'select coalesce(max(id), 0)::text as id from public.realtime_table_events',
  )
  return result.rows[0]!.id
}

/** Events after `afterId`, oldest first, read as the owner (no RLS). */
export async function eventsSince(db: PGlite, afterId: string): Promise<EventRow[]> {
  const result = await db.query<EventRow>(
    `select id::text, organization_id, table_name, event_type, record_id, actor_id::text
     from public.realtime_table_events
     where id > $1::bigint
     order by realtime_table_events.id`,
    [afterId],
  )
  return result.rows
}
