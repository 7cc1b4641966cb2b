import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { createClient, type SupabaseClient } from '@supabase/supabase-js'
import { QueryClient, QueryObserver } from '@tanstack/query-core'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { DEMO_ORGANIZATIONS } from '../../server/seed/demo-world'
import { createTableFactory } from '../../src/query-keys'
import { createRealtimeSync, type RealtimeSync } from '../../src/realtime-sync'
import type { SyncEvent } from '../../src/types'
import { STACK_CLI, STACK_START_TIMEOUT, stackFromBanner, within } from './stack-harness'
import { eventsOfKind } from '../support/events'

/**
 * A page whose clock is off the database's, as a user's browser often is: the stack runs in a
 * process of its own (its database keeps the true time) and only Date.now moves in this one, the
 * page's: the engine's clock and TanStack Query's dataUpdatedAt. The real supabase-js client over
 * a real socket; a teammate writes through REST. Each case: the screen ends equal to the database,
 * and the list on screen refetches once for what it missed.
 */

const repository = new URL('../../', import.meta.url).pathname
const ORG = DEMO_ORGANIZATIONS.acme.id
const FIVE_MINUTES = 5 * 60_000
const deals = createTableFactory('deals')
const list = deals.list({ organizationId: ORG })

let child: ChildProcessWithoutNullStreams | undefined
let stack: { url: string; anonKey: string; serviceRoleKey: string }
const cleanups: (() => unknown)[] = []

beforeAll(async () => {
  const started = spawn(process.execPath, [...STACK_CLI], {
    cwd: repository,
    env: { ...process.env, STACK_PORT: '0' },
  })
  child = started
  const banner = await within<string>(
    STACK_START_TIMEOUT,
    'the stack to start',
    (resolve, reject) => {
      let output = ''
      started.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('Ctrl+C stops the stack.')) resolve(output)
      })
      started.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString()
      })
      started.on('exit', (code) => reject(new Error(`the stack exited (${code}): ${output}`)))
    },
  )
  stack = stackFromBanner(banner)
}, STACK_START_TIMEOUT)

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  vi.restoreAllMocks()
})

afterAll(() => {
  child?.kill('SIGTERM')
})

async function tokenFor(email: string): Promise<string> {
  const response = await fetch(`${stack.url}/dev/v1/token`, {
    method: 'POST',
    headers: { apikey: stack.serviceRoleKey, 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  })
  return ((await response.json()) as { access_token: string }).access_token
}

/** A supabase-js client whose Realtime socket can be taken offline, as a network loss does. */
function client(token: string): { supabase: SupabaseClient; network: { offline: boolean } } {
  const network = { offline: false }
  const sockets: WebSocket[] = []
  class PageWebSocket extends WebSocket {
    constructor(address: string | URL, ...rest: unknown[]) {
      // Offline: the connection is refused, and supabase-js tries again later.
      super(network.offline ? 'ws://127.0.0.1:9/' : address, ...(rest as []))
      sockets.push(this)
    }
  }
  const supabase = createClient(stack.url, stack.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: PageWebSocket as never },
    accessToken: async () => token,
  })
  const drop = () => {
    network.offline = true
    for (const socket of sockets) socket.terminate()
  }
  cleanups.push(async () => {
    await supabase.removeAllChannels()
    supabase.realtime.disconnect()
  })
  return { supabase, network: Object.assign(network, { drop }) }
}

/** The page: Alice's engine, her list of Acme's deals on screen, and a clock `aheadMs` off. */
async function openPage(aheadMs: number, joinAtOnce: boolean) {
  const realNow = Date.now.bind(Date)
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + aheadMs)
  const { supabase, network } = client(await tokenFor('alice@acme.test'))
  const queryClient = new QueryClient()
  const sync = createRealtimeSync({
    supabase,
    queryClient,
    organizationIds: joinAtOnce ? [ORG] : [],
    userId: 'a11ce000-0000-4000-8000-000000000001',
    batchMs: 20,
    devtools: false,
  })
  cleanups.push(
    () => sync.stop(),
    () => queryClient.clear(),
  )
  let listFetches = 0
  const observer = new QueryObserver(queryClient, {
    queryKey: list,
    queryFn: async () => {
      listFetches++
      const { data, error } = await supabase
        .from('deals')
        .select('id, title, value')
        .eq('organization_id', ORG)
        .order('id')
      if (error) throw error
      return data
    },
    staleTime: Number.POSITIVE_INFINITY,
  })
  cleanups.push(observer.subscribe(() => {}))
  await vi.waitFor(() => expect(observer.getCurrentResult().status).toBe('success'))
  return {
    sync,
    network: network as typeof network & { drop(): void },
    screen: () => queryClient.getQueryData(list),
    settled: () => queryClient.isFetching() === 0,
    listFetches: () => listFetches,
  }
}

/** A client for REST only (Node 20 has no WebSocket of its own: supabase-js asks for one). */
function restClient(apiKey: string, token?: string): SupabaseClient {
  return createClient(stack.url, apiKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never },
    ...(token === undefined ? {} : { accessToken: async () => token }),
  })
}

let bob: SupabaseClient | undefined
/** Bob, Alice's teammate, changes the value of Acme's `index`th deal through REST. */
async function teammateSetsValue(index: number, value: number): Promise<void> {
  if (bob === undefined) {
    const token = await tokenFor('bob@acme.test')
    bob = restClient(stack.anonKey, token)
  }
  const { data } = await bob.from('deals').select('id').eq('organization_id', ORG).order('id')
  const rows = data as { id: string }[]
  const id = rows[index % rows.length]!.id
  const { error } = await bob.from('deals').update({ value }).eq('id', id)
  if (error) throw new Error(error.message)
}

async function database(): Promise<unknown> {
  const { data } = await restClient(stack.serviceRoleKey)
    .from('deals')
    .select('id, title, value')
    .eq('organization_id', ORG)
    .order('id')
  return data
}

function resyncs(sync: RealtimeSync): SyncEvent[] {
  return sync.getEvents().filter((event) => event.kind === 'resync')
}

async function liveTimes(sync: RealtimeSync, times: number): Promise<void> {
  await vi.waitFor(
    () => {
      const channel = sync.getChannels()[0]
      if (channel?.replication !== 'ready' || channel.subscribedCount < times) {
        throw new Error(`not live ${times}×: ${JSON.stringify(channel)}`)
      }
      // The replay of that live point has been read and logged.
      if (resyncs(sync).length < times) throw new Error('no resync yet')
    },
    { timeout: 20_000, interval: 20 },
  )
}

async function screenEqualsDatabase(page: Awaited<ReturnType<typeof openPage>>): Promise<void> {
  const truth = await database()
  await vi.waitFor(
    () => {
      expect(page.settled()).toBe(true)
      expect(page.screen()).toEqual(truth)
    },
    { timeout: 10_000, interval: 20 },
  )
}

/** A gap: the socket drops, the teammate writes while it is down, then the network is back. */
async function gapWithWrite(
  page: Awaited<ReturnType<typeof openPage>>,
  write: () => Promise<void>,
): Promise<void> {
  page.network.drop()
  await vi.waitFor(() => expect(page.sync.getChannels()[0]?.status).not.toBe('SUBSCRIBED'), {
    timeout: 10_000,
    interval: 10,
  })
  await write()
  page.network.offline = false
}

for (const [clock, aheadMs] of [
  ['5 min ahead of', FIVE_MINUTES],
  ['5 min behind', -FIVE_MINUTES],
] as const) {
  describe(`the page's clock ${clock} the database's`, () => {
    it('a change between the first fetch and live is shown', async () => {
      const page = await openPage(aheadMs, false)
      await teammateSetsValue(0, 1_000 + aheadMs / 60_000)
      await page.sync.setOrganizationIds([ORG])
      await liveTimes(page.sync, 1)
      expect(resyncs(page.sync)[0]).toMatchObject({ replayed: true })
      await screenEqualsDatabase(page)
      expect(page.listFetches()).toBe(2)
    })

    it('a change during a gap, with no event of the organization seen yet, is shown', async () => {
      const page = await openPage(aheadMs, true)
      await liveTimes(page.sync, 1)
      await screenEqualsDatabase(page)
      const before = page.listFetches()
      await gapWithWrite(page, () => teammateSetsValue(1, 2_000 + aheadMs / 60_000))
      await liveTimes(page.sync, 2)
      await screenEqualsDatabase(page)
      expect(page.listFetches() - before).toBe(1)
      const replayed = eventsOfKind(page.sync.getEvents(), 'received').filter((e) => e.replayed)
      expect(replayed.length).toBeGreaterThanOrEqual(1)
    })

    it('a change during a gap, after one delivered live (a cursor), is shown', async () => {
      const page = await openPage(aheadMs, true)
      await liveTimes(page.sync, 1)
      await teammateSetsValue(2, 3_000 + aheadMs / 60_000)
      await vi.waitFor(() =>
        expect(eventsOfKind(page.sync.getEvents(), 'received').some((e) => !e.replayed)).toBe(true),
      )
      await screenEqualsDatabase(page)
      const before = page.listFetches()
      await gapWithWrite(page, () => teammateSetsValue(3, 4_000 + aheadMs / 60_000))
      await liveTimes(page.sync, 2)
      await screenEqualsDatabase(page)
      expect(page.listFetches() - before).toBe(1)
      // The engine knows how far off the page is, and says latencies are corrected.
      const estimate = page.sync.getDatabaseClock()!
      expect(estimate.corrected).toBe(true)
      expect(Math.abs(estimate.pageAheadMs - aheadMs)).toBeLessThan(1_000)
      const live = eventsOfKind(page.sync.getEvents(), 'received').find((e) => !e.replayed)!
      expect(live.latencyMs).toBeGreaterThanOrEqual(0)
      expect(live.latencyMs).toBeLessThan(1_000)
    })
  })
}
