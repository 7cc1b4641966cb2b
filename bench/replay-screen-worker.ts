/**
 * Screens for bench/replay.bench.ts, in a worker thread (the clients parse and refetch on the
 * other core, as browser tabs would, instead of competing with the stack they measure). A
 * screen is what a user's tab is: a real supabase-js client over a real socket, a QueryClient
 * with the deals list and some deal records on screen (queryFns read the stack's REST), and the
 * engine. Every REST request is counted, by what it read.
 *
 * Messages in:  open {id, url, anonKey, token, orgId, recordIds, replay} · outage {on}
 *               counts {reset} · converged {list, records} · close
 * Messages out: opened {id} · counts {...} · converged {count} · closed   (each with its request)
 */
import { parentPort } from 'node:worker_threads'
import { createClient, type SupabaseClient } from '@supabase/supabase-js'
import { QueryClient, QueryObserver } from '@tanstack/query-core'
import WebSocket from 'ws'
import { createTableFactory } from '../src/query-keys'
import { createRealtimeSync, type RealtimeSync } from '../src/realtime-sync'

interface Screen {
  supabase: SupabaseClient
  queryClient: QueryClient
  sync: RealtimeSync
  stopObservers: (() => void)[]
  listKey: readonly unknown[]
  recordKeys: Map<string, readonly unknown[]>
}

const deals = createTableFactory('deals')
const screens = new Map<number, Screen>()
const port = parentPort!
const counts = { refetches: 0, eventReads: 0, eventRows: 0, restRequests: 0, restBytes: 0 }
/** queryFn calls by what they read: 'list', or the record's id. */
let refetchesOf = new Map<string, number>()
/** While true, every new socket fails to connect (a network outage, as the clients see it). */
let outage = false

class OutageWebSocket extends WebSocket {
  constructor(address: string | URL, protocols?: string | string[]) {
    // Port 9 (discard) on loopback refuses: the client sees a failed connection and backs off.
    super(outage ? 'ws://127.0.0.1:9/realtime/v1/websocket' : address, protocols)
  }
}

/** fetch, counting each REST request by what it read. */
const countingFetch: typeof fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
  const response = await fetch(input, init)
  if (url.includes('/rest/v1/')) {
    const body = await response.clone().text()
    counts.restRequests++
    counts.restBytes += body.length
    if (url.includes('/rest/v1/realtime_table_events')) {
      counts.eventReads++
      counts.eventRows += (JSON.parse(body) as unknown[]).length
    }
  }
  return response
}

port.on('message', (message: Record<string, unknown>) => {
  void handle(message).then(
    (answer) => port.postMessage({ ...answer, request: message.request }),
    (error: unknown) =>
      port.postMessage({
        type: 'error',
        request: message.request,
        message: error instanceof Error ? error.message : String(error),
      }),
  )
})

async function handle(message: Record<string, unknown>): Promise<Record<string, unknown>> {
  switch (message.cmd) {
    case 'open':
      await open(message as unknown as OpenRequest)
      return { type: 'opened' }
    case 'outage':
      outage = message.on === true
      return { type: 'outage' }
    case 'counts': {
      const snapshot = { ...counts, byQuery: Object.fromEntries(refetchesOf) }
      if (message.reset === true) {
        for (const key of Object.keys(counts)) counts[key as keyof typeof counts] = 0
        refetchesOf = new Map()
      }
      return { type: 'counts', ...snapshot }
    }
    case 'go':
      goes.get(message.id as number)?.()
      return { type: 'went' }
    case 'replays': {
      let replayed = 0
      let resyncs = 0
      let fullRefetches = 0
      for (const screen of screens.values()) {
        for (const event of screen.sync.getEvents()) {
          if (event.kind === 'received' && event.replayed) replayed++
          if (event.kind === 'resync') {
            resyncs++
            if (event.replayed !== true) fullRefetches++
          }
        }
      }
      return { type: 'replays', replayed, resyncs, fullRefetches }
    }
    case 'converged': {
      const { list, records } = message as unknown as {
        list: unknown
        records: Record<string, unknown>
      }
      let count = 0
      for (const screen of screens.values()) if (converged(screen, list, records)) count++
      return { type: 'converged', count }
    }
    case 'close': {
      for (const screen of screens.values()) {
        for (const stop of screen.stopObservers) stop()
        await screen.sync.stop()
        await screen.supabase.removeAllChannels()
        screen.supabase.realtime.disconnect()
        screen.queryClient.clear()
      }
      screens.clear()
      return { type: 'closed' }
    }
    default:
      throw new Error(`unknown command ${String(message.cmd)}`)
  }
}

interface OpenRequest {
  id: number
  url: string
  anonKey: string
  token: string
  orgId: string
  recordIds: string[]
  replay: boolean
  /** Start the engine only after the data is on screen (a page whose socket is slow). */
  engineAfterData?: boolean
  /** With engineAfterData: say 'loaded' and wait for 'go' before starting it. */
  waitForGo?: boolean
}

const goes = new Map<number, () => void>()

async function open(request: OpenRequest): Promise<void> {
  const supabase = createClient(request.url, request.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: OutageWebSocket as never },
    global: { fetch: countingFetch },
    accessToken: async () => request.token,
  })
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const listKey = deals.list({ organizationId: request.orgId })
  const recordKeys = new Map(request.recordIds.map((id) => [id, deals.record(id)] as const))
  const read = async (recordId?: string) => {
    counts.refetches++
    const name = recordId ?? 'list'
    refetchesOf.set(name, (refetchesOf.get(name) ?? 0) + 1)
    let query = supabase
      .from('deals')
      .select('id, title, value')
      .eq('organization_id', request.orgId)
    if (recordId !== undefined) query = query.eq('id', recordId)
    const { data, error } = await query.order('id')
    if (error) throw new Error(error.message)
    return data
  }
  const observers = [
    new QueryObserver(queryClient, {
      queryKey: listKey,
      queryFn: () => read(),
      staleTime: Infinity,
    }),
    ...[...recordKeys].map(
      ([id, queryKey]) =>
        new QueryObserver(queryClient, { queryKey, queryFn: () => read(id), staleTime: Infinity }),
    ),
  ]
  const stopObservers = observers.map((observer) => observer.subscribe(() => {}))
  const start = () =>
    createRealtimeSync({
      supabase,
      queryClient,
      organizationIds: [request.orgId],
      batchMs: 200,
      replay: request.replay,
      devtools: false,
    })
  let sync: RealtimeSync | undefined = request.engineAfterData === true ? undefined : start()
  await until(() => observers.every((o) => o.getCurrentResult().status === 'success'))
  if (request.waitForGo === true) {
    const go = new Promise<void>((resolve) => goes.set(request.id, resolve))
    port.postMessage({ type: 'loaded', id: request.id })
    await go
    goes.delete(request.id)
  }
  sync ??= start()
  const engine = sync
  await until(() => engine.getChannels()[0]?.replication === 'ready')
  // The first catch-up (a read, or a refetch of what loaded first) has settled.
  await until(
    () => engine.getEvents().some((e) => e.kind === 'resync') && queryClient.isFetching() === 0,
  )
  screens.set(request.id, {
    supabase,
    queryClient,
    sync: engine,
    stopObservers,
    listKey,
    recordKeys,
  })
}

/** Live, nothing fetching, and every query on screen equals the database. */
function converged(screen: Screen, list: unknown, records: Record<string, unknown>): boolean {
  if (screen.sync.getChannels()[0]?.replication !== 'ready') return false
  if (screen.queryClient.isFetching() > 0) return false
  if (!same(screen.queryClient.getQueryData(screen.listKey), list)) return false
  for (const [id, key] of screen.recordKeys) {
    if (!same(screen.queryClient.getQueryData(key), records[id])) return false
  }
  return true
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** Polls a condition; a bench setup step, bounded so a broken run fails instead of hanging. */
async function until(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('a screen did not get ready in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
