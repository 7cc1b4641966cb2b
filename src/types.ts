/**
 * The records the engine writes and every other part (bridge, panel, export) reads.
 * This file is the code side of the contract in DESIGN.md: change one, change the other.
 */

export type ChangeOperation = 'INSERT' | 'UPDATE' | 'DELETE'

export type SyncEventKind =
  /** A change that passed dedup and echo: queued for the next invalidation batch. */
  | 'received'
  /** A change already seen within the dedup window: dropped. */
  | 'deduped'
  /** A change this tab made itself: dropped, the optimistic state already shows it. */
  | 'echo'
  /** One invalidation pass (a batch flush, a resync, or a manual invalidateGlobal). */
  | 'invalidated'
  /** A channel SUBSCRIBED again after a gap: every query of the organization is refetched. */
  | 'resync'
  /** A payload the engine could not use: counted, never thrown. */
  | 'malformed'
  /** A channel status change (SUBSCRIBED, CHANNEL_ERROR, TIMED_OUT, CLOSED, ...). */
  | 'channel'
  /** markLocalWrite(): this tab wrote a row; an echo of it points back here with relatedSeq. */
  | 'write'

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
  /** invalidated: query keys invalidated; received: keys this event matched (filled at flush). */
  matchedKeys?: unknown[][]
  channel?: { topic: string; status: string }
  /** The raw payload: the realtime_table_events row, or a size-capped preview when malformed. */
  payload?: unknown
}

/** The seeds' three signals (received, processed, invalidations) plus what the filters removed. */
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
}

export type MetricName = Exclude<keyof MinuteMetrics, 'minute'>

/** The options a running engine can change (from code or from the DevTools panel). */
export interface TunableConfig {
  dedupWindowMs: number
  echoWindowMs: number
  batchMs: number
  bufferSize: number
}

export type DedupBy = 'event' | 'row'

export interface EngineConfig extends TunableConfig {
  dedupBy: DedupBy
}

export interface ChannelState {
  orgId: string
  topic: string
  status: string
  /** How many times the channel reached SUBSCRIBED; every one after the first was a resync. */
  subscribedCount: number
  lastResyncAt?: number
  lastError?: string
}
