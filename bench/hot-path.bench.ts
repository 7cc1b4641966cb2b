/**
 * Per received event: dedup + echo + log + enqueue (SyncPipeline.ingest), against a floor of the
 * bare Map/Set operations the same decisions need, with the same key types, run beside it.
 */
import { QueryClient } from '@tanstack/query-core'
import { SyncPipeline } from '../src/sync-pipeline'
import type { TableChange } from '../src/table-change'
import { benchScheduler } from './bench-scheduler'
import { interleave, report, time, type Verdict } from './measure'
import { sized } from './smoke'

const EVENTS = sized(200_000, 2_000)
const ROUNDS = sized(7, 1)
const WINDOW_MS = 2_000

function makeChanges(distinctRecords: number, firstId: number): TableChange[] {
  const changes: TableChange[] = []
  for (let i = 0; i < EVENTS; i++) {
    changes.push({
      orgId: 'org_acme',
      table: 'deals',
      op: 'UPDATE',
      recordId: `r${i % distinctRecords}`,
      eventId: firstId + i,
      actorId: 'user-bob',
      commitTimestamp: '2026-11-23T12:00:00.000Z',
      row: {},
    })
  }
  return changes
}

/** The floor: identity Map (number keys) + a local-writes Map (string keys), nothing else. */
function floorRun(changes: TableChange[], stepMs: number): number {
  const seen = new Map<number | string, number>()
  const writes = new Map<string, number>()
  for (let i = 0; i < 1_000; i++) writes.set(`deals\u0001w${i}`, 0)
  let now = 0
  let kept = 0
  return time(() => {
    for (const change of changes) {
      now += stepMs
      const id = change.eventId as number
      const at = seen.get(id)
      if (at !== undefined && now - at < WINDOW_MS) continue
      seen.set(id, now)
      const w = writes.get(`${change.table}\u0001${change.recordId}`)
      if (w !== undefined && now - w < 3_000) continue
      kept++
    }
    if (kept < 0) console.log(kept)
  })
}

/**
 * The floor of research/perf-anchors.md: the original row-keyed dedup Map and echo Set
 * (template-literal keys), as most apps write it.
 */
function rowKeyedFloorRun(changes: TableChange[], stepMs: number): number {
  const seen = new Map<string, number>()
  const writes = new Set<string>()
  for (let i = 0; i < 1_000; i++) writes.add(`deals\u0001w${i}`)
  let now = 0
  let kept = 0
  return time(() => {
    for (const change of changes) {
      now += stepMs
      const key = `${change.table}\u0001${change.recordId}`
      const at = seen.get(key)
      if (at !== undefined && now - at < WINDOW_MS) continue
      seen.set(key, now)
      if (writes.has(key)) continue
      kept++
    }
    if (kept < 0) console.log(kept)
  })
}

function engineRun(changes: TableChange[], stepMs: number): number {
  const clock = benchScheduler()
  const pipeline = new SyncPipeline({
    queryClient: new QueryClient(),
    scheduler: clock.scheduler,
    userId: 'user-alice',
    config: {
      dedupWindowMs: WINDOW_MS,
      echoWindowMs: 3_000,
      batchMs: 200,
      bufferSize: 10_000,
      writeConfirmMs: 5_000,
      dedupBy: 'event',
      batchMode: 'trailing',
    },
    globalTables: new Set(),
    isOrganizationQuery: () => true,
  })
  for (let i = 0; i < 1_000; i++) pipeline.markLocalWrite('deals', `w${i}`)
  let total = 0
  const chunk = 10_000
  for (let start = 0; start < changes.length; start += chunk) {
    const end = Math.min(start + chunk, changes.length)
    total += time(() => {
      for (let i = start; i < end; i++) {
        clock.advance(stepMs)
        pipeline.ingest(changes[i]!)
      }
    })
    pipeline.flush() // outside the timing: a flush is measured by flush.bench.ts
  }
  pipeline.stop()
  return total
}

export function runHotPathBench() {
  const verdicts: Verdict[] = []
  for (const [size, distinct] of [
    ['1k', 1_000],
    ['100k', 100_000],
  ] as const) {
    // Time advances so that about `distinct` events fall inside the dedup window.
    const stepMs = WINDOW_MS / distinct
    const changes = makeChanges(distinct, 1)
    floorRun(changes, stepMs)
    engineRun(changes, stepMs) // warm-up
    const result = interleave(ROUNDS, {
      floor: () => floorRun(changes, stepMs),
      rowFloor: () => rowKeyedFloorRun(changes, stepMs),
      engine: () => engineRun(changes, stepMs),
    })
    const ns = (ms: number) => (ms * 1e6) / EVENTS
    const ratio = result.engine / result.floor
    const rowRatio = result.engine / result.rowFloor
    verdicts.push({
      id: `hot-path-${size}`,
      name: `per received event, ${distinct.toLocaleString('en-US')} distinct in window`,
      figure:
        `engine ${ns(result.engine).toFixed(0)} ns vs same-keys floor ${ns(result.floor).toFixed(0)} ns = ${ratio.toFixed(2)}×` +
        ` (vs the anchors' row-keyed floor ${ns(result.rowFloor).toFixed(0)} ns = ${rowRatio.toFixed(2)}×)`,
      value: ratio,
      target: '≤ 2× the same-keys floor',
      ok: ratio <= 2,
    })
  }
  report('Engine hot path (dedup + echo + log + enqueue)', verdicts)
  return verdicts
}
