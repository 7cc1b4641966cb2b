import type { Attributes, Counter, Histogram, Meter, ValueType } from '@opentelemetry/api'
import type { RealtimeSync } from '../realtime-sync'
import type { SyncEvent } from '../types'
import {
  DURATION_BUCKETS_S,
  OTEL_INSTRUMENTS,
  type OtelAttribute,
  type OtelInstrumentName,
} from './instruments'

export interface InstrumentRealtimeSyncOptions {
  /** Where the instruments are created: `metrics.getMeter('realtime-sync-devtools')`. */
  meter: Meter
  /**
   * Put the organization's id on what belongs to one organization
   * (`realtime_sync.organization.id`). Off by default: every organization is then a series of
   * its own, which a backend bills for; turn it on when the organizations are few.
   */
  organizationAttribute?: boolean
}

/** The engine as the instruments read it: its log's events, and how they arrive. */
export type InstrumentedEngine = Pick<RealtimeSync, 'subscribeEvents' | 'transport'>

/** ValueType.INT, without importing @opentelemetry/api at run time (only its types are used). */
const INT = 0 as ValueType.INT

/**
 * A processed change whose pass has not come, kept for its batch wait: at most this many (a
 * pass that never comes, as after stop(), must not grow the map).
 */
const MAX_WAITING = 50_000

/**
 * Records the engine's counters and durations on an OpenTelemetry meter (the instruments:
 * OTEL_INSTRUMENTS), from the engine's event stream: a subscriber of sync.subscribeEvents, so an
 * engine with no meter attached pays nothing for it. Returns the function that stops recording.
 */
export function instrumentRealtimeSync(
  sync: InstrumentedEngine,
  options: InstrumentRealtimeSyncOptions,
): () => void {
  const { meter } = options
  const withOrganization = options.organizationAttribute === true
  const counter = (name: OtelInstrumentName): Counter => {
    const { unit, description } = OTEL_INSTRUMENTS[name]
    return meter.createCounter(name, { unit, description, valueType: INT })
  }
  const histogram = (name: OtelInstrumentName): Histogram => {
    const { unit, description } = OTEL_INSTRUMENTS[name]
    return meter.createHistogram(name, {
      unit,
      description,
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_S] },
    })
  }
  const received = counter('realtime_sync.event.received')
  const processed = counter('realtime_sync.event.processed')
  const deduped = counter('realtime_sync.event.deduped')
  const echo = counter('realtime_sync.event.echo')
  const malformed = counter('realtime_sync.event.malformed')
  const replayed = counter('realtime_sync.event.replayed')
  const passes = counter('realtime_sync.invalidation.passes')
  const invalidatedQueries = counter('realtime_sync.invalidation.queries')
  const refetches = counter('realtime_sync.refetches')
  const refetchErrors = counter('realtime_sync.refetch.errors')
  const unchangedRefetches = counter('realtime_sync.refetch.unchanged')
  const unconfirmed = counter('realtime_sync.write.unconfirmed')
  const resyncs = counter('realtime_sync.resyncs')
  const fullRefetches = counter('realtime_sync.resync.full_refetches')
  const delivery = histogram('realtime_sync.delivery.duration')
  const batchWait = histogram('realtime_sync.batch.wait_time')
  const refetchDuration = histogram('realtime_sync.refetch.duration')

  const transport = sync.transport
  const base: Attributes = { 'realtime_sync.transport': transport }
  /** One attributes object per table and organization, made once: a change allocates none. */
  const changeAttributes = new Map<string, Attributes>()
  const attributesOf = (table: string | undefined, orgId: string | undefined): Attributes => {
    const org = withOrganization ? orgId : undefined
    if (table === undefined && org === undefined) return base
    const key = `${table ?? ''}\u0001${org ?? ''}`
    let attributes = changeAttributes.get(key)
    if (attributes === undefined) {
      attributes = attrs({ 'realtime_sync.table': table, 'realtime_sync.organization.id': org })
      changeAttributes.set(key, attributes)
    }
    return attributes
  }
  const attrs = (extra: Partial<Record<OtelAttribute, string | boolean | undefined>>) => {
    const out: Attributes = { 'realtime_sync.transport': transport }
    for (const [name, value] of Object.entries(extra)) if (value !== undefined) out[name] = value
    return out
  }
  /** Processed changes waiting for their pass: seq → when they arrived, and their attributes. */
  const waiting = new Map<number, { at: number; attributes: Attributes }>()

  const record = (event: SyncEvent): void => {
    switch (event.kind) {
      case 'received':
      case 'deduped':
      case 'echo': {
        const attributes = attributesOf(event.table, event.orgId)
        received.add(1, attributes)
        if (event.kind === 'received') {
          processed.add(1, attributes)
          if (waiting.size >= MAX_WAITING) waiting.delete(waiting.keys().next().value!)
          waiting.set(event.seq, { at: event.at, attributes })
        } else (event.kind === 'deduped' ? deduped : echo).add(1, attributes)
        if (event.replayed) replayed.add(1, attributes)
        // The log filled latencyMs before handing the event over (the database's clock).
        else if (event.latencyMs !== undefined) delivery.record(event.latencyMs / 1000, attributes)
        return
      }
      case 'malformed': {
        const org = withOrganization ? event.orgId : undefined
        received.add(1, attributesOf(undefined, event.orgId))
        malformed.add(
          1,
          attrs({
            'realtime_sync.organization.id': org,
            'realtime_sync.malformed.input': event.input,
            'realtime_sync.malformed.problem': event.problem,
          }),
        )
        if (event.replayed) replayed.add(1, attributesOf(undefined, event.orgId))
        return
      }
      case 'invalidated': {
        const attributes = attrs({
          'realtime_sync.table': event.table,
          'realtime_sync.invalidation.trigger': event.trigger,
        })
        passes.add(1, attributes)
        invalidatedQueries.add(event.matchedKeys.length, attributes)
        for (const cause of event.causes) {
          const change = waiting.get(cause)
          if (change === undefined) continue // a resync, or logged before the meter came
          waiting.delete(cause)
          batchWait.record((event.at - change.at) / 1000, change.attributes)
        }
        return
      }
      case 'refetched': {
        if (event.outcome === 'cancelled') return // the later pass's refetch reports the result
        const attributes = attrs({
          'realtime_sync.table': event.table,
          'realtime_sync.refetch.outcome': event.outcome,
        })
        refetches.add(1, attributes)
        refetchDuration.record(event.durationMs / 1000, attributes)
        if (event.outcome === 'error') refetchErrors.add(1, attributesOf(event.table, undefined))
        else if (event.dataChanged === false) {
          unchangedRefetches.add(1, attributesOf(event.table, undefined))
        }
        return
      }
      case 'unconfirmed':
        unconfirmed.add(
          1,
          attrs({
            'realtime_sync.table': event.table,
            'realtime_sync.organization.id': withOrganization ? event.orgId : undefined,
            'realtime_sync.unconfirmed.cause': event.cause,
          }),
        )
        return
      case 'resync': {
        const attributes = attrs({
          'realtime_sync.organization.id': withOrganization ? event.orgId : undefined,
          'realtime_sync.resync.first': event.first === true,
        })
        resyncs.add(1, attributes)
        if (event.replayed !== true) {
          fullRefetches.add(1, {
            ...attributes,
            ...attrs({ 'realtime_sync.resync.fallback': event.fallback }),
          })
        }
        return
      }
      case 'channel':
      case 'write':
        return
      default:
        // A new kind must say here what it records, if anything.
        event satisfies never
    }
  }

  // Called from inside the engine's append (the app's mutation, supabase-js's callback): a meter
  // that throws costs its data point, never the app's code.
  const unsubscribe = sync.subscribeEvents((event) => {
    try {
      record(event)
    } catch (error) {
      console.error(
        '[realtime-sync-devtools] the OpenTelemetry meter threw; data point lost',
        error,
      )
    }
  })
  return () => {
    unsubscribe()
    waiting.clear()
  }
}
