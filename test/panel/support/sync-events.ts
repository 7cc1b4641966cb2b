import type { EngineState } from '../../../bridge/protocol'
import type { MinuteMetrics, SyncEvent } from '../../../src/types'

/** 12:00:00.000 local time on 2026-11-23: rendered times are predictable in any time zone. */
export const T0 = new Date(2026, 10, 23, 12, 0, 0, 0).getTime()

export function received(seq: number, extra: Partial<SyncEvent> = {}): SyncEvent {
  return {
    seq,
    at: T0 + seq,
    kind: 'received',
    orgId: 'org_acme',
    table: 'deals',
    op: 'UPDATE',
    recordId: 'd1',
    eventId: String(1000 + seq),
    actorId: 'user-bob',
    commitTimestamp: new Date(T0 + seq - 12).toISOString(),
    latencyMs: 12,
    payload: {
      id: 1000 + seq,
      organization_id: 'org_acme',
      table_name: 'deals',
      event_type: 'UPDATE',
      record_id: 'd1',
      actor_id: 'user-bob',
    },
    ...extra,
  }
}

/** A refetch of `queryKey` that pass `batchId` started, settled. */
export function refetched(
  seq: number,
  queryKey: unknown[],
  extra: Partial<SyncEvent> = {},
): SyncEvent {
  return {
    seq,
    at: T0 + seq,
    kind: 'refetched',
    table: typeof queryKey[0] === 'string' ? queryKey[0] : undefined,
    batchId: 1,
    queryKey,
    durationMs: 38,
    outcome: 'success',
    dataChanged: true,
    observers: 2,
    ...extra,
  }
}

export function invalidated(
  seq: number,
  causes: number[],
  matchedKeys: unknown[][],
  extra: Partial<SyncEvent> = {},
): SyncEvent {
  return {
    seq,
    at: T0 + seq,
    kind: 'invalidated',
    batchId: 1,
    causes,
    matchedKeys,
    reason: `batch #1: ${causes.length} changes coalesced → ${matchedKeys.length} queries marked stale, 1 active refetched`,
    ...extra,
  }
}

export function events(from: number, to: number, extra: Partial<SyncEvent> = {}): SyncEvent[] {
  const out: SyncEvent[] = []
  for (let seq = from; seq <= to; seq++) out.push(received(seq, extra))
  return out
}

export function minute(minuteMs: number, counts: Partial<MinuteMetrics> = {}): MinuteMetrics {
  return {
    minute: minuteMs,
    received: 0,
    processed: 0,
    deduped: 0,
    echo: 0,
    malformed: 0,
    invalidations: 0,
    keysInvalidated: 0,
    refetches: 0,
    refetchErrors: 0,
    unchangedRefetches: 0,
    ...counts,
  }
}

export function engineState(state: Partial<EngineState> = {}): EngineState {
  return {
    config: {
      dedupWindowMs: 2000,
      echoWindowMs: 3000,
      batchMs: 200,
      bufferSize: 10_000,
      dedupBy: 'event',
      batchMode: 'leading',
    },
    channels: [],
    metrics: [],
    dropped: 0,
    lastSeq: 0,
    ...state,
  }
}
