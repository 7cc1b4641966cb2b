import type { SupabaseClient } from '@supabase/supabase-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Queryable } from '../../server/db/database'
import { type Stack, startStack } from '../../server/stack'
import { startThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres'
import {
  type BroadcastMessage,
  expectIsolated,
  fanOut,
  joinPrivate,
  send,
} from './broadcast-harness'
import {
  Collector,
  closeClient,
  createTestClient,
  createWorld,
  STACK_START_TIMEOUT,
  subscribe,
} from './stack-harness'

/**
 * Broadcast on a real Postgres server: the authorization probes (savepoints, a rolled-back
 * transaction) on a pooled connection, and the fan-out with transactions that overlap and
 * commit in any order, which PGlite's one session cannot show.
 */

let postgres: ThrowawayPostgres
let stack: Stack
const clients: SupabaseClient[] = []

beforeAll(async () => {
  postgres = await startThrowawayPostgres()
  stack = await startStack({
    port: 0,
    databaseUrl: postgres.url,
    seed: false,
    transport: 'broadcast',
  })
}, STACK_START_TIMEOUT)

afterAll(async () => {
  await Promise.all(clients.map(closeClient))
  await stack?.close()
  await postgres?.stop()
})

describe('Broadcast on a real Postgres server', () => {
  it('authorizes private joins by the policies: members in, a non-member refused with the reason', async () => {
    const world = await createWorld(stack, ['p'], { pam: ['p'], out: [] })
    const topic = `org:${world.org('p')}`
    const pam = createTestClient(stack, { token: world.users.pam!.token })
    const outsider = createTestClient(stack, { token: world.users.out!.token })
    clients.push(pam, outsider)
    const received = new Collector<BroadcastMessage>()
    await joinPrivate(pam, topic, received)
    await send(stack, topic, 'INSERT', { n: 1 })
    expect(await received.untilSome(() => true, 'the broadcast')).toMatchObject({
      event: 'INSERT',
      payload: { n: 1 },
      meta: { id: expect.any(String) },
    })

    await outsider.realtime.setAuth()
    const refused = outsider.channel(topic, { config: { private: true } })
    const error = await subscribe(refused).then(
      () => 'SUBSCRIBED',
      (rejected: Error) => rejected.message,
    )
    expect(error).toBe(
      `realtime:${topic}: CHANNEL_ERROR Unauthorized: You do not have permissions to read from this Channel topic: ${topic}`,
    )
    await outsider.removeChannel(refused)
    // The probes were rolled back.
    const probes = await stack.database.query<{ count: number }>(
      'select count(*)::int as count from realtime.messages where event is null',
    )
    expect(probes.rows[0]!.count).toBe(0)
  })

  it('relays in commit order: a send that commits first arrives first, whatever began first', async () => {
    const world = await createWorld(stack, ['order'], { ora: ['order'] })
    const topic = `org:${world.org('order')}`
    const ora = createTestClient(stack, { token: world.users.ora!.token, vsn: '1.0.0' })
    clients.push(ora)
    const received = new Collector<BroadcastMessage>()
    await joinPrivate(ora, topic, received)

    let releaseFirst!: () => void
    const firstMayCommit = new Promise<void>((resolve) => (releaseFirst = resolve))
    let firstSent!: () => void
    const firstHasSent = new Promise<void>((resolve) => (firstSent = resolve))
    const sendIn = (tx: Queryable, event: string) =>
      tx.query(`select realtime.send('{}'::jsonb, $1::text, $2::text, true)`, [event, topic])
    const first = stack.database.transaction(async (tx) => {
      await sendIn(tx, 'began-first')
      firstSent()
      await firstMayCommit
    })
    await firstHasSent
    await stack.database.transaction((tx) => sendIn(tx, 'committed-first'))
    await received.untilSome((m) => m.event === 'committed-first', 'the first commit')
    releaseFirst()
    await first
    await received.until((items) => items.length === 2, 'both broadcasts')
    expect(received.items.map((m) => m.event)).toEqual(['committed-first', 'began-first'])
  })

  it('1,000 writes across 5 organizations in overlapping transactions: 0 cross-organization deliveries, every event to its members', async () => {
    const result = await fanOut(
      stack,
      {
        transport: 'broadcast',
        writes: 1_000,
        orgCount: 5,
        rowsPerTransaction: 10,
        concurrency: 6,
        reassertMode: false,
      },
      clients,
    )
    expectIsolated(result)
  }, 120_000)
})
