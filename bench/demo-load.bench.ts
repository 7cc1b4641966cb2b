/**
 * The load scenario: 500 simulated users, each updating a deal of their own through REST for
 * 60 s, while a teammate's tab watches. Three copies of that tab run side by side in this
 * process, each with its own real supabase-js socket and QueryClient, on the same event stream:
 *
 *   granular      the engine: `.list()` keys on every change, `.record(id)` only on its id
 *   table-wide    the same 200 ms batches, but every query of a changed table is invalidated
 *   per event     table-wide with no batching (invalidateQueries({ queryKey: [table] }) per event)
 *
 * The tab: the demo's Deals page (deals list) and a Deal page (that deal's record, activities,
 * contacts) active, plus 27 recently visited deal records in the cache (inactive). A refetch is
 * a queryFn call; the queryFns answer from memory so that the baselines' refetch storms do not
 * slow the stack and skew the stream all three receive.
 */
import type { SupabaseClient } from '@supabase/supabase-js'
import { QueryClient, QueryObserver } from '@tanstack/query-core'
import { startLoad } from '../demo/load/load-runner'
import { prepareLoadWorld } from '../demo/load/load-world'
import { DEMO_DEALS, DEMO_USERS } from '../server/seed/demo-world'
import { type Stack, startStack } from '../server/stack'
import { createQueryKeys } from '../src/query-keys'
import { createRealtimeSync } from '../src/realtime-sync'
import type { BatchMode, MinuteMetrics } from '../src/types'
import { closeClient, createTestClient, subscribe } from '../test/server/stack-harness'
import { report, type Verdict } from './measure'

const QueryKeys = createQueryKeys(['deals', 'activities', 'deal_contacts', 'contacts'] as const)
const ORG = 'org_acme'
const BATCH_MS = 200
/** The deal on the tab's Deal page: a seeded one, which the load never changes. */
const OPEN_DEAL = DEMO_DEALS[0].id

export interface DemoLoadOptions {
  users?: number
  rate?: number
  durationMs?: number
}

interface Tab {
  queryClient: QueryClient
  refetches: { list: number; openRecord: number; otherRecords: number; other: number }
  stop(): Promise<void>
}

/** A teammate's tab: which queries are on screen and in the cache, with refetches counted. */
function openTab(visitedDealIds: readonly string[]): Omit<Tab, 'stop'> & { unmount(): void } {
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: 60_000 } } })
  const refetches = { list: 0, openRecord: 0, otherRecords: 0, other: 0 }
  const count = (bucket: keyof typeof refetches) => () => {
    refetches[bucket]++
    return Promise.resolve({ at: Date.now() })
  }
  const screen: { queryKey: readonly unknown[]; queryFn: () => Promise<unknown> }[] = [
    { queryKey: QueryKeys.deals.list({ organizationId: ORG }), queryFn: count('list') },
    { queryKey: QueryKeys.deals.record(OPEN_DEAL), queryFn: count('openRecord') },
    { queryKey: QueryKeys.activities.list({ dealId: OPEN_DEAL }), queryFn: count('other') },
    { queryKey: QueryKeys.deal_contacts.list({ dealId: OPEN_DEAL }), queryFn: count('other') },
    { queryKey: QueryKeys.contacts.list({ organizationId: ORG }), queryFn: count('other') },
  ]
  const observers = screen.map((options) =>
    new QueryObserver(queryClient, options).subscribe(() => {}),
  )
  for (const id of visitedDealIds) {
    queryClient.setQueryData(QueryKeys.deals.record(id), { id })
    queryClient.getQueryCache().find({ queryKey: QueryKeys.deals.record(id) })!.options.queryFn =
      count('otherRecords')
  }
  return { queryClient, refetches, unmount: () => observers.forEach((stop) => stop()) }
}

interface GranularTab extends Tab {
  metrics(): MinuteMetrics[]
  subscribed(): boolean
}

function granularTab(
  stack: Stack,
  token: string,
  visited: readonly string[],
  batchMode: BatchMode,
): GranularTab {
  const { unmount, ...tab } = openTab(visited)
  const supabase = createTestClient(stack, { token })
  const sync = createRealtimeSync({
    supabase,
    queryClient: tab.queryClient,
    organizationIds: [ORG],
    userId: DEMO_USERS.bob.id,
    batchMs: BATCH_MS,
    batchMode,
    devtools: false,
    name: `bench-granular-${batchMode}`,
  })
  return {
    ...tab,
    metrics: () => sync.getMetrics(),
    subscribed: () => sync.getChannels().every((c) => c.status === 'SUBSCRIBED'),
    async stop() {
      unmount()
      await sync.stop()
      await closeClient(supabase)
    },
  }
}

/** Table-wide invalidation on the raw stream, batched like the engine or per event. */
async function tableWideTab(
  stack: Stack,
  token: string,
  visited: readonly string[],
  batched: boolean,
): Promise<Tab> {
  const { unmount, ...tab } = openTab(visited)
  const supabase: SupabaseClient = createTestClient(stack, { token })
  await supabase.realtime.setAuth()
  const pending = new Set<string>()
  let timer: ReturnType<typeof setTimeout> | undefined
  const flush = () => {
    timer = undefined
    for (const table of pending) void tab.queryClient.invalidateQueries({ queryKey: [table] })
    pending.clear()
  }
  const channel = supabase.channel(`org:${ORG}`).on(
    'postgres_changes',
    {
      event: 'INSERT',
      schema: 'public',
      table: 'realtime_table_events',
      filter: `organization_id=eq.${ORG}`,
    },
    (payload) => {
      const table = String((payload.new as { table_name?: unknown }).table_name)
      if (!batched) return void tab.queryClient.invalidateQueries({ queryKey: [table] })
      pending.add(table)
      timer ??= setTimeout(flush, BATCH_MS)
    },
  )
  await subscribe(channel)
  return {
    ...tab,
    async stop() {
      if (timer !== undefined) clearTimeout(timer)
      unmount()
      await closeClient(supabase)
    },
  }
}

export async function runDemoLoadBench(options: DemoLoadOptions = {}): Promise<Verdict[]> {
  const users = options.users ?? 500
  const rate = options.rate ?? 200
  const durationMs = options.durationMs ?? 60_000
  const stack = await startStack({ port: 0 })
  try {
    const world = await prepareLoadWorld({
      url: stack.url,
      serviceRoleKey: stack.serviceRoleKey,
      users,
      organizationId: ORG,
    })
    const token = await stack.tokenFor(DEMO_USERS.bob.email)
    // Recently visited: 25 deals the load changes and the seeded ones it does not.
    const visited = [
      ...world.slice(0, 25).map((u) => u.dealId),
      ...DEMO_DEALS.filter((d) => d.organization_id === ORG && d.id !== OPEN_DEAL).map((d) => d.id),
    ]
    const granular = granularTab(stack, token, visited, 'leading')
    const trailing = granularTab(stack, token, visited, 'trailing')
    const tableWide = await tableWideTab(stack, token, visited, true)
    const perEvent = await tableWideTab(stack, token, visited, false)
    const deadline = Date.now() + 15_000
    while (!granular.subscribed() || !trailing.subscribed()) {
      if (Date.now() > deadline) throw new Error('the engine did not subscribe')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    // The first fetch of every query, and the prepare phase's events, are not the scenario's.
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const tabs = { granular, trailing, tableWide, perEvent }
    const before = Object.fromEntries(
      Object.entries(tabs).map(([name, tab]) => [name, { ...tab.refetches }]),
    )
    const metricsBefore = granular.metrics()

    console.log(
      `\n(running ${users} simulated users at ${rate} writes/s for ${durationMs / 1000} s)`,
    )
    const run = startLoad({
      url: stack.url,
      anonKey: stack.anonKey,
      users: world,
      rate,
      durationMs,
    })
    const load = await run.done
    // Let the last batches land: the writes are done; wait for the stream to drain.
    await new Promise((resolve) => setTimeout(resolve, 1_000))

    const delta = (name: keyof typeof tabs) => {
      const now = tabs[name].refetches
      const then = before[name]!
      return {
        list: now.list - then.list,
        openRecord: now.openRecord - then.openRecord,
        otherRecords: now.otherRecords - then.otherRecords,
        other: now.other - then.other,
      }
    }
    const total = (d: ReturnType<typeof delta>) => d.list + d.openRecord + d.otherRecords + d.other
    const g = delta('granular')
    const gt = delta('trailing')
    const t = delta('tableWide')
    const p = delta('perEvent')
    const describe = (d: ReturnType<typeof delta>) =>
      `${total(d)} (list ${d.list}, open deal ${d.openRecord}, other records ${d.otherRecords}, other tables ${d.other})`

    const minutes = sumMinutes(granular.metrics(), metricsBefore)
    // Over the time the writes really took: a loaded stack falls behind the schedule.
    const perMinute = (n: number) =>
      ((n * 60_000) / Math.max(durationMs, load.elapsedMs)).toFixed(0)
    await Promise.all(Object.values(tabs).map((tab) => tab.stop()))

    const ratio = total(t) / Math.max(1, total(g))
    const verdicts: Verdict[] = [
      {
        id: 'demo-load-writes',
        name: `writes by ${users} users, scheduled over ${durationMs / 1000} s`,
        figure: `${load.ok} ok, ${load.failed} failed, done in ${(load.elapsedMs / 1000).toFixed(1)} s = ${((load.ok * 1000) / load.elapsedMs).toFixed(0)}/s (request p50 ${load.p50Ms.toFixed(0)} ms, p99 ${load.p99Ms.toFixed(0)} ms)`,
        value: load.ok,
        target: 'all ok',
        ok: load.failed === 0 && load.ok > 0,
      },
      {
        id: 'demo-load-refetches-leading',
        name: 'refetches, granular (the engine, batchMode leading: the default)',
        figure: describe(g),
        value: total(g),
        target: 'the open deal never refetched (nobody changed it)',
        ok: g.openRecord === 0 && g.otherRecords === 0,
      },
      {
        id: 'demo-load-refetches-trailing',
        name: 'refetches, granular, batchMode trailing (the same stream, the same run)',
        figure: describe(gt),
        value: total(gt),
        target: 'baseline for the leading edge',
        ok: gt.openRecord === 0 && gt.otherRecords === 0,
      },
      {
        id: 'demo-load-leading-vs-trailing',
        name: `leading / trailing refetches under the ${users}-user stream`,
        figure: `${((total(g) / Math.max(1, total(gt)) - 1) * 100).toFixed(1)}% (${total(g)} vs ${total(gt)})`,
        value: total(g) / Math.max(1, total(gt)) - 1,
        target: 'within +5%',
        ok: total(g) <= total(gt) * 1.05,
      },
      {
        id: 'demo-load-refetches-table-wide',
        name: 'refetches, table-wide (same batches)',
        figure: describe(t),
        value: total(t),
        target: 'baseline',
        ok: true,
      },
      {
        id: 'demo-load-refetches-per-event',
        name: 'refetches, table-wide per event (no batching)',
        figure: describe(p),
        value: total(p),
        target: 'baseline',
        ok: true,
      },
      {
        id: 'demo-load-table-wide-vs-granular',
        name: 'table-wide / granular refetches',
        figure: `${ratio.toFixed(2)}× (per event / granular ${(total(p) / Math.max(1, total(g))).toFixed(0)}×)`,
        value: ratio,
        target: '> 1× (fewer refetches)',
        ok: ratio > 1,
      },
      {
        id: 'demo-load-per-minute',
        name: 'per minute as the panel shows (granular tab)',
        figure: `received ${perMinute(minutes.received)}, processed ${perMinute(minutes.processed)}, invalidations ${perMinute(minutes.invalidations)} (passes), keys invalidated ${perMinute(minutes.keysInvalidated)}, deduped ${minutes.deduped}, echo ${minutes.echo}`,
        value: minutes.received,
        target: `received = writes (${load.ok})`,
        ok: minutes.received === load.ok,
      },
    ]
    report(
      `Demo load: ${users} users updating their own deals, ${rate}/s, one teammate's tab`,
      verdicts,
    )
    return verdicts
  } finally {
    await stack.close()
  }
}

/** The metrics counted during the run: the engine's minute buckets, less what came before. */
function sumMinutes(after: MinuteMetrics[], before: MinuteMetrics[]) {
  const sum = (list: MinuteMetrics[], name: keyof MinuteMetrics) =>
    list.reduce((n, m) => n + (typeof m[name] === 'number' ? (m[name] as number) : 0), 0)
  const names = [
    'received',
    'processed',
    'invalidations',
    'keysInvalidated',
    'deduped',
    'echo',
  ] as const
  return Object.fromEntries(
    names.map((name) => [name, sum(after, name) - sum(before, name)]),
  ) as Record<(typeof names)[number], number>
}
