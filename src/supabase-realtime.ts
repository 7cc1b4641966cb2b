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
  /** Broadcast from Database: every message of the channel's topic (`{event, payload, meta}`). */
  on(
    type: 'broadcast',
    filter: { event: string },
    callback: (message: object) => void,
  ): RealtimeChannelLike
  /** The server's own words: "Subscribed to PostgreSQL" (replication ready), or an error. */
  on(type: 'system', filter: object, callback: (payload: object) => void): RealtimeChannelLike
  /** status is one of supabase-js's SUBSCRIBED, TIMED_OUT, CLOSED, CHANNEL_ERROR. */
  subscribe(callback?: (status: string, error?: Error) => void): unknown
}

/** The slice of a postgrest-js query the replay builds (src/missed-events.ts). */
export interface EventsQueryLike extends PromiseLike<{ data: unknown; error: unknown }> {
  eq(column: string, value: string): EventsQueryLike
  gt(column: string, value: number): EventsQueryLike
  gte(column: string, value: string): EventsQueryLike
  or(filters: string): EventsQueryLike
  order(column: string, options: { ascending: boolean }): EventsQueryLike
  limit(count: number): EventsQueryLike
}

export interface SupabaseRealtimeLike {
  /** `config.private`: a private topic, authorized by RLS on realtime.messages (broadcast). */
  channel(name: string, options?: { config: { private?: boolean } }): RealtimeChannelLike
  removeChannel(channel: never): Promise<unknown>
  /**
   * The client's channels (`topic` is `realtime:<name>`): the engine does not join a topic the
   * app's own code already holds on this client. Typed loosely, as from().
   */
  getChannels?(): unknown
  realtime: { setAuth(token?: string | null): Promise<void> }
  /**
   * supabase.from(): the replay reads realtime_table_events through it (typed loosely: the
   * client's generics depend on the app's Database type). Without it, resyncs refetch.
   */
  from?(table: string): unknown
  /**
   * supabase.rpc(): the replay asks the database's clock (realtime_sync_now()) through it, as
   * loosely typed as from(). Without it, or without the function, the newest event row anchors.
   */
  rpc?(fn: string): unknown
}
