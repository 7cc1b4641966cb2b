import type { EngineState } from '../../../bridge/protocol'
import type {
  ChannelEvent,
  DedupedEvent,
  EchoEvent,
  InvalidatedEvent,
  MalformedEvent,
  MinuteMetrics,
  ReceivedEvent,
  RefetchedEvent,
  ResyncEvent,
  WriteEvent,
} from '../../../src/types'

/** 12:00:00.000 local time on 2026-11-23: rendered times are predictable in any time zone. */
export const T0 = new Date(2026, 10, 23, 12, 0, 0, 0).getTime()

/** A change that passed dedup and echo: UPDATE deals/d1 by user-bob in org_acme. */
export function received(seq: number, extra: Partial<ReceivedEvent> = {}): ReceivedEvent {
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

/** The facts of the change `received(seq)` besides seq, kind and payload. */
function changeOf(seq: number) {
  const { seq: _seq, at, kind: _kind, payload, reason: _reason, ...fields } = received(seq)
  return { at, fields, payload }
}

/** The change of `received(seq)` delivered again: a duplicate of `relatedSeq`. */
export function deduped(
  seq: number,
  relatedSeq: number,
  extra: Partial<DedupedEvent> = {},
): DedupedEvent {
  const { at, fields, payload } = changeOf(seq)
  return {
    seq,
    at,
    kind: 'deduped',
    ...fields,
    relatedSeq,
    ageMs: seq - relatedSeq,
    match: 'event-id',
    windowMs: 2000,
    payload,
    ...extra,
  }
}

/** The change of `received(seq)` come back from this tab's write `relatedSeq`. */
export function echo(seq: number, relatedSeq: number, extra: Partial<EchoEvent> = {}): EchoEvent {
  const { at, fields, payload } = changeOf(seq)
  return {
    seq,
    at,
    kind: 'echo',
    ...fields,
    relatedSeq,
    ageMs: seq - relatedSeq,
    match: 'same-actor',
    payload,
    ...extra,
  }
}

/** markLocalWrite('deals', 'd1'). */
export function write(seq: number, extra: Partial<WriteEvent> = {}): WriteEvent {
  return { seq, at: T0 + seq, kind: 'write', table: 'deals', recordId: 'd1', ...extra }
}

/** A refetch of `queryKey` that pass `batchId` started, settled. */
export function refetched(
  seq: number,
  queryKey: unknown[],
  extra: Partial<RefetchedEvent> = {},
): RefetchedEvent {
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

/**
 * A batch pass (batch #1) that served `causes` and invalidated `matchedKeys`; unless `causeKeys`
 * is given, every cause matched every key.
 */
export function invalidated(
  seq: number,
  causes: number[],
  matchedKeys: unknown[][],
  extra: Partial<InvalidatedEvent> = {},
): InvalidatedEvent {
  return {
    seq,
    at: T0 + seq,
    kind: 'invalidated',
    batchId: 1,
    trigger: 'batch',
    causes,
    causeKeys: extra.causeKeys ?? causes.map(() => matchedKeys.map((_, i) => i)),
    matchedKeys,
    markedStale: 0,
    ...extra,
  }
}

/** org_acme's channel live again after a 3.2 s gap: refetched every query (no replay). */
export function resync(seq: number, extra: Partial<ResyncEvent> = {}): ResyncEvent {
  return {
    seq,
    at: T0 + seq,
    kind: 'resync',
    orgId: 'org_acme',
    channel: { topic: 'org:org_acme', status: 'SUBSCRIBED' },
    gapMs: 3_200,
    ...extra,
  }
}

/** A status of org_acme's channel. */
export function channel(
  seq: number,
  status: ChannelEvent['channel']['status'],
  extra: Partial<ChannelEvent> = {},
): ChannelEvent {
  return {
    seq,
    at: T0 + seq,
    kind: 'channel',
    orgId: 'org_acme',
    channel: { topic: 'org:org_acme', status },
    ...extra,
  }
}

/** A change payload of org_acme whose table_name is missing. */
export function malformed(seq: number, extra: Partial<MalformedEvent> = {}): MalformedEvent {
  return {
    seq,
    at: T0 + seq,
    kind: 'malformed',
    orgId: 'org_acme',
    input: 'change',
    problem: 'invalid-value',
    field: 'table_name',
    found: 'undefined',
    payload: { id: 1 },
    ...extra,
  }
}

export function events(
  from: number,
  to: number,
  extra: Partial<ReceivedEvent> = {},
): ReceivedEvent[] {
  const out: ReceivedEvent[] = []
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
    unconfirmed: 0,
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
      writeConfirmMs: 5_000,
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
