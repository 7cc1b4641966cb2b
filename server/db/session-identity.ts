import { type ApiRole, isApiRole } from '../auth/api-keys'
import type { Database, Queryable, TransactionOptions } from './database'

/** What a transaction runs as: a database role and the JWT claims that auth.uid() reads. */
export interface SessionIdentity {
  role: ApiRole
  claims: Record<string, unknown>
}

/**
 * Switches the current transaction to `identity`, the way PostgREST and Realtime do:
 * `set local role` plus transaction-local `request.jwt.claims`. Both end with the transaction.
 * The role is checked against the three API roles again here, because this line is what turns
 * a string into database privileges.
 */
export async function switchIdentity(tx: Queryable, identity: SessionIdentity): Promise<void> {
  if (!isApiRole(identity.role)) throw new Error(`refusing to switch to role ${identity.role}`)
  await tx.query(
    `select pg_catalog.set_config('role', $1, true),
            pg_catalog.set_config('request.jwt.claims', $2, true)`,
    [identity.role, JSON.stringify(identity.claims)],
  )
}

/** Runs `fn` in one transaction as `identity`: every query inside is subject to its RLS. */
export function asIdentity<T>(
  db: Database,
  identity: SessionIdentity,
  fn: (tx: Queryable) => Promise<T>,
  options?: TransactionOptions,
): Promise<T> {
  return db.transaction(async (tx) => {
    await switchIdentity(tx, identity)
    return fn(tx)
  }, options)
}
