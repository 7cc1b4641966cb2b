/**
 * One flush: 500 changes on distinct records, 10,000 cached queries over 50 tables
 * (4 lists + 196 records each; 300 of the 500 records have a record query; 10% observed).
 * Compared in the same run with the floor (invalidate() on the pre-collected matches + refetch
 * of the active ones) and with the naive way (one invalidateQueries({ predicate }) per change).
 */
import { notifyManager, type Query, QueryClient, QueryObserver } from '@tanstack/query-core'
import { invalidateQueries } from '../src/invalidate-queries'
import { classifyQueryKey } from '../src/query-keys'
import { SyncPipeline } from '../src/sync-pipeline'
import { benchScheduler } from './bench-scheduler'
import { interleave, median, report, seededRandom, time, type Verdict } from './measure'
import { sized } from './smoke'

// Smoke: a tenth of the cache, or the naive and table-wide contenders alone take seconds.
const TABLES = sized(50, 5)
const LISTS_PER_TABLE = 4
const RECORDS_PER_TABLE = 196
const CHANGES = 500
const CHANGES_WITH_RECORD_QUERY = 300
const OBSERVED_SHARE = 0.1

interface Change {
  table: string
  recordId: string
}

function changes(): Change[] {
  const out: Change[] = []
  for (let i = 0; i < CHANGES; i++) {
    const table = `t${i % TABLES}`
    const n = Math.floor(i / TABLES)
    // The first 300 hit cached record queries; the other 200 are records nobody has open.
    out.push({ table, recordId: i < CHANGES_WITH_RECORD_QUERY ? `r${n}` : `new${i}` })
  }
  return out
}

/** A fresh cache per measurement, so every method starts from the same state. */
function buildWorld() {
  const queryClient = new QueryClient({
    defaultOptions: { queries: { gcTime: Number.POSITIVE_INFINITY, retry: false } },
  })
  const random = seededRandom(7)
  let fetches = 0
  const queryFn = () => {
    fetches++
    return Promise.resolve('fresh')
  }
  for (let t = 0; t < TABLES; t++) {
    const keys: unknown[][] = []
    for (let l = 0; l < LISTS_PER_TABLE; l++) keys.push([`t${t}`, 'list', { page: l }])
    for (let r = 0; r < RECORDS_PER_TABLE; r++) keys.push([`t${t}`, 'record', `r${r}`])
    for (const queryKey of keys) {
      queryClient.setQueryData(queryKey, 'initial')
      if (random() < OBSERVED_SHARE) {
        new QueryObserver(queryClient, {
          queryKey,
          queryFn,
          staleTime: Number.POSITIVE_INFINITY,
        }).subscribe(() => {})
      }
    }
  }
  return {
    queryClient,
    fetches: () => fetches,
    stale: () =>
      queryClient.getQueryCache().findAll({ predicate: (q) => q.state.isInvalidated }).length,
  }
}

function matchesChange(query: Query, change: Change): boolean {
  const target = classifyQueryKey(query.queryKey)
  if (target?.table !== change.table) return false
  return target.recordId === undefined || target.recordId === change.recordId
}

type Outcome = { ms: number; stale: number; fetches: number }

function floor(): Outcome {
  const world = buildWorld()
  const all = world.queryClient.getQueryCache().getAll()
  const matched = all.filter((q) => changes().some((c) => matchesChange(q, c)))
  const ms = time(() => invalidateQueries(matched))
  return { ms, stale: world.stale(), fetches: world.fetches() }
}

function engine(every = changes(), trackRefetches = true): Outcome {
  const world = buildWorld()
  const clock = benchScheduler()
  const pipeline = new SyncPipeline({
    queryClient: world.queryClient,
    scheduler: clock.scheduler,
    userId: 'user-alice',
    config: {
      dedupWindowMs: 2_000,
      echoWindowMs: 3_000,
      batchMs: 200,
      bufferSize: 10_000,
      writeConfirmMs: 5_000,
      dedupBy: 'event',
      batchMode: 'trailing',
    },
    globalTables: new Set(),
    isOrganizationQuery: () => true,
    trackRefetches,
  })
  let id = 1
  for (const change of every) {
    pipeline.ingest({
      orgId: 'org_acme',
      table: change.table,
      op: 'UPDATE',
      recordId: change.recordId,
      eventId: id++,
      actorId: 'user-bob',
      commitTimestamp: undefined,
      row: {},
    })
  }
  const ms = time(() => pipeline.flush())
  const outcome = { ms, stale: world.stale(), fetches: world.fetches() }
  pipeline.stop()
  return outcome
}

/** A change to every record of every table: the flush matches all 10,000 queries, 1,000 active. */
function everyRecord(): Change[] {
  const out: Change[] = []
  for (let t = 0; t < TABLES; t++) {
    for (let r = 0; r < RECORDS_PER_TABLE; r++) out.push({ table: `t${t}`, recordId: `r${r}` })
  }
  return out
}

function naive(): Outcome {
  const world = buildWorld()
  const ms = time(() => {
    for (const change of changes()) {
      void world.queryClient.invalidateQueries({ predicate: (q) => matchesChange(q, change) })
    }
  })
  return { ms, stale: world.stale(), fetches: world.fetches() }
}

function tableWide(): Outcome {
  const world = buildWorld()
  const ms = time(() => {
    notifyManager.batch(() => {
      for (const change of changes())
        void world.queryClient.invalidateQueries({ queryKey: [change.table] })
    })
  })
  return { ms, stale: world.stale(), fetches: world.fetches() }
}

export function runFlushBench() {
  const outcomes: Record<string, Outcome[]> = { floor: [], engine: [], naive: [] }
  engine() // warm-up
  floor()
  const medians = interleave(sized(9, 1), {
    floor: () => {
      const o = floor()
      outcomes.floor!.push(o)
      return o.ms
    },
    engine: () => {
      const o = engine()
      outcomes.engine!.push(o)
      return o.ms
    },
  })
  const naiveRuns = sized([naive(), naive(), naive()], [naive()])
  const naiveMs = median(naiveRuns.map((o) => o.ms))
  const wide = tableWide()
  const ours = outcomes.engine![0]!
  const base = outcomes.floor![0]!
  const vsFloor = medians.engine / medians.floor
  const vsNaive = naiveMs / medians.engine
  const verdicts: Verdict[] = [
    {
      id: 'flush-vs-floor',
      name: 'flush vs floor',
      figure: `engine ${medians.engine.toFixed(2)} ms vs floor ${medians.floor.toFixed(2)} ms = ${vsFloor.toFixed(2)}×`,
      value: vsFloor,
      target: '≤ 2× floor',
      ok: vsFloor <= 2,
    },
    {
      id: 'flush-vs-naive',
      name: 'flush vs naive per-change invalidateQueries({ predicate })',
      figure: `naive ${naiveMs.toFixed(0)} ms = ${vsNaive.toFixed(0)}× slower`,
      value: vsNaive,
      target: '≥ 300×',
      ok: vsNaive >= 300,
    },
    {
      id: 'flush-stale-and-refetched',
      name: 'queries marked stale / queryFn calls',
      figure: `engine ${ours.stale}/${ours.fetches}, floor ${base.stale}/${base.fetches}, naive ${naiveRuns[0]!.stale}/${naiveRuns[0]!.fetches}, table-wide ${wide.stale}/${wide.fetches} (${wide.ms.toFixed(0)} ms)`,
      value: ours.stale,
      target: 'engine = floor: only the affected queries, each active one refetched once',
      ok: ours.stale === base.stale && ours.fetches === base.fetches,
    },
  ]
  report('Flush: 500 changes, 10,000 cached queries over 50 tables, 10% observed', verdicts)

  // The price of recording what each refetch led to ('refetched' events, the Queries tab).
  const all = everyRecord()
  const runs: Record<string, Outcome[]> = { tracked: [], untracked: [] }
  engine(all, true) // warm-up
  engine(all, false)
  const tracking = interleave(sized(15, 1), {
    tracked: () => {
      const o = engine(all, true)
      runs.tracked!.push(o)
      return o.ms
    },
    untracked: () => {
      const o = engine(all, false)
      runs.untracked!.push(o)
      return o.ms
    },
  })
  const cost = tracking.tracked / tracking.untracked - 1
  const trackingVerdicts: Verdict[] = [
    {
      id: 'flush-refetch-tracking',
      name: 'flush with refetch outcome tracking vs without',
      figure: `${tracking.tracked.toFixed(2)} vs ${tracking.untracked.toFixed(2)} ms = ${cost >= 0 ? '+' : ''}${(cost * 100).toFixed(1)}% (${runs.tracked![0]!.stale} queries matched, ${runs.tracked![0]!.fetches} active refetched)`,
      value: cost,
      target: '≤ 5% slower',
      ok: cost <= 0.05,
    },
  ]
  report('Flush: 9,800 changes matching all 10,000 queries, 1,000 active', trackingVerdicts)
  return [...verdicts, ...trackingVerdicts]
}
