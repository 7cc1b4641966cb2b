import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Stack } from '../../server/stack'
import { describeEvent } from '../../src/describe-event'
import { createTableFactory } from '../../src/query-keys'
import type { MembershipSource, RealtimeSync } from '../../src/realtime-sync'
import type { SyncEvent, SyncEventKind } from '../../src/types'
import { eventsOfKind, keysOf } from '../support/events'
import { type Cleanups, type EngineOnStack, engineOnStack } from './engine-on-stack'
import {
  closeClient,
  createTestClient,
  createWorld,
  insertDeal,
  STACK_START_TIMEOUT,
  startTestStack,
  type TestWorld,
} from './stack-harness'

/**
 * The sync engine from src/, through the real supabase-js client, against the stack: what the
 * DevTools panel would show for real changes, duplicates, echoes, membership changes and drops.
 */

let stack: Stack
let world: TestWorld & { org: (name: string) => string }
const cleanups: Cleanups = []
const deals = createTableFactory('deals')

beforeAll(async () => {
  stack = await startTestStack()
  world = await createWorld(stack, ['a', 'b'], { ann: ['a'], dot: ['a', 'b'], tom: ['a'] })
}, STACK_START_TIMEOUT)

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

afterAll(async () => {
  await stack?.close()
})

function start(
  user: 'ann' | 'dot' | 'tom',
  organizationIds: readonly string[] | MembershipSource,
): EngineOnStack {
  return engineOnStack(stack, world.users[user]!, organizationIds, cleanups, {
    name: `test-${user}`,
  })
}

/** Resolves with the first event of `kind` the predicate accepts; polls the engine's own log. */
async function eventWhere<K extends SyncEventKind>(
  sync: RealtimeSync,
  what: string,
  kind: K,
  predicate: (event: Extract<SyncEvent, { kind: K }>) => boolean,
): Promise<Extract<SyncEvent, { kind: K }>> {
  return vi.waitFor(
    () => {
      const found = eventsOfKind(sync.getEvents(), kind).find(predicate)
      if (found === undefined) throw new Error(`no ${what} yet`)
      return found
    },
    { timeout: 10_000, interval: 10 },
  )
}

async function subscribed(sync: RealtimeSync, orgId: string, times = 1): Promise<void> {
  await vi.waitFor(
    () => {
      const channel = sync.getChannels().find((state) => state.orgId === orgId)
      if (
        channel === undefined ||
        channel.status !== 'SUBSCRIBED' ||
        channel.subscribedCount < times
      ) {
        throw new Error(`${orgId} not SUBSCRIBED ${times}×: ${JSON.stringify(channel)}`)
      }
    },
    { timeout: 15_000, interval: 10 },
  )
}

const sortKeys = (keys: readonly (readonly unknown[])[] | undefined) =>
  (keys ?? []).map((key) => JSON.stringify(key)).sort()

describe('the sync engine against the local stack', () => {
  it('turns a database change into one invalidation of exactly the matching query keys', async () => {
    const a = world.org('a')
    const target = await insertDeal(stack, a, { title: 'target' })
    const bystander = await insertDeal(stack, a, { title: 'bystander' })
    const { sync, queryClient } = start('ann', [a])
    // Cached after the subscription: a query loaded before it would get a catch-up refetch.
    await subscribed(sync, a)
    for (const key of [
      deals.list(),
      deals.list({ organizationId: a }),
      deals.record(target),
      deals.record(bystander),
      ['contacts', 'list'],
      ['profiles', 'record', target],
    ]) {
      queryClient.setQueryData(key, { cached: true })
    }

    await stack.database.query(`update public.deals set stage = 'won' where id = $1::text::uuid`, [
      target,
    ])
    const received = await eventWhere(
      sync,
      'the received change',
      'received',
      (e) => e.recordId === target,
    )
    expect(received).toMatchObject({ orgId: a, table: 'deals', op: 'UPDATE', actorId: null })
    const invalidated = await eventWhere(sync, 'its invalidation', 'invalidated', (e) =>
      e.causes.includes(received.seq),
    )
    expect(invalidated).toMatchObject({ trigger: 'batch', table: 'deals' })
    expect(sortKeys(keysOf(sync.getEvents(), received))).toEqual(sortKeys(invalidated.matchedKeys))
    expect(sortKeys(invalidated.matchedKeys)).toEqual(
      sortKeys([
        [...deals.list()],
        [...deals.list({ organizationId: a })],
        [...deals.record(target)],
      ]),
    )
    expect(queryClient.getQueryState(deals.record(target))?.isInvalidated).toBe(true)
    expect(queryClient.getQueryState(deals.record(bystander))?.isInvalidated).toBe(false)
    expect(queryClient.getQueryState(['contacts', 'list'])?.isInvalidated).toBe(false)
  })

  it("drops a duplicated delivery and an echo of its own write, but not a teammate's change", async () => {
    const a = world.org('a')
    const dealId = await insertDeal(stack, a, { title: 'echoes' })
    const { sync, supabase } = start('ann', [a])
    await subscribed(sync, a)

    stack.realtime.injectDuplicates(1)
    await stack.database.query(`update public.deals set value = 1 where id = $1::text::uuid`, [
      dealId,
    ])
    const original = await eventWhere(
      sync,
      'the original',
      'received',
      (e) => e.recordId === dealId,
    )
    const copy = await eventWhere(sync, 'the duplicate', 'deduped', (e) => e.recordId === dealId)
    expect(copy).toMatchObject({
      eventId: original.eventId,
      relatedSeq: original.seq,
      match: 'event-id',
    })

    sync.markLocalWrite('deals', dealId)
    const write = sync.getEvents().findLast((e) => e.kind === 'write')!
    await supabase.from('deals').update({ value: 2 }).eq('id', dealId)
    const echo = await eventWhere(sync, 'the echo', 'echo', (e) => e.recordId === dealId)
    expect(echo).toMatchObject({
      actorId: world.users.ann!.id,
      relatedSeq: write.seq,
      match: 'same-actor',
    })

    // Tom (same organization) changes the row inside the echo window: applied, with a note.
    const tom = createTestClient(stack, { token: world.users.tom!.token })
    cleanups.push(() => closeClient(tom))
    await tom.from('deals').update({ value: 3 }).eq('id', dealId)
    const teammate = await eventWhere(
      sync,
      "tom's change",
      'received',
      (e) => e.recordId === dealId && e.actorId === world.users.tom!.id,
    )
    expect(teammate).toMatchObject({ relatedSeq: write.seq, match: 'other-actor' })
    expect(describeEvent(teammate)).toMatch(/not an echo/)
  })

  it('resubscribes when memberships change: a new organization streams, a removed one stops', async () => {
    const [a, b] = [world.org('a'), world.org('b')]
    let memberships: readonly string[] = [a]
    const listeners = new Set<() => void>()
    const source: MembershipSource = {
      getSnapshot: () => memberships,
      subscribe: (listener) => {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
    }
    const { sync } = start('dot', source)
    await subscribed(sync, a)

    memberships = [a, b]
    for (const listener of listeners) listener()
    await subscribed(sync, b)
    const inB = await insertDeal(stack, b, { title: 'b streams now' })
    await eventWhere(sync, 'the change in b', 'received', (e) => e.recordId === inB)

    memberships = [b]
    for (const listener of listeners) listener()
    await vi.waitFor(() => expect(sync.getChannels().map((c) => c.orgId)).toEqual([b]))
    await vi.waitFor(() => expect(stack.realtime.stats().channels).toBe(1))
    const inA = await insertDeal(stack, a, { title: 'a no longer streams' })
    const fence = await insertDeal(stack, b, { title: 'fence' })
    await eventWhere(sync, 'the fence in b', 'received', (e) => e.recordId === fence)
    expect(sync.getEvents().some((e) => 'recordId' in e && e.recordId === inA)).toBe(false)
  })
})

describe('replacing a hand-written hook that still joins org:<id> on the same client', () => {
  it("the engine says so and leaves the app's channel alone; it joins once the hook is gone", async () => {
    const org = world.org('a')
    const screen = start('ann', [])
    // The app's own realtime hook, as the README's "before" shows it.
    const heard: unknown[] = []
    await screen.supabase.realtime.setAuth()
    const own = screen.supabase.channel(`org:${org}`).on(
      'postgres_changes',
      {
        event: 'INSERT',
        schema: 'public',
        table: 'realtime_table_events',
        filter: `organization_id=eq.${org}`,
      },
      (payload) => heard.push(payload),
    )
    await new Promise<void>((resolve) =>
      own.subscribe((status) => {
        if (status === 'SUBSCRIBED') resolve()
      }),
    )
    await screen.sync.setOrganizationIds([org])
    const refused = await eventWhere(
      screen.sync,
      'the collision',
      'channel',
      (event) => event.channel?.status === 'CHANNEL_ERROR',
    )
    expect(refused).toMatchObject({ note: 'topic-taken', delayMs: expect.any(Number) })
    expect(describeEvent(refused)).toMatch(
      new RegExp(
        `^org:${org} CHANNEL_ERROR: this supabase client already has a channel on org:${org} that the engine did not create \\(the app's own realtime hook\\?\\)`,
      ),
    )
    // The app's hook still works: the engine added nothing to its channel and removed nothing.
    await insertDeal(stack, org, { title: 'heard by the old hook' })
    await vi.waitFor(() => expect(heard).toHaveLength(1), { timeout: 10_000 })
    await screen.supabase.removeChannel(own)
    await vi.waitFor(
      () => expect(screen.sync.getChannels()[0]).toMatchObject({ replication: 'ready' }),
      { timeout: 15_000, interval: 20 },
    )
    await insertDeal(stack, org, { title: 'heard by the engine' })
    await eventWhere(
      screen.sync,
      'the change, received',
      'received',
      (event) => event.table === 'deals',
    )
  })
})
