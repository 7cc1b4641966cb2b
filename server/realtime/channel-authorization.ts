import { asPostgresError, type Database, type Queryable } from '../db/database'
import { type SessionIdentity, switchIdentity } from '../db/session-identity'

/**
 * What a private channel's token may do on its topic, decided as Supabase's Realtime decides
 * it (Realtime.Tenants.Authorization): by the RLS policies of realtime.messages, evaluated as
 * the user (role, request.jwt.claims, and realtime.topic = the channel name) in a transaction
 * that is rolled back.
 *   read:  the stack inserts a probe row for the topic (as the owner), and the user must see it;
 *   write: the user must be able to insert a row for the topic (in a savepoint: an RLS error
 *          means no).
 * Only the broadcast extension: the local stack does not serve presence.
 */
export interface ChannelPermissions {
  read: boolean
  write: boolean
}

export const NO_PERMISSIONS: ChannelPermissions = { read: false, write: false }

/** 42501: what Postgres raises for an RLS violation or a missing privilege. */
const INSUFFICIENT_PRIVILEGE = '42501'

/** 42P01: realtime.messages does not exist (no Supabase, and no shim). */
export const UNDEFINED_TABLE = '42P01'

export function authorizeChannel(
  db: Database,
  identity: SessionIdentity,
  name: string,
): Promise<ChannelPermissions> {
  return db.transaction(
    async (tx) => {
      const probe = await tx.query<{ id: string }>(
        `insert into realtime.messages (topic, extension) values ($1::text, 'broadcast')
         returning id::text`,
        [name],
      )
      const probeId = probe.rows[0]?.id
      await switchIdentity(tx, identity)
      await tx.query(`select pg_catalog.set_config('realtime.topic', $1::text, true)`, [name])
      const read =
        probeId !== undefined &&
        (await attempt(tx, 'realtime_read_probe', async () => {
          const seen = await tx.query<{ seen: boolean }>(
            `select exists (
               select 1 from realtime.messages
               where id = $1::text::uuid and topic = $2::text and extension = 'broadcast'
             ) as seen`,
            [probeId, name],
          )
          return seen.rows[0]?.seen === true
        }))
      const write = await attempt(tx, 'realtime_write_probe', async () => {
        await tx.query(
          `insert into realtime.messages (topic, extension) values ($1::text, 'broadcast')`,
          [name],
        )
        return true
      })
      return { read, write }
    },
    { rollback: true },
  )
}

/**
 * `probe` inside a savepoint: an RLS refusal (or a missing grant) is a plain no and leaves the
 * transaction usable for the next probe; any other error is not an answer and is rethrown.
 */
async function attempt(
  tx: Queryable,
  savepoint: string,
  probe: () => Promise<boolean>,
): Promise<boolean> {
  await tx.query(`savepoint ${savepoint}`)
  try {
    const allowed = await probe()
    await tx.query(`release savepoint ${savepoint}`)
    return allowed
  } catch (error) {
    if (asPostgresError(error)?.code !== INSUFFICIENT_PRIVILEGE) throw error
    await tx.query(`rollback to savepoint ${savepoint}`)
    return false
  }
}
