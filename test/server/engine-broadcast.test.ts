import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Stack } from '../../server/stack'
import { createTableFactory } from '../../src/query-keys'
import type { RealtimeSync } from '../../src/realtime-sync'
import type { SyncEventKind } from '../../src/types'
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
 * The engine with `transport: 'broadcast'` against the stack in broadcast mode, through the real
 * supabase-js client: the trigger's realtime.send to the private topic org:<id>, RLS on
 * realtime.messages at the join, the same pipeline and replay as postgres_changes.
 */

let stack: Stack
let world: TestWorld & { org: (name: string) => string }
const cleanups: Cleanups = []
const deals = createTableFactory('deals')

beforeAll(async () => {
  stack = await startTestStack({ transport: 'broadcast' })
  world = await createWorld(stack, ['north', 'south'], { ann: ['north'], sam: ['south'] })
}, STACK_START_TIMEOUT)

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

afterAll(async () => {
  await stack?.close()
})

function start(user: 'ann' | 'sam', orgId: string): EngineOnStack {
  return engineOnStack(stack, world.users[user]!, [orgId], cleanups, { transport: 'broadcast' })
}

const events = <K extends SyncEventKind>(sync: RealtimeSync, kind: K) =>
  eventsOfKind(sync.getEvents(), kind)

async function live(sync: RealtimeSync, times = 1): Promise<void> {
  await vi.waitFor(
    () => {
      const channel = sync.getChannels()[0]
      if (channel?.replication !== 'ready' || channel.subscribedCount < times) {
        throw new Error(`not live ${times}×: ${JSON.stringify(channel)}`)
      }
    },
    { timeout: 15_000, interval: 10 },
  )
}

async function titlesOnScreen(screen: EngineOnStack, queryKey: readonly unknown[], orgId: string) {
  const truth = await stack.database.query<{ title: string }>(
    'select title from public.deals where organization_id = $1::text order by id',
    [orgId],
  )
  await vi.waitFor(
    () => {
      expect(screen.queryClient.isFetching()).toBe(0)
      const data = screen.queryClient.getQueryData<{ title: string }[]>(queryKey)
      expect(data?.map((row) => row.title)).toEqual(truth.rows.map((row) => row.title))
    },
    { timeout: 10_000, interval: 20 },
  )
}

describe("the engine with transport: 'broadcast'", () => {
  it('receives a teammate’s change on the private topic and refetches the list', async () => {
    const org = world.org('north')
    const screen = start('ann', org)
    const list = deals.list({ organizationId: org })
    await screen.show(list)
    await live(screen.sync)
    expect(screen.sync.getChannels()[0]).toMatchObject({
      topic: `org:${org}`,
      status: 'SUBSCRIBED',
      transport: 'broadcast',
    })
    const id = await insertDeal(stack, org, { title: 'by broadcast' })
    await vi.waitFor(
      () => expect(events(screen.sync, 'received').map((e) => e.recordId)).toContain(id),
      { timeout: 10_000, interval: 10 },
    )
    const received = events(screen.sync, 'received').find((e) => e.recordId === id)!
    expect(received).toMatchObject({ table: 'deals', op: 'INSERT', orgId: org })
    expect(received.replayed).toBeUndefined()
    await titlesOnScreen(screen, list, org)
  })

  it('replays what a dropped socket missed, read from realtime_table_events', async () => {
    const org = world.org('north')
    const screen = start('ann', org)
    const list = deals.list({ organizationId: org })
    await screen.show(list)
    await live(screen.sync)
    stack.realtime.dropConnections()
    const missed = await insertDeal(stack, org, { title: 'while away' })
    await live(screen.sync, 2)
    await vi.waitFor(
      () =>
        expect(
          events(screen.sync, 'received').filter((e) => e.recordId === missed && e.replayed),
        ).toHaveLength(1),
      { timeout: 10_000, interval: 10 },
    )
    await titlesOnScreen(screen, list, org)
  })

  it("refuses a non-member's private join in the server's words, and leaks nothing", async () => {
    const north = world.org('north')
    const outsider = start('sam', north)
    await vi.waitFor(
      () =>
        expect(outsider.sync.getChannels()[0]?.lastNote).toEqual({
          error: `Unauthorized: You do not have permissions to read from this Channel topic: org:${north}`,
        }),
      { timeout: 10_000, interval: 10 },
    )
    const member = start('ann', north)
    await live(member.sync)
    const id = await insertDeal(stack, north, { title: 'members only' })
    await vi.waitFor(
      () => expect(events(member.sync, 'received').map((e) => e.recordId)).toContain(id),
      { timeout: 10_000, interval: 10 },
    )
    expect(events(outsider.sync, 'received')).toEqual([])
  })
})
