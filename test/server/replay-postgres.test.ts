import type { SupabaseClient } from '@supabase/supabase-js'
import { QueryClient, QueryObserver } from '@tanstack/query-core'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { type Stack, startStack } from '../../server/stack'
import { createTableFactory } from '../../src/query-keys'
import { createRealtimeSync, type RealtimeSync } from '../../src/realtime-sync'
import { startThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres'
import {
  closeClient,
  createTestClient,
  createWorld,
  insertDeal,
  STACK_START_TIMEOUT,
  type TestWorld,
} from './stack-harness'
import { eventsOfKind } from '../support/events'

/**
 * Ids are taken at insert and transactions commit in any order, so an event with a smaller id
 * can become visible after a larger one was delivered. PGlite has one session and cannot show
 * it; this file runs the stack on a real Postgres server with transactions that overlap.
 */

let postgres: ThrowawayPostgres
let stack: Stack
let world: TestWorld & { org: (name: string) => string }
const cleanups: (() => Promise<unknown> | unknown)[] = []
const deals = createTableFactory('deals')

beforeAll(async () => {
  postgres = await startThrowawayPostgres()
  stack = await startStack({ port: 0, databaseUrl: postgres.url, seed: false })
  world = await createWorld(stack, ['ooo', 'zero'], { dot: ['ooo', 'zero'] })
  await stack.database.query(
    `update public.realtime_table_events set created_at = created_at - interval '1 minute'`,
  )
}, STACK_START_TIMEOUT)

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

afterAll(async () => {
  await stack?.close()
  await postgres?.stop()
})

async function screen(orgId: string, replayOverlapMs?: number) {
  const supabase: SupabaseClient = createTestClient(stack, { token: world.users.dot!.token })
  const queryClient = new QueryClient()
  const sync: RealtimeSync = createRealtimeSync({
    supabase,
    queryClient,
    organizationIds: [orgId],
    userId: world.users.dot!.id,
    batchMs: 20,
    devtools: false,
    ...(replayOverlapMs === undefined ? {} : { replayOverlapMs }),
  })
  const list = deals.list({ organizationId: orgId })
  const observer = new QueryObserver(queryClient, {
    queryKey: list,
    queryFn: async () => {
      const { data, error } = await supabase
        .from('deals')
        .select('id, value')
        .eq('organization_id', orgId)
        .order('id')
      if (error) throw error
      return data
    },
    staleTime: Number.POSITIVE_INFINITY,
  })
  cleanups.push(
    () => closeClient(supabase),
    () => sync.stop(),
    observer.subscribe(() => {}),
    () => queryClient.clear(),
  )
  return { sync, queryClient, list }
}

async function liveTimes(sync: RealtimeSync, times: number) {
  await vi.waitFor(
    () => {
      const channel = sync.getChannels()[0]
      if (channel?.replication !== 'ready' || channel.subscribedCount < times)
        throw new Error(`not live ${times}×: ${JSON.stringify(channel)}`)
    },
    { timeout: 15_000, interval: 10 },
  )
}

async function resyncCount(sync: RealtimeSync, count: number) {
  await vi.waitFor(
    () => {
      const n = sync.getEvents().filter((e) => e.kind === 'resync').length
      if (n < count) throw new Error(`${n} resyncs of ${count}`)
    },
    { timeout: 15_000, interval: 10 },
  )
}

/**
 * Six transactions each change a deal and stay open (event ids ascending); the last three
 * commit while the channel is live (delivered, the largest id first), the first three while it
 * is down. Returns the ids of the three committed in the gap.
 */
async function outOfOrderCommits(orgId: string, sync: RealtimeSync): Promise<string[]> {
  const dealIds: string[] = []
  for (let i = 0; i < 6; i++) dealIds.push(await insertDeal(stack, orgId, { value: i }))
  await stack.database.query(
    `update public.realtime_table_events set created_at = created_at - interval '1 minute'`,
  )
  const sessions: pg.Client[] = []
  for (let i = 0; i < 6; i++) {
    const session = new pg.Client({ connectionString: postgres.url })
    await session.connect()
    sessions.push(session)
    await session.query('begin')
    await session.query(`update public.deals set value = value + 100 where id = $1::uuid`, [
      dealIds[i],
    ])
  }
  const eventIdOf = async (dealId: string) =>
    (
      await stack.database.query<{ id: string }>(
        `select max(id)::text as id from public.realtime_table_events where record_id = $1::text`,
        [dealId],
      )
    ).rows[0]!.id
  for (const i of [5, 4, 3]) {
    await sessions[i]!.query('commit')
    const id = await eventIdOf(dealIds[i]!)
    await vi.waitFor(
      () => {
        if (!eventsOfKind(sync.getEvents(), 'received').some((e) => e.eventId === id))
          throw new Error(`event ${id} not delivered yet`)
      },
      { timeout: 10_000, interval: 10 },
    )
  }
  stack.realtime.dropConnections()
  const missed: string[] = []
  for (const i of [2, 1, 0]) {
    await sessions[i]!.query('commit')
    missed.push(await eventIdOf(dealIds[i]!))
  }
  for (const session of sessions) await session.end()
  return missed
}

async function databaseList(orgId: string) {
  const truth = await stack.database.query<{ rows: string }>(
    `select coalesce(json_agg(json_build_object('id', id, 'value', value) order by id), '[]')::text as rows
     from public.deals where organization_id = $1::text`,
    [orgId],
  )
  return JSON.parse(truth.rows[0]!.rows) as unknown[]
}

describe('out-of-order commits on a real Postgres server', () => {
  it('a replay reads the overlap before the last id seen: events that committed late are not lost', async () => {
    const org = world.org('ooo')
    const { sync, queryClient, list } = await screen(org)
    await liveTimes(sync, 1)
    await resyncCount(sync, 1)
    const missed = await outOfOrderCommits(org, sync)
    await liveTimes(sync, 2)
    await resyncCount(sync, 2)
    const replayed = eventsOfKind(sync.getEvents(), 'received').filter((e) => e.replayed)
    expect(replayed.map((e) => e.eventId).sort()).toEqual([...missed].sort())
    const expected = await databaseList(org)
    await vi.waitFor(
      () => {
        expect(queryClient.isFetching()).toBe(0)
        expect(queryClient.getQueryData(list)).toEqual(expected)
      },
      { timeout: 10_000, interval: 20 },
    )
  })

  it('without the overlap (replayOverlapMs: 0) those events would be lost: what the overlap is for', async () => {
    const org = world.org('zero')
    const { sync } = await screen(org, 0)
    await liveTimes(sync, 1)
    await resyncCount(sync, 1)
    await outOfOrderCommits(org, sync)
    await liveTimes(sync, 2)
    await resyncCount(sync, 2)
    expect(eventsOfKind(sync.getEvents(), 'received').filter((e) => e.replayed)).toEqual([])
  })
})
