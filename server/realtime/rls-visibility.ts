import { quoteIdent, type TableInfo } from '../db/catalog'
import type { Database, Queryable } from '../db/database'
import { type SessionIdentity, switchIdentity } from '../db/session-identity'

/**
 * Which changed rows a subscriber may see: the row is looked up by primary key as that
 * subscriber (its role and request.jwt.claims), so the table's grants and RLS policies decide,
 * as Supabase's Realtime decides for postgres_changes. Many rows and many subscribers are
 * checked in one transaction.
 */

export interface VisibilityCheck {
  identity: SessionIdentity
  table: TableInfo
  /** The rows (new rows for INSERT / UPDATE, old rows for DELETE). */
  rows: Record<string, unknown>[]
}

/**
 * For each check, one boolean per row. One statement for the whole batch
 * (realtime_stack.visible_keys, see db/rls-visibility.sql); a check that cannot be evaluated is
 * all false.
 */
export async function visibleRows(
  db: Database,
  checks: readonly VisibilityCheck[],
  onError: (error: unknown) => void,
): Promise<boolean[][]> {
  const results = checks.map((check) => check.rows.map(() => false))
  const keyed: number[] = []
  for (const [index, check] of checks.entries()) {
    if (check.table.primaryKey.length > 0) keyed.push(index)
    else results[index] = await visibleWithoutKey(db, check, onError)
  }
  if (keyed.length === 0) return results
  const input = keyed.map((index) => visibilityInput(checks[index]!))
  try {
    const found = await db.query<{ check_index: number; key_index: number }>(
      'select check_index, key_index from realtime_stack.visible_keys($1::text::jsonb)',
      [JSON.stringify(input)],
    )
    for (const row of found.rows) {
      const check = keyed[row.check_index]
      if (check !== undefined) results[check]![row.key_index] = true
    }
  } catch (error) {
    onError(error)
  }
  return results
}

/** Nothing to look the row up by: visible only where no row policy could hide it. */
async function visibleWithoutKey(
  db: Database,
  check: VisibilityCheck,
  onError: (error: unknown) => void,
): Promise<boolean[]> {
  try {
    const allowed = await db.transaction((tx) => mayRead(tx, check.identity, check.table))
    const visible = allowed && (!check.table.rowSecurity || check.identity.role === 'service_role')
    return check.rows.map(() => visible)
  } catch (error) {
    onError(error)
    return check.rows.map(() => false)
  }
}

/** One check as realtime_stack.visible_keys() takes it: role, claims, table oid, row keys. */
function visibilityInput(check: VisibilityCheck) {
  const { identity, table, rows } = check
  return {
    role: identity.role,
    claims: identity.claims,
    table: table.oid,
    keys: rows.map((row) => keyOf(row, table)),
  }
}

function keyOf(row: Record<string, unknown>, table: TableInfo): Record<string, unknown> {
  const key: Record<string, unknown> = {}
  for (const column of table.primaryKey) key[column.name] = row[column.name] ?? null
  return key
}

/**
 * For DELETE: the row is gone, so it is put back inside a transaction that is rolled back (with
 * triggers and foreign keys off where allowed: session_replication_role = replica), checked as
 * the subscriber, and removed again with the rollback. Stricter than Supabase, which delivers the
 * key of every deleted row of an RLS table to every subscriber of that table.
 */
export async function visibleDeletedRows(
  db: Database,
  checks: readonly VisibilityCheck[],
  onError: (error: unknown) => void,
): Promise<boolean[][]> {
  const results: boolean[][] = []
  for (const check of checks) {
    const { identity, table, rows } = check
    if (!table.rowSecurity || identity.role === 'service_role') {
      // No row policy applies: the table privilege decides alone.
      try {
        const allowed = await db.transaction((tx) => mayRead(tx, identity, table))
        results.push(rows.map(() => allowed))
      } catch (error) {
        onError(error)
        results.push(rows.map(() => false))
      }
      continue
    }
    if (table.primaryKey.length === 0) {
      results.push(rows.map(() => false))
      continue
    }
    try {
      // Asked before the transaction: PGlite runs one thing at a time, and a query outside the
      // transaction from inside it would wait for it forever.
      const replica = await replicaModeAllowed(db)
      results.push(
        await db.transaction(
          async (tx) => {
            if (replica) await tx.query(`set local session_replication_role = replica`)
            const restored = await restoreRows(tx, table, rows)
            const visible = await checkInTransaction(tx, check)
            return visible.map((ok, index) => ok && restored[index] === true)
          },
          { rollback: true },
        ),
      )
    } catch (error) {
      onError(error)
      results.push(rows.map(() => false))
    }
  }
  return results
}

const replicaMode = new WeakMap<Database, Promise<boolean>>()

/**
 * session_replication_role needs a superuser (PGlite's user, most local servers). A plain login
 * role from DATABASE_URL restores the row with triggers on instead: their writes are rolled back
 * with the probe, and a foreign key to a parent deleted alongside makes the probe fail closed.
 */
function replicaModeAllowed(db: Database): Promise<boolean> {
  let allowed = replicaMode.get(db)
  if (allowed === undefined) {
    allowed = db
      .query<{ allowed: boolean }>(
        `select pg_catalog.current_setting('is_superuser') = 'on' as allowed`,
      )
      .then((result) => result.rows[0]?.allowed === true)
    replicaMode.set(db, allowed)
  }
  return allowed
}

async function restoreRows(
  tx: Queryable,
  table: TableInfo,
  rows: Record<string, unknown>[],
): Promise<boolean[]> {
  const columns = table.columns.filter((column) => !column.generated)
  const list = columns.map((column) => quoteIdent(column.name)).join(', ')
  const sql = `insert into ${table.sqlName} (${list}) overriding system value
    select ${list} from pg_catalog.jsonb_populate_record(null::${table.sqlName}, $1::jsonb)
    on conflict do nothing`
  const restored: boolean[] = []
  for (const row of rows) {
    // A row re-inserted with the same key since the delete: not the deleted row, no verdict.
    const result = await tx.query(sql, [JSON.stringify(row)])
    restored.push(result.affectedRows === 1)
  }
  return restored
}

/** The restored rows, checked by the same function the live path uses, in this transaction. */
async function checkInTransaction(tx: Queryable, check: VisibilityCheck): Promise<boolean[]> {
  const found = await tx.query<{ key_index: number }>(
    'select key_index from realtime_stack.visible_keys($1::text::jsonb)',
    [JSON.stringify([visibilityInput(check)])],
  )
  const visible = check.rows.map(() => false)
  for (const row of found.rows) visible[row.key_index] = true
  return visible
}

/** Switches to the identity and answers whether it may SELECT from the table at all. */
async function mayRead(
  tx: Queryable,
  identity: SessionIdentity,
  table: TableInfo,
): Promise<boolean> {
  await switchIdentity(tx, identity)
  const privilege = await tx.query<{ can_select: boolean }>(
    `select pg_catalog.has_table_privilege($1, $2::oid, 'SELECT') as can_select`,
    [identity.role, table.oid],
  )
  return privilege.rows[0]?.can_select === true
}
