import type { ServerResponse } from 'node:http'
import type { Caller } from '../auth/caller'
import { quoteIdent } from '../db/catalog'
import type { Database } from '../db/database'
import { asIdentity } from '../db/session-identity'
import { send } from '../http/http-io'
import { type RestError, restError } from './postgrest-errors'

/**
 * `POST /rest/v1/rpc/<name>` for functions of the public schema that take no argument (such as
 * the migration's realtime_sync_now(), the database's clock for the engine's replay windows),
 * run as the caller so grants decide, answered as PostgREST does: the result as JSON. Functions
 * with arguments are not served: a clear 404 in PostgREST's words.
 */
export async function callFunction(
  response: ServerResponse,
  db: Database,
  caller: Caller,
  name: string,
  method: string,
): Promise<RestError | undefined> {
  if (method !== 'POST' && method !== 'GET') {
    return restError(405, 'PGRST117', `Unsupported HTTP method: ${method}`)
  }
  const found = await db.query<{ n: number }>(
    `select count(*)::int as n from pg_proc p join pg_namespace s on s.oid = p.pronamespace
     where s.nspname = 'public' and p.proname = $1 and p.pronargs = 0`,
    [name],
  )
  if ((found.rows[0]?.n ?? 0) === 0) {
    return restError(
      404,
      'PGRST202',
      `Could not find the function public.${name} without parameters in the schema cache`,
      null,
      'The local stack serves functions without parameters only',
    )
  }
  const body = await asIdentity(db, caller, async (tx) => {
    const result = await tx.query<{ body: string }>(
      `select to_jsonb(public.${quoteIdent(name)}())::text as body`,
    )
    return result.rows[0]?.body ?? 'null'
  })
  send(response, 200, body, { 'Content-Type': 'application/json; charset=utf-8' })
  return undefined
}
