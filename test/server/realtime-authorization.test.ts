import type { SupabaseClient } from '@supabase/supabase-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Stack } from '../../server/stack'
import {
  type ChangePayload,
  Collector,
  closeClient,
  createTestClient,
  createWorld,
  drainSocket,
  insertDeal,
  lastEventId,
  STACK_START_TIMEOUT,
  startTestStack,
  subscribe,
  type TestWorld,
} from './stack-harness'

let stack: Stack
let world: TestWorld & { org: (name: string) => string }
const clients: SupabaseClient[] = []

beforeAll(async () => {
  stack = await startTestStack()
  world = await createWorld(stack, ['a', 'b'], { ann: ['a'], ben: ['b'], dot: ['a', 'b'] })
}, STACK_START_TIMEOUT)

afterAll(async () => {
  await Promise.all(clients.map(closeClient))
  await stack?.close()
})

/** A subscriber the way the sync engine subscribes: realtime_table_events INSERT, by org filter. */
async function subscriber(token: string, topic: string, filter: string | undefined) {
  const client = createTestClient(stack, { token })
  clients.push(client)
  await client.realtime.setAuth()
  const events = new Collector<ChangePayload>()
  await subscribe(
    client.channel(topic).on(
      'postgres_changes',
      {
        event: 'INSERT',
        schema: 'public',
        table: 'realtime_table_events',
        ...(filter === undefined ? {} : { filter }),
      },
      events.push,
    ),
  )
  return {
    client,
    events,
    ids: () => events.items.map((e) => e.new.id as number).sort((x, y) => x - y),
  }
}

/** A seeded pseudo-random sequence (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('each subscriber receives only what RLS lets that user read', () => {
  it('many random writes: members of one organization never see the other one, a member of both sees both', async () => {
    const a = world.org('a')
    const b = world.org('b')
    const { ann, ben, dot } = world.users as Record<string, { token: string }>
    const annA = await subscriber(ann!.token, `org:${a}`, `organization_id=eq.${a}`)
    const benB = await subscriber(ben!.token, `org:${b}`, `organization_id=eq.${b}`)
    const dotA = await subscriber(dot!.token, `org:${a}`, `organization_id=eq.${a}`)
    const dotB = await subscriber(dot!.token, `org:${b}`, `organization_id=eq.${b}`)
    // Trying to read the other organization: asking for it by filter, or asking for everything.
    const annAsksForB = await subscriber(ann!.token, `org:${b}`, `organization_id=eq.${b}`)
    const benAsksForAll = await subscriber(ben!.token, 'everything', undefined)

    const seed = Date.now() % 100_000
    const next = random(seed)
    const from = await lastEventId(stack)
    const deals: Record<string, string[]> = { [a]: [], [b]: [] }
    const contacts: Record<string, string> = {}
    for (const org of [a, b]) {
      const contact = await stack.database.query<{ id: string }>(
        `insert into public.contacts (organization_id, name) values ($1::text, 'contact') returning id::text`,
        [org],
      )
      contacts[org] = contact.rows[0]!.id
    }
    for (let i = 0; i < 150; i++) {
      const org = next() < 0.5 ? a : b
      const roll = next()
      const existing = deals[org]!
      if (roll < 0.45 || existing.length === 0) {
        existing.push(await insertDeal(stack, org, { title: `deal ${i}`, value: i }))
      } else if (roll < 0.75) {
        const id = existing[Math.floor(next() * existing.length)]!
        await stack.database.query(
          `update public.deals set value = $2::text::numeric where id = $1::text::uuid`,
          [id, String(i)],
        )
      } else if (roll < 0.9) {
        // The junction table without organization_id: traced through its deal.
        const id = existing[Math.floor(next() * existing.length)]!
        await stack.database.query(
          `insert into public.deal_contacts (deal_id, contact_id) values ($1::text::uuid, $2::text::uuid) on conflict do nothing`,
          [id, contacts[org]!],
        )
      } else {
        const id = existing.splice(Math.floor(next() * existing.length), 1)[0]!
        await stack.database.query(`delete from public.deals where id = $1::text::uuid`, [id])
      }
    }
    // Moving a deal between organizations reports it to both (as two events).
    const moving = await insertDeal(stack, a, { title: 'moves' })
    await stack.database.query(
      `update public.deals set organization_id = $2::text where id = $1::text::uuid`,
      [moving, b],
    )

    const expected = await stack.database.query<{ id: number; organization_id: string }>(
      `select id::int, organization_id from public.realtime_table_events where id > $1::int and organization_id = any($2::text[]) order by id`,
      [from, [a, b]],
    )
    const idsOf = (org: string) =>
      expected.rows.filter((row) => row.organization_id === org).map((row) => row.id)
    const lastOf = (org: string) => idsOf(org).at(-1)!
    const hasId = (id: number) => (items: ChangePayload[]) => items.some((e) => e.new.id === id)
    await annA.events.until(hasId(lastOf(a)), `ann's last event (seed ${seed})`)
    await dotA.events.until(hasId(lastOf(a)), `dot's last event of a (seed ${seed})`)
    await benB.events.until(hasId(lastOf(b)), `ben's last event (seed ${seed})`)
    await dotB.events.until(hasId(lastOf(b)), `dot's last event of b (seed ${seed})`)
    await benAsksForAll.events.until(
      hasId(lastOf(b)),
      `ben's last event, unfiltered (seed ${seed})`,
    )
    await stack.realtime.idle()
    await drainSocket(annAsksForB.client)

    expect(idsOf(a).length + idsOf(b).length).toBeGreaterThan(100)
    expect(annA.ids()).toEqual(idsOf(a))
    expect(dotA.ids()).toEqual(idsOf(a))
    expect(benB.ids()).toEqual(idsOf(b))
    expect(dotB.ids()).toEqual(idsOf(b))
    expect(benAsksForAll.ids()).toEqual(idsOf(b))
    expect(annAsksForB.ids()).toEqual([])
  })

  it('delivers nothing to anon, for the event table and for the rows themselves', async () => {
    const a = world.org('a')
    const anon = createTestClient(stack)
    clients.push(anon)
    const events = new Collector<ChangePayload>()
    const rows = new Collector<ChangePayload>()
    await subscribe(
      anon
        .channel(`org:${a}`)
        .on(
          'postgres_changes',
          {
            event: 'INSERT',
            schema: 'public',
            table: 'realtime_table_events',
            filter: `organization_id=eq.${a}`,
          },
          events.push,
        )
        .on('postgres_changes', { event: '*', schema: 'public', table: 'deals' }, rows.push),
    )
    const dealId = await insertDeal(stack, a, { title: 'anon must not see this' })
    await stack.database.query(
      `update public.deals set title = 'still not' where id = $1::text::uuid`,
      [dealId],
    )
    await stack.database.query(`delete from public.deals where id = $1::text::uuid`, [dealId])
    await stack.realtime.idle()
    await drainSocket(anon)
    expect(events.items).toEqual([])
    expect(rows.items).toEqual([])
  })

  it('stops delivering at once when a membership is removed (RLS is evaluated per change)', async () => {
    const extra = await createWorld(stack, ['c'], { cal: ['c'] })
    const c = extra.org('c')
    const cal = await subscriber(extra.users.cal!.token, `org:${c}`, `organization_id=eq.${c}`)
    const watcher = await subscriber(stack.serviceRoleKey, 'service', `organization_id=eq.${c}`)
    const before = await insertDeal(stack, c, { title: 'while a member' })
    await cal.events.untilSome((e) => e.new.record_id === before, 'the change while a member')

    await stack.database.query(
      `delete from public.organization_members where user_id = $1::text::uuid`,
      [extra.users.cal!.id],
    )
    const after = await insertDeal(stack, c, { title: 'after leaving' })
    // The service role (BYPASSRLS) sees it; once it has, cal's socket has had its chance.
    await watcher.events.untilSome((e) => e.new.record_id === after, 'the service role copy')
    await stack.realtime.idle()
    await drainSocket(cal.client)
    expect(cal.events.items.map((e) => e.new.record_id)).toEqual([before])
  })
})
