import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Stack } from '../../server/stack'
import { createTableFactory } from '../../src/query-keys'
import type { RealtimeSync, RealtimeSyncOptions } from '../../src/realtime-sync'
import type { UnconfirmedEvent } from '../../src/types'
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
 * The engine confirms its own writes (src/write-confirmations.ts), end to end: the real
 * supabase-js client writes through the stack's REST, the engine follows the write, and a write
 * whose change never comes back is logged as `unconfirmed` with the cause the engine found.
 * Each test has its own organization. contacts has no realtime trigger in this file (dropped in
 * beforeAll): a table that is not tracked.
 */

let stack: Stack
let world: TestWorld & { org: (name: string) => string }
const cleanups: Cleanups = []
const deals = createTableFactory('deals')
const ORGS = ['untracked', 'refused', 'other', 'unpublished', 'healthy']
/** Small, so the tests wait little; real timers. */
const WRITE_CONFIRM_MS = 500

beforeAll(async () => {
  stack = await startTestStack()
  world = await createWorld(stack, ORGS, { dot: ORGS.filter((org) => org !== 'other') })
  await stack.database.query('drop trigger trigger_notify_org_change on public.contacts')
}, STACK_START_TIMEOUT)

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

afterAll(async () => {
  await stack?.close()
})

function start(orgId: string, options: Partial<RealtimeSyncOptions> = {}): EngineOnStack {
  return engineOnStack(stack, world.users.dot!, [orgId], cleanups, {
    writeConfirmMs: WRITE_CONFIRM_MS,
    ...options,
  })
}

/**
 * Waits until the organization's channel is live (replication ready) and, with queries on
 * screen, its first replay is done: a replayed change of a row confirms a write of it that
 * waits, whatever its age.
 */
async function live(sync: RealtimeSync, orgId: string, replay = false): Promise<void> {
  await vi.waitFor(
    () => {
      const channel = sync.getChannels().find((state) => state.orgId === orgId)
      if (channel?.replication !== 'ready') {
        throw new Error(`${orgId} not live: ${JSON.stringify(channel)}`)
      }
      if (replay && !eventsOfKind(sync.getEvents(), 'resync').some((e) => e.orgId === orgId)) {
        throw new Error(`${orgId}: no replay yet`)
      }
    },
    { timeout: 15_000, interval: 10 },
  )
}

function unconfirmedOf(sync: RealtimeSync, recordId: string): UnconfirmedEvent[] {
  return eventsOfKind(sync.getEvents(), 'unconfirmed').filter((e) => e.recordId === recordId)
}

/** Polls the engine's log until the row's write is logged unconfirmed; fails after 10 s. */
function unconfirmed(sync: RealtimeSync, recordId: string): Promise<UnconfirmedEvent> {
  return vi.waitFor(
    () => {
      const found = unconfirmedOf(sync, recordId)[0]
      if (found === undefined) throw new Error(`no unconfirmed for ${recordId} yet`)
      return found
    },
    { timeout: 10_000, interval: 20 },
  )
}

async function insertContact(orgId: string): Promise<string> {
  const result = await stack.database.query<{ id: string }>(
    `insert into public.contacts (organization_id, name) values ($1::text, 'Ada') returning id::text`,
    [orgId],
  )
  return result.rows[0]!.id
}

async function eventRows(table: string, recordId: string): Promise<number> {
  const result = await stack.database.query<{ count: number }>(
    `select count(*)::int as count from public.realtime_table_events
     where table_name = $1::text and record_id = $2::text`,
    [table, recordId],
  )
  return result.rows[0]!.count
}

describe('the engine confirms its own writes, through the stack', () => {
  it('a table without its trigger: no-event-row after writeConfirmMs', async () => {
    const org = world.org('untracked')
    const contact = await insertContact(org)
    const { sync, supabase } = start(org)
    await live(sync, org)

    sync.markLocalWrite('contacts', contact)
    const { error } = await supabase.from('contacts').update({ name: 'Ada L.' }).eq('id', contact)
    expect(error).toBeNull()

    const event = await unconfirmed(sync, contact)
    expect(event).toMatchObject({ table: 'contacts', cause: 'no-event-row' })
    expect(event.ageMs).toBeGreaterThanOrEqual(WRITE_CONFIRM_MS)
    expect(event.orgId).toBeUndefined()
    expect(event.replayed).toBeUndefined()
    const write = eventsOfKind(sync.getEvents(), 'write').find((e) => e.recordId === contact)
    expect(event.relatedSeq).toBe(write?.seq)
    // The write happened; the trigger that would have recorded it is gone.
    const row = await stack.database.query<{ name: string }>(
      'select name from public.contacts where id = $1::text::uuid',
      [contact],
    )
    expect(row.rows[0]?.name).toBe('Ada L.')
    expect(await eventRows('contacts', contact)).toBe(0)
  })

  it('a write RLS refuses: the app calls writeFailed, write-failed at once', async () => {
    const org = world.org('refused')
    const { sync, supabase } = start(org)
    await live(sync, org)

    // A deal in an organization dot is not a member of: the policy's with check refuses it.
    const id = randomUUID()
    sync.markLocalWrite('deals', id)
    const { error } = await supabase
      .from('deals')
      .insert({ id, organization_id: world.org('other'), title: 'not mine' })
    expect(error?.code).toBe('42501')
    sync.writeFailed('deals', id)

    // Synchronously: no wait for writeConfirmMs.
    const [event, ...more] = unconfirmedOf(sync, id)
    expect(more).toEqual([])
    expect(event).toMatchObject({ table: 'deals', recordId: id, cause: 'write-failed' })
    expect(event!.ageMs).toBeLessThan(WRITE_CONFIRM_MS)
    expect(await eventRows('deals', id)).toBe(0)
  })

  it('realtime_table_events out of the publication: not-delivered, and the replay updates the query', async () => {
    const org = world.org('unpublished')
    const deal = await insertDeal(stack, org, { title: 'before', value: 1 })
    // The replayed row is this user's own change: outside the echo window it is applied, as
    // with the defaults (echoWindowMs 3 s < writeConfirmMs 5 s).
    const screen = start(org, { echoWindowMs: 100 })
    const { sync, supabase, queryClient } = screen
    const key = deals.record(deal)
    await screen.show(key, deal)
    await live(sync, org, true)
    expect(queryClient.getQueryData(key)).toEqual([{ id: deal, title: 'before', value: 1 }])

    await stack.database.query(
      'alter publication supabase_realtime drop table public.realtime_table_events',
    )
    try {
      sync.markLocalWrite('deals', deal)
      const { error } = await supabase.from('deals').update({ title: 'after' }).eq('id', deal)
      expect(error).toBeNull()

      const event = await unconfirmed(sync, deal)
      expect(event).toMatchObject({
        table: 'deals',
        cause: 'not-delivered',
        orgId: org,
        replayed: true,
      })
      expect(event.ageMs).toBeGreaterThanOrEqual(WRITE_CONFIRM_MS)
      // The event row was written by the trigger; only Realtime did not deliver it.
      expect(await eventRows('deals', deal)).toBeGreaterThan(0)
      // Its row went down the live path: received (replayed, after the unconfirmed entry; the
      // first subscription's replay may have replayed the fixture's insert), and the query refetched.
      const received = eventsOfKind(sync.getEvents(), 'received').find(
        (e) => e.seq > event.seq && e.recordId === deal && e.replayed === true,
      )
      expect(received).toMatchObject({ table: 'deals', op: 'UPDATE', orgId: org })
      await vi.waitFor(
        () => {
          expect(queryClient.isFetching()).toBe(0)
          expect(queryClient.getQueryData(key)).toEqual([{ id: deal, title: 'after', value: 1 }])
          const invalidated = eventsOfKind(sync.getEvents(), 'invalidated').find((e) =>
            e.causes.includes(received!.seq),
          )
          expect(invalidated?.matchedKeys ?? []).toContainEqual(key)
        },
        { timeout: 10_000, interval: 20 },
      )
    } finally {
      await stack.database.query(
        'alter publication supabase_realtime add table public.realtime_table_events',
      )
    }
  })

  it('a healthy write: its echo confirms it, no unconfirmed', async () => {
    const org = world.org('healthy')
    const deal = await insertDeal(stack, org, { title: 'healthy' })
    const contact = await insertContact(org)
    const { sync, supabase } = start(org)
    await live(sync, org)

    sync.markLocalWrite('deals', deal)
    const { error } = await supabase.from('deals').update({ stage: 'won' }).eq('id', deal)
    expect(error).toBeNull()
    await vi.waitFor(
      () => {
        const echo = eventsOfKind(sync.getEvents(), 'echo').find((e) => e.recordId === deal)
        if (echo === undefined) throw new Error('no echo yet')
      },
      { timeout: 10_000, interval: 20 },
    )

    // A later write of the untracked table times out after the deal's would have: once it is
    // logged, the deal's window has passed too (no fixed sleep).
    sync.markLocalWrite('contacts', contact)
    const { error: contactError } = await supabase
      .from('contacts')
      .update({ name: 'Grace' })
      .eq('id', contact)
    expect(contactError).toBeNull()
    expect(await unconfirmed(sync, contact)).toMatchObject({ cause: 'no-event-row' })

    expect(eventsOfKind(sync.getEvents(), 'unconfirmed').map((e) => e.recordId)).toEqual([contact])
  })
})
