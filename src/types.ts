import type { EventOfKind } from './event-fields'

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
   * (replayed: true), or, when it could not, refetched every query of the organization (fallback
   * says why).
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
  /**
   * A write this tab marked (markLocalWrite) that no change event confirmed within
   * writeConfirmMs, with the likeliest cause (UNCONFIRMED_CAUSES).
   */
  'unconfirmed',
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

/**
 * One entry of the engine's log: a union discriminated by `kind`, each kind with the fields it
 * always has. Derived from the field table (src/event-fields.ts), which says what each field
 * means; read-only, as a logged event is never changed after it was written.
 */
export type SyncEvent = { [K in SyncEventKind]: EventOfKind<K> }[SyncEventKind]
export type { EventOfKind }
export type ReceivedEvent = EventOfKind<'received'>
export type DedupedEvent = EventOfKind<'deduped'>
export type EchoEvent = EventOfKind<'echo'>
export type InvalidatedEvent = EventOfKind<'invalidated'>
export type ResyncEvent = EventOfKind<'resync'>
export type MalformedEvent = EventOfKind<'malformed'>
export type ChannelEvent = EventOfKind<'channel'>
export type WriteEvent = EventOfKind<'write'>
export type RefetchedEvent = EventOfKind<'refetched'>
export type UnconfirmedEvent = EventOfKind<'unconfirmed'>
/** A change delivered (or replayed): what became of it is its kind. */
export type ChangeEvent = ReceivedEvent | DedupedEvent | EchoEvent

/**
 * How an event was matched to the earlier one it points at (relatedSeq). deduped: the same
 * 'event-id' delivered again, the 'same-change' (table, record, commit time and operation; no
 * event id) or, with dedupBy 'row', the 'same-row'. echo: this tab wrote the row and the change
 * comes from the 'same-actor' (the current user), or the table has no actor_id column
 * ('no-actor-column': the row alone decides). received: this tab wrote the row, but an
 * 'other-actor' made this change, so it is not an echo.
 */
export const MATCH_RULES = [
  'event-id',
  'same-change',
  'same-row',
  'same-actor',
  'no-actor-column',
  'other-actor',
] as const
export type MatchRule = (typeof MATCH_RULES)[number]

/** What started an invalidation pass. */
export const PASS_TRIGGERS = ['batch', 'write', 'manual'] as const
export type PassTrigger = (typeof PASS_TRIGGERS)[number]

/** Why a resync refetched every query of the organization instead of replaying what it missed. */
export const RESYNC_FALLBACKS = [
  /** replay: false */
  'replay-off',
  /** The engine has no way to read realtime_table_events. */
  'no-reader',
  /** The gap reaches past what realtime_table_events keeps. */
  'past-retention',
  /** Reading realtime_table_events failed (error: why). */
  'read-failed',
  /** More than maxReplay events were missed. */
  'over-max-replay',
] as const
export type ResyncFallback = (typeof RESYNC_FALLBACKS)[number]

/**
 * Why a write of this tab never came back as a change event. 'write-failed': the mutation failed,
 * so there was nothing to deliver. 'no-live-channel': no channel of the user's organizations was
 * live through the whole wait. Then the engine reads realtime_table_events as this user (RLS
 * decides, as it does for Realtime): 'events-unreadable', the read was refused (error);
 * 'not-delivered', the row is there (the trigger works; Realtime did not deliver it: the
 * publication, Realtime's authorization, replication), and it is replayed down the live path;
 * 'no-event-row', there is none (the table is not tracked, or its row was traced to no
 * organization).
 */
export const UNCONFIRMED_CAUSES = [
  'write-failed',
  'no-live-channel',
  'events-unreadable',
  'not-delivered',
  'no-event-row',
] as const
export type UnconfirmedCause = (typeof UNCONFIRMED_CAUSES)[number]

/** What a malformed value was. */
export const MALFORMED_INPUTS = [
  'change',
  'broadcast',
  'subscribe-status',
  'system-message',
] as const
export type MalformedInput = (typeof MALFORMED_INPUTS)[number]

/**
 * What was wrong with it: a part ('field') held a value it cannot (of type 'found'), the row
 * belongs to another organization than its channel's, or the engine threw on it (error).
 */
export const MALFORMED_PROBLEMS = ['invalid-value', 'wrong-organization', 'engine-error'] as const
export type MalformedProblem = (typeof MALFORMED_PROBLEMS)[number]

/** The type of an untrusted value, never its contents. */
export const VALUE_TYPES = [
  'undefined',
  'null',
  'boolean',
  'number',
  'string',
  'array',
  'object',
  'bigint',
  'symbol',
  'function',
] as const
export type ValueType = (typeof VALUE_TYPES)[number]

/**
 * What happened to a channel besides its status. 'live': changes are delivered from here on
 * (waitedMs after SUBSCRIBED). 'live-unconfirmed': no "Subscribed to PostgreSQL" within waitedMs,
 * treated as live. 'replication-failed': the server could not subscribe to PostgreSQL (error).
 * 'topic-taken': the supabase client already has a channel on the topic that the engine did not
 * create, looking again in delayMs. 'unknown-status': supabase-js reported a status the engine
 * does not know (error: it). 'subscribe-failed': supabase-js refused the channel (error).
 * 'closed-by-server': rejoining in delayMs with a fresh token. 'auth-failed':
 * supabase.realtime.setAuth() failed (error), retrying in delayMs.
 */
export const CHANNEL_NOTES = [
  'live',
  'live-unconfirmed',
  'replication-failed',
  'topic-taken',
  'unknown-status',
  'subscribe-failed',
  'closed-by-server',
  'auth-failed',
] as const
export type ChannelNote = (typeof CHANNEL_NOTES)[number]

/** The facts of a channel's last note: the fields of its channel event. */
export interface ChannelNoteFacts {
  note?: ChannelNote
  /** The error's own message (supabase-js's, the server's). */
  error?: string
  delayMs?: number
  waitedMs?: number
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
  /** This tab's writes that no change event confirmed within writeConfirmMs. */
  unconfirmed: number
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
  /** How long a write this tab marked waits for its change event (0: not followed). */
  writeConfirmMs: number
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

/**
 * Whether the engine records what a refetch changed (`changes` on `refetched`): 'devtools'
 * (default) only while a DevTools panel is connected, true always, false never.
 */
export type DiffsMode = 'devtools' | boolean

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
  /** What last happened to it besides its status (a failure, or the live point). */
  lastNote?: ChannelNoteFacts
  /** How its changes arrive: postgres_changes (the default) or the private broadcast topic. */
  transport?: Transport
}
