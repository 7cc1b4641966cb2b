/**
 * The slice of supabase-js the engine uses. A real SupabaseClient satisfies it; so does the
 * in-memory stand-in the unit tests drive.
 */

export const EVENTS_SCHEMA = 'public'
export const EVENTS_TABLE = 'realtime_table_events'

export interface PostgresChangesFilter {
  event: 'INSERT'
  schema: string
  table: string
  filter: string
}

export interface RealtimeChannelLike {
  readonly topic: string
  on(
    type: 'postgres_changes',
    filter: PostgresChangesFilter,
    // object, not unknown: supabase-js's overloads type the payload, and it must be assignable here.
    callback: (payload: object) => void,
  ): RealtimeChannelLike
  /** status is one of supabase-js's SUBSCRIBED, TIMED_OUT, CLOSED, CHANNEL_ERROR. */
  subscribe(callback?: (status: string, error?: Error) => void): unknown
}

export interface SupabaseRealtimeLike {
  channel(name: string): RealtimeChannelLike
  removeChannel(channel: never): Promise<unknown>
  realtime: { setAuth(token?: string | null): Promise<void> }
}
