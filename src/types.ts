/**
 * The records the engine writes and every other part (bridge, panel, export) reads.
 * This file is the code side of the contract in docs/DESIGN.md: change one, change the other.
 */

export const CHANGE_OPERATIONS = ['INSERT', 'UPDATE', 'DELETE'] as const
export type ChangeOperation = (typeof CHANGE_OPERATIONS)[number]

/**
 * Every kind of log entry, once: the type derives from this list, and every reader (the wire
 * schema, the panel's filters, the export) takes the list from here, so a new kind cannot be
 * missing from one of them.
 */
export const SYNC_EVENT_KINDS = [
  /** A change that passed dedup and echo: queued for the next invalidation batch. */
  'received',
  /** A change already seen within the dedup window: dropped. */
  'deduped',
  /** A change this tab made itself: dropped, the optimistic state already shows it. */
  'echo',
  /** One invalidation pass (a batch flush, a resync, or a manual invalidateGlobal). */
  'invalidated',
  /**
   * A channel became live (replication ready), the first time after queries were loaded or
   * again after a gap: the engine replayed what it missed from realtime_table_events
   * (replayed: true), or, when it could not, refetched every query of the organization (the
   * reason says why).
   */
  'resync',
  /** A payload the engine could not use: counted, never thrown. */
  'malformed',
  /** A channel status change (SUBSCRIBED, CHANNEL_ERROR, TIMED_OUT, CLOSED, ...). */
  'channel',
  /** markLocalWrite(): this tab wrote a row; an echo of it points back here with relatedSeq. */
  'write',
  /**
   * A query an invalidation pass refetched settled (batchId: that pass): how long it took, how
   * it ended, whether its data changed (TanStack's structural sharing keeps the reference when
   * the new data deep-equals the old: false means nothing on screen changed) and how many
   * observers (places on screen) it had.
   */
  'refetched',
] as const
export type SyncEventKind = (typeof SYNC_EVENT_KINDS)[number]

/** How a refetch ended: its data arrived, its queryFn failed, or a later fetch replaced it. */
export const REFETCH_OUTCOMES = ['success', 'error', 'cancelled'] as const
export type RefetchOutcome = (typeof REFETCH_OUTCOMES)[number]

/**
 * A channel's status as supabase-js reports it to `channel.subscribe(callback)`
 * (REALTIME_SUBSCRIBE_STATES).
 */
export const SUPABASE_CHANNEL_STATUSES = [
  'SUBSCRIBED',
  'TIMED_OUT',
  'CLOSED',
  'CHANNEL_ERROR',
] as const
export type SupabaseChannelStatus = (typeof SUPABASE_CHANNEL_STATUSES)[number]

/** The engine's own steps before supabase-js reports anything. */
export const ENGINE_CHANNEL_STATUSES = [
  /** Waiting for supabase.realtime.setAuth(): a join without the token would receive nothing. */
  'AUTHORIZING',
  /** subscribe() was called; supabase-js has not answered yet. */
  'JOINING',
  /** setAuth() failed; the engine retries with backoff. */
  'AUTH_ERROR',
] as const
export type EngineChannelStatus = (typeof ENGINE_CHANNEL_STATUSES)[number]

export type ChannelStatus = SupabaseChannelStatus | EngineChannelStatus
export const CHANNEL_STATUSES = [...ENGINE_CHANNEL_STATUSES, ...SUPABASE_CHANNEL_STATUSES] as const

export interface SyncEvent {
  /** Strictly increasing per engine; a gap seen by a reader means loss. */
  seq: number
  /** Epoch ms on the engine's clock. */
  at: number
  kind: SyncEventKind
  orgId?: string
  table?: string
  op?: ChangeOperation
  recordId?: string
  /** realtime_table_events.id */
  eventId?: string
  /** realtime_table_events.actor_id: who made the change (null: no signed-in user, e.g. a backend job). */
  actorId?: string | null
  commitTimestamp?: string
  /** at − commit time */
  latencyMs?: number
  /** A sentence for humans: why deduped / echo / malformed / resync. */
  reason?: string
  /** The event this one duplicates, or the write it echoes. */
  relatedSeq?: number
  /** received: the flush it was coalesced into; invalidated: this flush. */
  batchId?: number
  /** invalidated: seqs of the received/resync events this pass served. */
  causes?: number[]
  /** invalidated: the pass ran at once, as no pass ran within batchMs (batchMode 'leading'). */
  leading?: boolean
  /** invalidated: query keys invalidated; received: keys this event matched (filled at flush). */
  matchedKeys?: unknown[][]
  /** invalidated: inactive queries the pass only marked stale (they refetch when next used). */
  markedStale?: number
  /** refetched: the query. */
  queryKey?: unknown[]
  /** refetched: from the pass's fetch call until it settled. */
  durationMs?: number
  /** refetched: how it ended. */
  outcome?: RefetchOutcome
  /** refetched: the error's message when it failed (size-capped). */
  error?: string
  /** refetched (success): whether the data changed: false means nothing on screen changed. */
  dataChanged?: boolean
  /** refetched: the query's observers when it settled (how many places on screen show it). */
  observers?: number
  /**
   * received / deduped / echo: the change was read back from realtime_table_events after a gap,
   * not delivered live. resync: the engine replayed what it missed (absent: a full refetch).
   */
  replayed?: boolean
  channel?: { topic: string; status: ChannelStatus }
  /** The raw payload: the realtime_table_events row, or a size-capped preview when malformed. */
  payload?: unknown
}

/** What arrived (received), what was applied (processed, invalidations) and what the filters removed. */
export interface MinuteMetrics {
  /** Start of the minute, epoch ms. */
  minute: number
  received: number
  processed: number
  deduped: number
  echo: number
  malformed: number
  /** Invalidation passes (flushes, resyncs, manual). */
  invalidations: number
  /** Queries marked stale by those passes. */
  keysInvalidated: number
  /** Refetches those passes caused that settled, and of them: failed; returned identical data. */
  refetches: number
  refetchErrors: number
  /** The signal that invalidation is broader than it needs to be. */
  unchangedRefetches: number
  /** Refetch duration percentiles of the minute (absent when nothing was refetched). */
  refetchP50Ms?: number
  refetchP95Ms?: number
}

export type MetricName = Exclude<keyof MinuteMetrics, 'minute' | 'refetchP50Ms' | 'refetchP95Ms'>

/** The options a running engine can change (from code or from the DevTools panel). */
export interface TunableConfig {
  dedupWindowMs: number
  echoWindowMs: number
  batchMs: number
  bufferSize: number
}

/**
 * How the dedup window recognises a change it has already seen. 'event': the same event id
 * (or the same row, operation and commit time) delivered again. 'row': any second change to
 * the same row within the window is dropped, whatever it was.
 */
export const DEDUP_MODES = ['event', 'row'] as const
export type DedupBy = (typeof DEDUP_MODES)[number]

/**
 * When a batch flushes. 'leading' (default): a change after a quiet batchMs is applied at once,
 * and what follows within batchMs coalesces into one pass at the window's end. 'trailing':
 * every change waits for the window that its batch opened.
 */
export const BATCH_MODES = ['leading', 'trailing'] as const
export type BatchMode = (typeof BATCH_MODES)[number]

export interface EngineConfig extends TunableConfig {
  dedupBy: DedupBy
  batchMode: BatchMode
  /**
   * The second key elements that mark a single-row key ([table, scope, id]): refetched only by a
   * change of that row. Default ['record']. Always present in what an engine reports; optional
   * because engines of 0.2.0 do not send it.
   */
  recordScopes?: readonly string[]
}

/**
 * Whether the server's postgres_changes subscription is ready, after SUBSCRIBED: 'waiting' until
 * its system message "Subscribed to PostgreSQL" (a change committed before is not delivered),
 * 'ready' from then on (the channel is live), 'error' when the server could not subscribe.
 */
export const REPLICATION_STATES = ['waiting', 'ready', 'error'] as const
export type ReplicationState = (typeof REPLICATION_STATES)[number]

/**
 * How realtime_table_events rows reach the engine: Supabase's postgres_changes (every change
 * authorized per subscriber; the default, nothing to configure) or Broadcast from Database (the
 * trigger's realtime.send to the private topic `org:<id>`; Supabase's scalable path).
 */
export const TRANSPORTS = ['postgres_changes', 'broadcast'] as const
export type Transport = (typeof TRANSPORTS)[number]

export function isTransport(value: unknown): value is Transport {
  return (TRANSPORTS as readonly unknown[]).includes(value)
}

export interface ChannelState {
  orgId: string
  topic: string
  status: ChannelStatus
  /** How many times the channel reached SUBSCRIBED; every one after the first was a resync. */
  subscribedCount: number
  /** Present while SUBSCRIBED. */
  replication?: ReplicationState
  /** When the channel last reached SUBSCRIBED (engine clock). */
  subscribedAt?: number
  /** When replication was last ready: from here on, changes arrive live. */
  liveAt?: number
  lastResyncAt?: number
  lastError?: string
  /** How its changes arrive: postgres_changes (the default) or the private broadcast topic. */
  transport?: Transport
}
