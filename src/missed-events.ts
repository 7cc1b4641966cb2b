import { errorMessage } from './error-message'
import { EVENTS_TABLE, type EventsQueryLike, type SupabaseRealtimeLike } from './supabase-realtime'

/**
 * Which of an organization's realtime_table_events rows a replay reads: every row after
 * `afterId`, or created at or after `since` (the overlap that catches a transaction which took
 * a smaller id and committed later: docs/DESIGN.md, "Replay").
 */
export interface MissedEventsWindow {
  orgId: string
  afterId: number | undefined
  /** ISO time on the database's clock (created_at is the inserting transaction's start). */
  since: string
  /** Rows to read at most: maxReplay + 1, so that "more than maxReplay" is known. */
  limit: number
}

/** What a replay reads of realtime_table_events, through the app's client; throws on failure. */
export interface EventLogReader {
  /** The rows of a window, oldest id first. */
  missed(window: MissedEventsWindow): Promise<unknown[]>
  /**
   * The created_at (epoch ms, the database's clock) of the organization's newest row the user
   * may read; undefined: there is none. A database time that has passed: it anchors a window
   * that starts at a page time (src/database-clock.ts).
   */
  newestCreatedAt(orgId: string): Promise<number | undefined>
  /**
   * The database's clock (epoch ms): realtime_sync_now(), read between the call and its answer.
   * undefined: the client has no rpc() or the database no such function (an older migration),
   * remembered so it is asked once.
   */
  databaseNow(): Promise<number | undefined>
  /**
   * The newest row of a table's record created at or after `since` (ISO, the database's clock)
   * that this user may read; undefined: there is none. Throws when the read is refused.
   */
  eventFor(table: string, recordId: string, since: string): Promise<unknown>
}

/** The migration's function that answers the database's clock. */
export const DATABASE_NOW_FUNCTION = 'realtime_sync_now'

/** Hosted PostgREST's default max-rows: a larger page would be cut silently. */
export const REPLAY_PAGE_SIZE = 1_000

/**
 * The reads through the app's own supabase client: PostgREST, so row-level security decides
 * what the user may read, exactly as it decides what Realtime delivers. Windows are paged by id.
 */
export function eventLogReaderOf(supabase: SupabaseRealtimeLike): EventLogReader {
  const events = (): { select(columns: string): EventsQueryLike } => {
    if (typeof supabase.from !== 'function') {
      throw new Error('the supabase client has no from(): it cannot read realtime_table_events')
    }
    return supabase.from(EVENTS_TABLE) as { select(columns: string): EventsQueryLike }
  }
  let hasClock = typeof supabase.rpc === 'function'
  return {
    missed: (window) => readWindow(events, window),
    databaseNow: async () => {
      if (!hasClock) return undefined
      try {
        const answer = await (supabase.rpc!(DATABASE_NOW_FUNCTION) as PromiseLike<
          { data: unknown; error: unknown } | undefined
        >)
        const time = typeof answer?.data === 'string' ? Date.parse(answer.data) : Number.NaN
        if (!Number.isNaN(time) && (answer?.error === null || answer?.error === undefined)) {
          return time
        }
      } catch {
        // Below: a client or database without the clock is asked once.
      }
      hasClock = false
      return undefined
    },
    eventFor: async (table, recordId, since) => {
      const { data, error } = await events()
        .select('*')
        .eq('table_name', table)
        .eq('record_id', recordId)
        .gte('created_at', since)
        .order('id', { ascending: false })
        .limit(1)
      if (error !== null && error !== undefined) throw new Error(errorMessage(error))
      if (!Array.isArray(data)) throw new Error('the read did not answer with a list of rows')
      return data[0]
    },
    newestCreatedAt: async (orgId) => {
      const { data, error } = await events()
        .select('id,created_at')
        .eq('organization_id', orgId)
        .order('id', { ascending: false })
        .limit(1)
      if (error !== null && error !== undefined) throw new Error(errorMessage(error))
      if (!Array.isArray(data)) throw new Error('the read did not answer with a list of rows')
      if (data.length === 0) return undefined
      const createdAt = (data[0] as { created_at?: unknown } | null)?.created_at
      const time = typeof createdAt === 'string' ? Date.parse(createdAt) : Number.NaN
      if (Number.isNaN(time)) throw new Error('the newest row of the read has no created_at time')
      return time
    },
  }
}

async function readWindow(
  events: () => { select(columns: string): EventsQueryLike },
  window: MissedEventsWindow,
): Promise<unknown[]> {
  const rows: unknown[] = []
  let afterPage: number | undefined
  while (rows.length < window.limit) {
    const pageSize = Math.min(REPLAY_PAGE_SIZE, window.limit - rows.length)
    let query = events().select('*').eq('organization_id', window.orgId)
    query =
      window.afterId === undefined
        ? query.gte('created_at', window.since)
        : query.or(`id.gt.${window.afterId},created_at.gte."${window.since}"`)
    if (afterPage !== undefined) query = query.gt('id', afterPage)
    const { data, error } = await query.order('id', { ascending: true }).limit(pageSize)
    if (error !== null && error !== undefined) throw new Error(errorMessage(error))
    if (!Array.isArray(data)) throw new Error('the read did not answer with a list of rows')
    rows.push(...data)
    if (data.length < pageSize) break
    const last = (data[data.length - 1] as { id?: unknown } | null)?.id
    afterPage = typeof last === 'number' ? last : Number(last)
    if (!Number.isSafeInteger(afterPage)) throw new Error('a row of the read has no numeric id')
  }
  return rows
}
