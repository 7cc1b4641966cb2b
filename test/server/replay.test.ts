import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Stack } from '../../server/stack'
import { describeEvent } from '../../src/describe-event'
import { createTableFactory } from '../../src/query-keys'
import type { RealtimeSync, RealtimeSyncOptions } from '../../src/realtime-sync'
import type { ResyncEvent } from '../../src/types'
import { eventsOfKind } from '../support/events'
import { type Cleanups, type EngineOnStack, engineOnStack } from './engine-on-stack'
import {
  createWorld,
  insertDeal,
  STACK_START_TIMEOUT,
  startTestStack,
  type TestWorld,
} from './stack-harness'

/**
 * The replay (src/catch-up.ts) through the real supabase-js client, over a real socket and the
 * stack's REST: first subscription, reconnects, replication that is not ready at SUBSCRIBED,
 * and a channel the server closes when the token expires. Each test has its own organization,
 * so no other test's writes fall into its read window.
 */

let stack: Stack
let world: TestWorld & { org: (name: string) => string }
const cleanups: Cleanups = []
const deals = createTableFactory('deals')
const ORGS = ['load', 'load3', 'drops', 'expiry']

beforeAll(async () => {
  stack = await startTestStack()
  world = await createWorld(stack, ORGS, { dot: ORGS })
  await backdateEvents(stack)
}, STACK_START_TIMEOUT)

/**
 * The fixture's own writes happened "a minute ago": a replay re-reads the replayOverlapMs
 * (10 s) before the oldest loaded data, and a change in there is replayed again (one refetch
 * too many, by design), which is not what these tests are about.
 */
async function backdateEvents(target: Stack): Promise<void> {
  await target.database.query(
    `update public.realtime_table_events set created_at = created_at - interval '1 minute'`,
  )
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

afterAll(async () => {
  await stack?.close()
})

type Screen = EngineOnStack

/** The engine as `dot` (the token may be another user's: `userId` only drives echo rules). */
function start(
  target: Stack,
  token: string | (() => string),
  organizationIds: string[],
  options: Partial<RealtimeSyncOptions> = {},
): Screen {
  return engineOnStack(
    target,
    { id: world.users.dot!.id, token },
    organizationIds,
    cleanups,
    options,
  )
}

/** Waits until the organization's channel is live (replication ready) for the `times`th time. */
async function live(sync: RealtimeSync, orgId: string, times = 1): Promise<void> {
  await vi.waitFor(
    () => {
      const channel = sync.getChannels().find((state) => state.orgId === orgId)
      if (channel?.replication !== 'ready' || channel.subscribedCount < times) {
        throw new Error(`${orgId} not live ${times}×: ${JSON.stringify(channel)}`)
      }
    },
    { timeout: 15_000, interval: 10 },
  )
}

async function resyncs(sync: RealtimeSync, count: number): Promise<ResyncEvent[]> {
  return vi.waitFor(
    () => {
      const found = eventsOfKind(sync.getEvents(), 'resync')
      if (found.length < count) throw new Error(`${found.length} resyncs of ${count}`)
      return found
    },
    { timeout: 15_000, interval: 10 },
  )
}

async function databaseDeals(target: Stack, orgId: string): Promise<unknown[]> {
  const truth = await target.database.query<{ rows: string }>(
    `select coalesce(json_agg(json_build_object('id', id, 'title', title, 'value', value) order by id), '[]')::text as rows
     from public.deals where organization_id = $1::text`,
    [orgId],
  )
  return JSON.parse(truth.rows[0]!.rows) as unknown[]
}

async function settledEqual(screen: Screen, queryKey: readonly unknown[], expected: unknown[]) {
  await vi.waitFor(
    () => {
      expect(screen.queryClient.isFetching()).toBe(0)
      expect(screen.queryClient.getQueryData(queryKey)).toEqual(expected)
    },
    { timeout: 10_000, interval: 20 },
  )
}

describe('page load', () => {
  it('nothing changed between the first fetch and live: one read, 0 refetches', async () => {
    const org = world.org('load')
    const screen = start(stack, world.users.dot!.token, [org])
    await screen.show(deals.list({ organizationId: org }))
    await live(screen.sync, org)
    const [resync] = await resyncs(screen.sync, 1)
    expect(resync).toMatchObject({ first: true, replayed: true, replayedCount: 0 })
    expect(resync?.fallback).toBeUndefined()
    expect(describeEvent(resync!)).toMatch(
      /nothing was missed since the oldest loaded data .*: 0 refetches$/,
    )
    expect([...screen.fetches.values()]).toEqual([1])
  })

  it('3 changes between the first fetch and live: only the affected queries refetch', async () => {
    const org = world.org('load3')
    const [d1, d2] = [await insertDeal(stack, org), await insertDeal(stack, org)]
    await backdateEvents(stack)
    const screen = start(stack, world.users.dot!.token, [org])
    // The channel joins only after the data is on screen, as a slow socket would.
    await screen.sync.setOrganizationIds([])
    const list = deals.list({ organizationId: org })
    await screen.show(list)
    await screen.show(deals.record(d1), d1)
    await screen.show(deals.record(d2), d2)
    await stack.database.query(`update public.deals set value = 1 where id = $1::text::uuid`, [d1])
    await stack.database.query(`update public.deals set value = 2 where id = $1::text::uuid`, [d1])
    await insertDeal(stack, org, { title: 'third' })
    await screen.sync.setOrganizationIds([org])
    await live(screen.sync, org)
    const [resync] = await resyncs(screen.sync, 1)
    expect(resync).toMatchObject({
      first: true,
      replayed: true,
      replayedCount: 3,
      firstId: expect.stringMatching(/^\d+$/),
      lastId: expect.stringMatching(/^\d+$/),
    })
    expect(describeEvent(resync!)).toMatch(
      /replayed 3 events \(ids \d+–\d+\) missed since the oldest loaded data/,
    )
    await settledEqual(screen, list, await databaseDeals(stack, org))
    expect(Object.fromEntries(screen.fetches)).toEqual({
      [JSON.stringify(list)]: 2,
      [JSON.stringify(deals.record(d1))]: 2,
      [JSON.stringify(deals.record(d2))]: 1,
    })
  })
})

describe('reconnects', () => {
  it('after dropped sockets, replays what was missed: the list converges, one refetch per drop', async () => {
    const org = world.org('drops')
    const screen = start(stack, world.users.dot!.token, [org])
    const list = deals.list({ organizationId: org })
    await screen.show(list)
    await live(screen.sync, org)
    await resyncs(screen.sync, 1)

    const ids: string[] = []
    for (let drop = 1; drop <= 3; drop++) {
      stack.realtime.dropConnections()
      // Written while the client is away: Realtime does not deliver these; the replay reads them.
      for (let i = 0; i < 10; i++)
        ids.push(await insertDeal(stack, org, { title: `while away ${drop}`, value: i }))
      await stack.database.query(
        `update public.deals set value = value + 100 where id = $1::text::uuid`,
        [ids[0]!],
      )
      await live(screen.sync, org, drop + 1)
      await resyncs(screen.sync, drop + 1)
    }
    const all = await resyncs(screen.sync, 4)
    expect(all.map((event) => event.replayed)).toEqual([true, true, true, true])
    expect(all.slice(1).map((event) => [event.replayedCount, event.first])).toEqual([
      [11, undefined],
      [11, undefined],
      [11, undefined],
    ])
    expect(
      all
        .slice(1)
        .map((event) => /replayed 11 events .* missed during a/.test(describeEvent(event))),
    ).toEqual([true, true, true])
    const replayed = eventsOfKind(screen.sync.getEvents(), 'received').filter((e) => e.replayed)
    expect(replayed).toHaveLength(33)
    await settledEqual(screen, list, await databaseDeals(stack, org))
    // The first fetch, then at most one per drop (two replays can share a pass on a slow machine).
    const listFetches = screen.fetches.get(JSON.stringify(list)) ?? 0
    expect(listFetches).toBeGreaterThanOrEqual(2)
    expect(listFetches).toBeLessThanOrEqual(4)
  })
})

describe('replication that is not ready at SUBSCRIBED', () => {
  let delayed: Stack
  let delayedWorld: TestWorld & { org: (name: string) => string }
  beforeAll(async () => {
    delayed = await startTestStack({ replicationDelayMs: 1_500 })
    delayedWorld = await createWorld(delayed, ['slow'], { eve: ['slow'] })
    await backdateEvents(delayed)
  }, STACK_START_TIMEOUT)
  afterAll(async () => {
    await delayed?.close()
  })

  it('waits for "Subscribed to PostgreSQL", and replays a write made in between: 0 lost updates', async () => {
    const org = delayedWorld.org('slow')
    const screen = start(delayed, delayedWorld.users.eve!.token, [org])
    const list = deals.list({ organizationId: org })
    await screen.show(list)
    await vi.waitFor(() =>
      expect(screen.sync.getChannels()[0]).toMatchObject({
        status: 'SUBSCRIBED',
        replication: 'waiting',
      }),
    )
    // SUBSCRIBED, but the server's replication is not ready: this commit is never delivered.
    const during = await insertDeal(delayed, org, { title: 'written during the delay' })
    await live(screen.sync, org)
    const channel = screen.sync.getChannels()[0]!
    expect(channel.liveAt! - channel.subscribedAt!).toBeGreaterThanOrEqual(1_400)
    await resyncs(screen.sync, 1)
    const event = await vi.waitFor(() => {
      const found = eventsOfKind(screen.sync.getEvents(), 'received').find(
        (e) => e.recordId === during,
      )
      if (found === undefined) throw new Error('not replayed yet')
      return found
    })
    expect(event.replayed).toBe(true)
    await settledEqual(screen, list, await databaseDeals(delayed, org))
  })
})

describe('a channel the server closes', () => {
  it('an expired token: rejoins after setAuth() with a fresh one and replays what it missed', async () => {
    const org = world.org('expiry')
    const user = world.users.dot!
    let token = await stack.tokenFor(user.id, { expiresInSeconds: 2 })
    const screen = start(stack, () => token, [org])
    const list = deals.list({ organizationId: org })
    await screen.show(list)
    await live(screen.sync, org)
    token = await stack.tokenFor(user.id)
    const closed = await vi.waitFor(
      () => {
        const found = eventsOfKind(screen.sync.getEvents(), 'channel').find(
          (e) => e.channel.status === 'CLOSED',
        )
        if (found === undefined) throw new Error('not closed yet')
        return found
      },
      { timeout: 10_000, interval: 20 },
    )
    expect(closed).toMatchObject({
      note: 'closed-by-server',
      error: expect.stringMatching(/^Token has expired \d+ seconds ago$/),
      delayMs: 1_000,
    })
    expect(describeEvent(closed)).toMatch(
      /^org:\S+ CLOSED: the server closed the channel \(Token has expired \d+ seconds ago\): rejoining in 1000 ms with a fresh token from setAuth\(\)$/,
    )
    const missed = await insertDeal(stack, org, { title: 'while closed' })
    await live(screen.sync, org, 2)
    const all = await resyncs(screen.sync, 2)
    expect(all[1]).toMatchObject({ replayed: true, replayedCount: 1 })
    expect(describeEvent(all[1]!)).toMatch(/replayed 1 event \(id \d+\) missed during a/)
    expect(
      eventsOfKind(screen.sync.getEvents(), 'received').find((e) => e.recordId === missed)
        ?.replayed,
    ).toBe(true)
    await settledEqual(screen, list, await databaseDeals(stack, org))
  })
})
