/**
 * Engines of 0.2.0, and export files of versions 1 to 3, hold events in the old form: one bag of
 * optional fields, a sentence in `reason` for every decision, and the keys a change matched on
 * the change itself (set at flush). The bridge (for such an engine on the page) and the import
 * upgrade them to the typed union (src/event-fields.ts), so every view reads one shape: facts an old event does not have are filled the way the
 * old panel worked them out (a change's keys by the key rule, a duplicate's age from the event it
 * points at), and its sentence stays in `reason`, which the views show as the engine wrote it.
 */
import * as v from 'valibot'
import { classifyQueryKey, DEFAULT_RECORD_SCOPES } from '../../src/query-keys'
import {
  CHANGE_OPERATIONS,
  CHANNEL_STATUSES,
  REFETCH_OUTCOMES,
  SYNC_EVENT_KINDS,
  type SyncEvent,
} from '../../src/types'
import { LIMITS, RULE_SCHEMAS } from './field-rules'

const { text: shortText, longText, count, seq, key } = RULE_SCHEMAS

/** SyncEvent as export versions 1–3 wrote it. */
export const LegacySyncEventSchema = v.object({
  seq,
  at: v.number(),
  kind: v.picklist(SYNC_EVENT_KINDS),
  orgId: v.optional(shortText),
  table: v.optional(shortText),
  op: v.optional(v.picklist(CHANGE_OPERATIONS)),
  recordId: v.optional(shortText),
  eventId: v.optional(shortText),
  actorId: v.optional(v.nullable(shortText)),
  commitTimestamp: v.optional(v.pipe(v.string(), v.maxLength(100))),
  latencyMs: v.optional(v.number()),
  reason: v.optional(longText),
  relatedSeq: v.optional(seq),
  batchId: v.optional(count),
  causes: v.optional(v.pipe(v.array(seq), v.maxLength(LIMITS.causes))),
  leading: v.optional(v.boolean()),
  matchedKeys: v.optional(v.pipe(v.array(key), v.maxLength(LIMITS.keys))),
  markedStale: v.optional(count),
  queryKey: v.optional(key),
  durationMs: v.optional(v.pipe(v.number(), v.minValue(0))),
  outcome: v.optional(v.picklist(REFETCH_OUTCOMES)),
  error: v.optional(longText),
  dataChanged: v.optional(v.boolean()),
  observers: v.optional(count),
  replayed: v.optional(v.boolean()),
  channel: v.optional(v.object({ topic: shortText, status: v.picklist(CHANNEL_STATUSES) })),
  payload: v.optional(v.unknown()),
})

export type LegacySyncEvent = v.InferOutput<typeof LegacySyncEventSchema>

export interface UpgradedEvents {
  events: SyncEvent[]
  /** Old events without the facts their kind always has (a received event without a table). */
  unusable: number
}

/**
 * The old events as the typed union, in their order. `dedupWindowMs` and `recordScopes`: the
 * engine's config in the file, when it has one.
 */
export function upgradeLegacyEvents(
  events: readonly LegacySyncEvent[],
  config: LegacyConfig | undefined,
): UpgradedEvents {
  const upgrader = createLegacyUpgrader(config, events.length)
  const out: SyncEvent[] = []
  let unusable = 0
  for (const old of events) {
    const event = upgrader.upgrade(old)
    if (event === undefined) unusable++
    else out.push(event)
  }
  return { events: out, unusable }
}

/**
 * An old event in the new form, for a stream that must not skip a seq: its upgrade, or a
 * malformed event saying the old engine's event could not be read.
 */
export function upgradeOrMark(
  upgrader: ReturnType<typeof createLegacyUpgrader>,
  old: LegacySyncEvent,
): SyncEvent {
  return (
    upgrader.upgrade(old) ?? {
      seq: old.seq,
      at: old.at,
      kind: 'malformed',
      input: 'change',
      problem: 'engine-error',
      error: `an event (${String(old.kind).slice(0, 20)}) of an engine of 0.2.0 without the facts its kind needs`,
    }
  )
}

export interface LegacyConfig {
  dedupWindowMs?: number
  recordScopes?: readonly string[]
}

/**
 * Upgrades a stream of old events (the bridge reads an old engine's ring batch by batch): it
 * remembers the newest `memory` events, which later ones point at (a duplicate at its first
 * delivery, a pass at its causes). undefined: an event without what its kind always has.
 */
export function createLegacyUpgrader(config: LegacyConfig | undefined, memory = 20_000) {
  const bySeq = new Map<number, LegacySyncEvent>()
  return {
    upgrade(old: LegacySyncEvent): SyncEvent | undefined {
      bySeq.set(old.seq, old)
      if (bySeq.size > memory) {
        const oldest = bySeq.keys().next()
        if (oldest.done !== true) bySeq.delete(oldest.value)
      }
      return upgrade(
        old,
        bySeq,
        config?.recordScopes ?? DEFAULT_RECORD_SCOPES,
        config?.dedupWindowMs ?? 0,
      )
    },
  }
}

function upgrade(
  old: LegacySyncEvent,
  bySeq: ReadonlyMap<number, LegacySyncEvent>,
  scopes: readonly string[],
  dedupWindowMs: number,
): SyncEvent | undefined {
  const { seq, at, reason } = old
  const ageOf = (related: number) => {
    const first = bySeq.get(related)
    return first === undefined ? 0 : Math.max(0, at - first.at)
  }
  switch (old.kind) {
    case 'received':
    case 'deduped':
    case 'echo': {
      const { orgId, table, op, recordId } = old
      if (orgId === undefined || table === undefined || op === undefined) return undefined
      if (recordId === undefined) return undefined
      const change = {
        seq,
        at,
        orgId,
        table,
        op,
        recordId,
        eventId: old.eventId,
        actorId: old.actorId,
        commitTimestamp: old.commitTimestamp,
        latencyMs: old.latencyMs,
        replayed: old.replayed,
        // Always present on a change now: an old one without it is kept as null, so the
        // upgraded file exports and imports again.
        payload: old.payload ?? null,
        reason,
      }
      const related = old.relatedSeq
      if (old.kind === 'received') {
        return related === undefined
          ? { ...change, kind: 'received' }
          : {
              ...change,
              kind: 'received',
              relatedSeq: related,
              ageMs: ageOf(related),
              match: 'other-actor',
            }
      }
      if (related === undefined) return undefined
      if (old.kind === 'deduped') {
        return {
          ...change,
          kind: 'deduped',
          relatedSeq: related,
          ageMs: ageOf(related),
          match: old.eventId === undefined ? 'same-change' : 'event-id',
          windowMs: dedupWindowMs,
        }
      }
      return {
        ...change,
        kind: 'echo',
        relatedSeq: related,
        ageMs: ageOf(related),
        match: old.actorId === undefined ? 'no-actor-column' : 'same-actor',
      }
    }
    case 'invalidated': {
      if (old.batchId === undefined) return undefined
      const causes = old.causes ?? []
      const matchedKeys = old.matchedKeys ?? []
      return {
        seq,
        at,
        kind: 'invalidated',
        batchId: old.batchId,
        trigger: causes.length > 0 ? 'batch' : 'manual',
        table: old.table,
        causes,
        causeKeys: causes.map((cause) => keysOfCause(bySeq.get(cause), matchedKeys, scopes)),
        matchedKeys,
        markedStale: old.markedStale ?? 0,
        leading: old.leading,
        reason,
      }
    }
    case 'resync': {
      if (old.orgId === undefined) return undefined
      return {
        seq,
        at,
        kind: 'resync',
        orgId: old.orgId,
        channel: old.channel ?? { topic: `org:${old.orgId}`, status: 'SUBSCRIBED' },
        gapMs: 0,
        replayed: old.replayed,
        reason,
      }
    }
    case 'malformed':
      return {
        seq,
        at,
        kind: 'malformed',
        orgId: old.orgId,
        input: 'change',
        problem: 'invalid-value',
        payload: old.payload,
        reason,
      }
    case 'channel':
      if (old.orgId === undefined || old.channel === undefined) return undefined
      return { seq, at, kind: 'channel', orgId: old.orgId, channel: old.channel, reason }
    case 'write':
      if (old.table === undefined || old.recordId === undefined) return undefined
      return { seq, at, kind: 'write', table: old.table, recordId: old.recordId, reason }
    case 'refetched':
      if (old.batchId === undefined || old.queryKey === undefined || old.outcome === undefined)
        return undefined
      return {
        seq,
        at,
        kind: 'refetched',
        batchId: old.batchId,
        table: old.table,
        queryKey: old.queryKey,
        durationMs: old.durationMs ?? 0,
        outcome: old.outcome,
        error: old.error,
        dataChanged: old.dataChanged,
        observers: old.observers ?? 0,
        reason,
      }
  }
}

/**
 * The indexes of the pass's keys a cause matched: the keys the old engine set on it at flush,
 * else the key rule the old panel applied (a resync: every key; a change: its table's keys, and
 * record keys of its row only).
 */
function keysOfCause(
  cause: LegacySyncEvent | undefined,
  passKeys: readonly (readonly unknown[])[],
  scopes: readonly string[],
): number[] {
  const indexes: number[] = []
  if (cause?.matchedKeys !== undefined) {
    const own = new Set(cause.matchedKeys.map((k) => JSON.stringify(k)))
    passKeys.forEach((k, i) => {
      if (own.has(JSON.stringify(k))) indexes.push(i)
    })
    return indexes
  }
  passKeys.forEach((k, i) => {
    if (cause === undefined || cause.kind === 'resync' || cause.table === undefined) {
      indexes.push(i)
      return
    }
    const target = classifyQueryKey(k, scopes)
    if (target === undefined || target.table !== cause.table) return
    if (target.recordId !== undefined && target.recordId !== cause.recordId) return
    indexes.push(i)
  })
  return indexes
}
