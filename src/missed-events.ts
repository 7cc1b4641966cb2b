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

/** Reads the rows of a window, oldest id first; throws when the read fails. */
export type ReadMissedEvents = (window: MissedEventsWindow) => Promise<unknown[]>

/** Hosted PostgREST's default max-rows: a larger page would be cut silently. */
export const REPLAY_PAGE_SIZE = 1_000

/**
 * The window read through the app's own supabase client: PostgREST, so row-level security
 * decides what the user may read, exactly as it decides what Realtime delivers. Paged by id.
 */
export function readMissedEventsWith(supabase: SupabaseRealtimeLike): ReadMissedEvents {
  return async (window) => {
    if (typeof supabase.from !== 'function') {
      throw new Error('the supabase client has no from(): it cannot read realtime_table_events')
    }
    const rows: unknown[] = []
    let afterPage: number | undefined
    while (rows.length < window.limit) {
      const pageSize = Math.min(REPLAY_PAGE_SIZE, window.limit - rows.length)
      let query = (supabase.from(EVENTS_TABLE) as { select(columns: string): EventsQueryLike })
        .select('*')
        .eq('organization_id', window.orgId)
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
}
