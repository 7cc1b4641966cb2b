import { describe, expect, it } from 'vitest'
import { describeEvent } from '../../src/describe-event'
import type { RealtimeSyncOptions } from '../../src/realtime-sync'
import { fakeEngineFile, ORG } from '../support/fake-engine'
import { settle } from '../support/fake-supabase'

/**
 * `transport: 'broadcast'`: the same pipeline fed by the private topic org:<id> (the trigger's
 * realtime.send) instead of postgres_changes. The real client against the local stack is in
 * test/server/; these are the engine's rules, with fake time.
 */
const engine = fakeEngineFile()
const setup = (options: Partial<RealtimeSyncOptions> = {}) =>
  engine({ transport: 'broadcast', ...options })

describe("transport: 'broadcast'", () => {
  it('joins the private topic after setAuth(), listens to broadcasts only, and is live at SUBSCRIBED', async () => {
    const t = setup()
    t.supabase.holdReplication = true
    await settle()
    expect(t.supabase.actions).toEqual(['setAuth', `subscribe realtime:org:${ORG}`])
    const channel = t.supabase.channelFor(ORG)
    expect(channel.isPrivate).toBe(true)
    expect(channel.bindings).toEqual([])
    expect(channel.broadcastBindings.map((b) => b.event)).toEqual(['*'])

    t.supabase.subscribeAll()
    await settle()
    // No "Subscribed to PostgreSQL" on a broadcast topic: the join itself is the live point.
    expect(t.sync.getChannels()).toEqual([
      expect.objectContaining({
        topic: `org:${ORG}`,
        status: 'SUBSCRIBED',
        replication: 'ready',
        transport: 'broadcast',
      }),
    ])
    const live = t.events('channel').at(-1)!
    expect(live).toMatchObject({ channel: { status: 'SUBSCRIBED' }, note: 'live', waitedMs: 0 })
    expect(t.sync.getChannels()[0]?.lastNote).toEqual({ note: 'live', waitedMs: 0 })
    expect(describeEvent(live)).toBe(
      `org:${ORG} SUBSCRIBED: live 0 ms after SUBSCRIBED: changes are delivered from here on`,
    )
  })

  it('runs a broadcast through the same pipeline: received, dedup by event id, batched invalidation of the matching keys', async () => {
    const t = setup()
    await settle()
    t.supabase.subscribeAll()
    await settle()
    t.advance(200)
    t.world.active(['deals', 'list'])
    t.world.active(['deals', 'record', 'deal-1'])
    t.world.active(['deals', 'record', 'deal-2'])
    await settle()
    const fetchesBefore = t.world.totalFetches()

    const row = t.supabase.commit({ organization_id: ORG, record_id: 'deal-1', actor_id: 'bob' })
    // The same event row broadcast again (a redelivery): dropped by its id.
    t.supabase.channelFor(ORG).broadcast({
      type: 'broadcast',
      event: row.event_type,
      payload: { ...row },
      meta: { id: 'message-again' },
    })
    t.advance(200)
    await settle()

    const received = t.events('received')
    expect(received.map((e) => [e.recordId, e.eventId, e.commitTimestamp])).toEqual([
      ['deal-1', String(row.id), row.created_at],
    ])
    expect(t.events('deduped')).toEqual([
      expect.objectContaining({
        eventId: String(row.id),
        relatedSeq: received[0]!.seq,
        match: 'event-id',
      }),
    ])
    expect(describeEvent(t.events('deduped')[0]!)).toMatch(
      new RegExp(`^same event id ${row.id} as #${received[0]!.seq}`),
    )
    expect(t.world.fetches(['deals', 'record', 'deal-1'])).toBe(1)
    expect(t.world.fetches(['deals', 'record', 'deal-2'])).toBe(0)
    expect(t.world.totalFetches() - fetchesBefore).toBe(2)
  })

  it('says what a broadcast without an event row is, and counts it', async () => {
    const t = setup()
    await settle()
    t.supabase.subscribeAll()
    await settle()
    t.supabase.channelFor(ORG).broadcast({ type: 'broadcast', event: 'ping', payload: 'hello' })
    // Its payload is what a change's `new` row would be: read as a change.
    expect(t.events('malformed')).toEqual([
      expect.objectContaining({
        orgId: ORG,
        input: 'change',
        problem: 'invalid-value',
        field: 'new',
        found: 'string',
      }),
    ])
    expect(t.sync.getMetrics().reduce((sum, minute) => sum + minute.malformed, 0)).toBe(1)
  })

  it('replays what a gap missed from realtime_table_events, as with postgres_changes', async () => {
    const t = setup()
    await settle()
    t.supabase.subscribeAll()
    await settle()
    t.advance(200)
    t.world.active(['deals', 'record', 'deal-1'])
    await settle()
    t.supabase.commit({ organization_id: ORG, record_id: 'deal-2' })
    t.advance(200)
    t.supabase.dropSocket()
    t.advance(2_000)
    t.supabase.commit({ organization_id: ORG, record_id: 'deal-1' }, { deliver: false })
    const fetchesBefore = t.world.totalFetches()
    t.supabase.reconnect()
    await settle()
    t.advance(200)
    await settle()
    const resync = t.events('resync').at(-1)!
    expect(resync).toMatchObject({
      orgId: ORG,
      replayed: true,
      replayedCount: 1,
      firstId: '2',
      lastId: '2',
    })
    expect(resync.fallback).toBeUndefined()
    expect(resync.gapMs).toBeGreaterThanOrEqual(2_000)
    expect(resync.gapMs).toBeLessThan(3_000)
    expect(describeEvent(resync)).toMatch(/replayed 1 event \(id 2\) missed during a 2\.\d s gap/)
    expect(t.world.totalFetches() - fetchesBefore).toBe(1)
  })

  it('refuses another transport with the names it takes', () => {
    expect(() => setup({ transport: 'websocket' as never })).toThrow(
      "createRealtimeSync: transport must be 'postgres_changes' or 'broadcast' (got \"websocket\")",
    )
  })
})
