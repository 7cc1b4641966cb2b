import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { Attributes } from '@opentelemetry/api'
import {
  DataPointType,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics'
import { QueryObserver } from '@tanstack/query-core'
import { describe, expect, it } from 'vitest'
import {
  instrumentRealtimeSync,
  type InstrumentRealtimeSyncOptions,
  OTEL_INSTRUMENTS,
  type OtelInstrumentName,
} from '../../src/otel'
import { OTEL_ATTRIBUTES } from '../../src/otel/instruments'
import type { MetricName } from '../../src/types'
import { changePayload } from '../support/events'
import { type FakeEngine, fakeEngineFile, ORG } from '../support/fake-engine'
import { settle } from '../support/fake-supabase'

/**
 * realtime-sync-devtools/otel through the OpenTelemetry SDK: a MeterProvider whose reader is
 * collected by hand, an engine on FakeSupabase with fake time, and a real QueryClient.
 */
const setup = fakeEngineFile()

/** The SDK's reader, collected when the test asks (no export interval, no timers). */
class CollectingReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve()
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve()
  }
}

async function instrument(t: FakeEngine, options: Partial<InstrumentRealtimeSyncOptions> = {}) {
  const reader = new CollectingReader()
  const provider = new MeterProvider({ readers: [reader] })
  const stop = instrumentRealtimeSync(t.sync, {
    meter: provider.getMeter('realtime-sync-devtools'),
    ...options,
  })
  const collect = async () => {
    const { resourceMetrics, errors } = await reader.collect()
    expect(errors).toEqual([])
    return new Collected(resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics))
  }
  return { collect, stop, provider }
}

class Collected {
  constructor(readonly metrics: MetricData[]) {}

  metric(name: OtelInstrumentName): MetricData | undefined {
    return this.metrics.find((metric) => metric.descriptor.name === name)
  }

  /** A counter's total over every series. */
  total(name: OtelInstrumentName): number {
    const metric = this.metric(name)
    if (metric === undefined) return 0
    expect(metric.dataPointType).toBe(DataPointType.SUM)
    return (metric.dataPoints as { value: number }[]).reduce((sum, point) => sum + point.value, 0)
  }

  /** A histogram's count and sum over every series. */
  histogram(name: OtelInstrumentName): { count: number; sum: number } {
    const metric = this.metric(name)
    if (metric === undefined) return { count: 0, sum: 0 }
    expect(metric.dataPointType).toBe(DataPointType.HISTOGRAM)
    let count = 0
    let sum = 0
    for (const point of metric.dataPoints as { value: Histogram }[]) {
      count += point.value.count
      sum += point.value.sum ?? 0
    }
    return { count, sum }
  }

  /** Each series of the instrument: its attributes and its value. */
  series(name: OtelInstrumentName): { attributes: Attributes; value: unknown }[] {
    return (this.metric(name)?.dataPoints ?? []).map(({ attributes, value }) => ({
      attributes,
      value,
    }))
  }
}

/** A query on screen whose queryFn fails. */
function failingQuery(t: FakeEngine, queryKey: unknown[]) {
  t.world.queryClient.setQueryData(queryKey, 'initial')
  const observer = new QueryObserver(t.world.queryClient, {
    queryKey,
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
    queryFn: () => Promise.reject(new Error('the API is down')),
  })
  return observer.subscribe(() => {})
}

/** The engine's own per-minute counters, summed over the minutes, beside their instrument. */
const SAME_COUNTS: [MetricName, OtelInstrumentName][] = [
  ['received', 'realtime_sync.event.received'],
  ['processed', 'realtime_sync.event.processed'],
  ['deduped', 'realtime_sync.event.deduped'],
  ['echo', 'realtime_sync.event.echo'],
  ['malformed', 'realtime_sync.event.malformed'],
  ['invalidations', 'realtime_sync.invalidation.passes'],
  ['keysInvalidated', 'realtime_sync.invalidation.queries'],
  ['refetches', 'realtime_sync.refetches'],
  ['refetchErrors', 'realtime_sync.refetch.errors'],
  ['unchangedRefetches', 'realtime_sync.refetch.unchanged'],
  ['unconfirmed', 'realtime_sync.write.unconfirmed'],
]

/** A little of everything the engine decides, on a real QueryClient. */
async function aBusyMinute(t: FakeEngine) {
  const channel = () => t.supabase.channelFor(ORG)
  t.advance(1_000)
  const change = changePayload({ record_id: 'deal-1' }, t.iso(-30)) // committed 30 ms ago
  channel().deliver(change)
  channel().deliver(change) // delivered twice
  t.sync.markLocalWrite('deals', 'deal-2')
  channel().deliver(changePayload({ record_id: 'deal-2', actor_id: 'user-alice' }, t.iso(-20)))
  channel().deliver(changePayload({ table_name: 42 }, t.iso()))
  channel().deliver(changePayload({ table_name: 'contacts', record_id: 'c1' }, t.iso(-10)))
  t.advance(200)
  await settle()
  t.advance(1_000)
  // The same data again: an unchanged refetch of the list and the record.
  channel().deliver(changePayload({ record_id: 'deal-1' }, t.iso(-40)))
  t.advance(200)
  await settle()
  t.sync.markLocalWrite('deals', 'deal-3')
  t.sync.writeFailed('deals', 'deal-3')
  // A gap: one change missed, replayed when the channel is live again.
  t.supabase.dropSocket()
  t.advance(3_000)
  const missed = { id: 1_000, organization_id: ORG, record_id: 'deal-1' }
  t.supabase.commit(missed, { deliver: false, createdAt: t.iso() })
  t.advance(200)
  t.supabase.reconnect()
  await settle()
  t.advance(200)
  await settle()
  // Another gap, whose read fails: every query of the organization is refetched instead.
  t.supabase.dropSocket()
  t.advance(1_000)
  t.supabase.failReads = 10
  t.supabase.reconnect()
  await settle()
  t.advance(200)
  await settle()
}

describe('instrumentRealtimeSync', () => {
  it("records the engine's counts: each instrument's total is the engine's own per-minute metric", async () => {
    const t = setup({ devtools: false })
    t.world.active(['deals', 'list'])
    t.world.active(['deals', 'record', 'deal-1'])
    const stopFailing = failingQuery(t, ['contacts', 'list'])
    const { collect } = await instrument(t)
    await settle()
    await t.goLive()
    await aBusyMinute(t)
    stopFailing()

    const collected = await collect()
    const minutes = t.sync.getMetrics()
    for (const [metric, instrument] of SAME_COUNTS) {
      const own = minutes.reduce((sum, minute) => sum + minute[metric], 0)
      expect({ instrument, total: collected.total(instrument) }).toEqual({ instrument, total: own })
    }
    // Every kind of decision happened at least once.
    for (const [, instrument] of SAME_COUNTS) {
      expect({ instrument, total: collected.total(instrument) }).not.toEqual({
        instrument,
        total: 0,
      })
    }

    const events = t.sync.getEvents()
    const resyncs = events.filter((e) => e.kind === 'resync')
    expect(collected.total('realtime_sync.resyncs')).toBe(resyncs.length)
    expect(collected.series('realtime_sync.resyncs')).toEqual([
      {
        attributes: {
          'realtime_sync.transport': 'postgres_changes',
          'realtime_sync.resync.first': true,
        },
        value: 1,
      },
      {
        attributes: {
          'realtime_sync.transport': 'postgres_changes',
          'realtime_sync.resync.first': false,
        },
        value: 2,
      },
    ])
    expect(collected.series('realtime_sync.resync.full_refetches')).toEqual([
      {
        attributes: {
          'realtime_sync.transport': 'postgres_changes',
          'realtime_sync.resync.first': false,
          'realtime_sync.resync.fallback': 'read-failed',
        },
        value: 1,
      },
    ])
    const replayed = events.filter(
      (e) => 'replayed' in e && e.replayed === true && e.kind !== 'resync',
    )
    expect(collected.total('realtime_sync.event.replayed')).toBe(replayed.length)
    expect(replayed.length).toBe(1)

    // Commit → delivered: every live delivery, in seconds, as the log's latencyMs says.
    const live = events.filter(
      (e) => (e.kind === 'received' || e.kind === 'deduped' || e.kind === 'echo') && !e.replayed,
    )
    const delivery = collected.histogram('realtime_sync.delivery.duration')
    expect(delivery.count).toBe(live.length)
    const latencies = live.map((e) => ('latencyMs' in e ? e.latencyMs! : Number.NaN))
    expect(latencies).toEqual([30, 30, 20, 10, 40])
    expect(delivery.sum).toBeCloseTo(latencies.reduce((a, b) => a + b, 0) / 1000, 9)

    // Each processed change waited for its pass: at once on the leading edge, else batchMs.
    const wait = collected.histogram('realtime_sync.batch.wait_time')
    expect(wait.count).toBe(collected.total('realtime_sync.event.processed'))
    const refetchDuration = collected.histogram('realtime_sync.refetch.duration')
    expect(refetchDuration.count).toBe(collected.total('realtime_sync.refetches'))
    expect(collected.series('realtime_sync.refetch.errors')).toEqual([
      {
        attributes: {
          'realtime_sync.transport': 'postgres_changes',
          'realtime_sync.table': 'contacts',
        },
        value: minutes.reduce((sum, minute) => sum + minute.refetchErrors, 0),
      },
    ])
    expect(collected.series('realtime_sync.write.unconfirmed')).toEqual([
      {
        attributes: {
          'realtime_sync.transport': 'postgres_changes',
          'realtime_sync.table': 'deals',
          'realtime_sync.unconfirmed.cause': 'write-failed',
        },
        value: 1,
      },
    ])
  })

  it('names, units and attributes: as the table says, low-cardinality, never a record id', async () => {
    const t = setup({ devtools: false })
    t.world.active(['deals', 'list'])
    t.world.active(['deals', 'record', 'deal-1'])
    const stopFailing = failingQuery(t, ['contacts', 'list'])
    const { collect } = await instrument(t)
    await settle()
    await t.goLive()
    await aBusyMinute(t)
    stopFailing()

    const collected = await collect()
    expect(collected.metrics.map((m) => m.descriptor.name).sort()).toEqual(
      Object.keys(OTEL_INSTRUMENTS).sort(),
    )
    for (const metric of collected.metrics) {
      const name = metric.descriptor.name as OtelInstrumentName
      const spec = OTEL_INSTRUMENTS[name]
      expect(name).toMatch(/^realtime_sync(\.[a-z][a-z0-9_]*)+$/)
      expect(metric.descriptor).toMatchObject({ unit: spec.unit, description: spec.description })
      const allowed = new Set<string>(['realtime_sync.transport', ...spec.attributes])
      for (const { attributes } of collected.series(name)) {
        for (const key of Object.keys(attributes)) {
          expect({ name, key, allowed: allowed.has(key) }).toEqual({ name, key, allowed: true })
          expect(key in OTEL_ATTRIBUTES).toBe(true)
        }
        expect(attributes['realtime_sync.transport']).toBe('postgres_changes')
        expect(attributes).not.toHaveProperty(['realtime_sync.organization.id'])
        for (const value of Object.values(attributes)) {
          expect(['deal-1', 'deal-2', 'deal-3', 'c1', ORG, 'user-alice', 'user-bob']).not.toContain(
            value,
          )
        }
      }
    }
    // The histograms' buckets are in seconds (the SDK's default ones assume milliseconds).
    const delivery = collected.metric('realtime_sync.delivery.duration')!
    const point = delivery.dataPoints[0]!.value as Histogram
    expect(point.buckets.boundaries).toContain(0.005)
  })

  it('puts the organization on what belongs to one only when asked; a full refetch says why', async () => {
    const t = setup({ devtools: false, replay: false, transport: 'broadcast' })
    t.world.active(['deals', 'list'])
    const { collect } = await instrument(t, { organizationAttribute: true })
    await settle()
    await t.goLive()
    t.supabase.commit({ organization_id: ORG, record_id: 'deal-1' }, { createdAt: t.iso(-5) })
    t.advance(200)
    await settle()

    const collected = await collect()
    expect(collected.series('realtime_sync.event.received')).toEqual([
      {
        attributes: {
          'realtime_sync.transport': 'broadcast',
          'realtime_sync.table': 'deals',
          'realtime_sync.organization.id': ORG,
        },
        value: 1,
      },
    ])
    expect(collected.series('realtime_sync.resync.full_refetches')).toEqual([
      {
        attributes: {
          'realtime_sync.transport': 'broadcast',
          'realtime_sync.organization.id': ORG,
          'realtime_sync.resync.first': true,
          'realtime_sync.resync.fallback': 'replay-off',
        },
        value: 1,
      },
    ])
  })

  it('records nothing once stopped', async () => {
    const t = setup({ devtools: false })
    const { collect, stop } = await instrument(t)
    await settle()
    await t.goLive()
    t.supabase.commit({ organization_id: ORG, record_id: 'deal-1' }, { createdAt: t.iso() })
    stop()
    t.supabase.commit({ organization_id: ORG, record_id: 'deal-2' }, { createdAt: t.iso() })
    t.advance(200)
    expect((await collect()).total('realtime_sync.event.received')).toBe(1)
    expect(t.sync.getMetrics()[0]!.received).toBe(2)
  })
})

describe('the README', () => {
  const readme = readFileSync(path.join(import.meta.dirname, '../../README.md'), 'utf8')

  it('documents every instrument: its kind, unit and attributes', () => {
    for (const [name, spec] of Object.entries(OTEL_INSTRUMENTS)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\` `))
      expect({ name, row }).toEqual({ name, row: expect.any(String) })
      const cells = row!.split('|').map((cell) => cell.trim())
      expect({ name, kind: cells[2], unit: cells[3] }).toEqual({
        name,
        kind: spec.kind,
        unit: `\`${spec.unit}\``,
      })
      for (const attribute of spec.attributes)
        expect(cells[4]).toContain(attribute.slice('realtime_sync.'.length))
    }
  })

  it('documents every attribute', () => {
    for (const attribute of Object.keys(OTEL_ATTRIBUTES))
      expect(readme).toContain(`\`${attribute}\``)
  })
})
