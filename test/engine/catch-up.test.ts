import { describe, expect, it } from 'vitest'
import { describeChannelNote, describeEvent } from '../../src/describe-event'
import { REPLICATION_WAIT_MS } from '../../src/org-channels'
import type { RealtimeSyncOptions } from '../../src/realtime-sync'
import { fakeEngineFile, ORG } from '../support/fake-engine'
import { keysOf } from '../support/events'
import { settle } from '../support/fake-supabase'

/** The replay after a gap (src/catch-up.ts), with fake time and FakeSupabase's events table. */
const setup = fakeEngineFile()

describe('the first subscription', () => {
  it('with nothing changed since the data loaded: one read, 0 refetches', async () => {
    const t = setup()
    t.world.active(['deals', 'list'])
    t.world.active(['deals', 'record', 'deal-1'])
    await settle()
    await t.goLive()
    // The organization's newest row anchors the window on the database's clock: with none,
    // nothing can be missing, and the window itself is not read.
    expect(t.supabase.reads).toEqual([`organization_id=eq.${ORG}&order=id.desc&limit=1`])
    const resyncs = t.events('resync')
    expect(resyncs).toEqual([
      expect.objectContaining({
        orgId: ORG,
        first: true,
        gapMs: 0,
        replayed: true,
        replayedCount: 0,
        rereadCount: 0,
      }),
    ])
    expect(resyncs[0]!.fallback).toBeUndefined()
    expect(resyncs.map(describeEvent)).toEqual([
      `org:${ORG} live: nothing was missed since the oldest loaded data of ${ORG} (0.0 s before the channel was live): 0 refetches`,
    ])
    // Nothing replayed: no pass.
    expect(t.events('invalidated')).toEqual([])
    expect(t.world.totalFetches()).toBe(0)
  })

  it('with 3 changes after the data loaded: only the affected queries refetch', async () => {
    const t = setup()
    t.world.active(['deals', 'list'])
    t.world.active(['deals', 'record', 'deal-1'])
    t.world.active(['deals', 'record', 'deal-2'])
    t.world.active(['contacts', 'list'])
    await settle()
    t.advance(1_000)
    for (const record of ['deal-1', 'deal-1', 'deal-9']) {
      t.supabase.commit({ organization_id: ORG, record_id: record }, { createdAt: t.iso() })
    }
    await t.goLive()
    const replayed = t.events('received')
    expect(replayed.map((e) => [e.replayed, e.eventId, e.recordId])).toEqual([
      [true, '1', 'deal-1'],
      [true, '2', 'deal-1'],
      [true, '3', 'deal-9'],
    ])
    const resync = t.events('resync')[0]!
    expect(resync).toMatchObject({
      first: true,
      gapMs: 1_000,
      replayed: true,
      replayedCount: 3,
      rereadCount: 0,
      firstId: '1',
      lastId: '3',
    })
    expect(describeEvent(resync)).toBe(
      `org:${ORG} live: replayed 3 events (ids 1–3) missed since the oldest loaded data of ${ORG} (1.0 s before the channel was live)`,
    )
    expect(keysOf(t.events(), resync)).toEqual([
      ['deals', 'list'],
      ['deals', 'record', 'deal-1'],
    ])
    // One pass for the resync and its three rows.
    expect(t.events('invalidated')).toEqual([
      expect.objectContaining({
        trigger: 'batch',
        causes: [resync.seq, ...replayed.map((e) => e.seq)],
      }),
    ])
    expect(t.world.fetches(['deals', 'list'])).toBe(1)
    expect(t.world.fetches(['deals', 'record', 'deal-1'])).toBe(1)
    expect(t.world.fetches(['deals', 'record', 'deal-2'])).toBe(0)
    expect(t.world.fetches(['contacts', 'list'])).toBe(0)
  })

  it('with nothing loaded yet: no read and nothing logged', async () => {
    const t = setup()
    await settle()
    await t.goLive()
    expect(t.supabase.reads).toEqual([])
    expect(t.events('resync')).toEqual([])
  })
})

describe('after a gap', () => {
  async function liveWithList(options: Partial<RealtimeSyncOptions> = {}) {
    const t = setup(options)
    await settle()
    await t.goLive()
    t.world.active(['deals', 'list'])
    t.world.active(['deals', 'record', 'deal-1'])
    t.world.active(['deals', 'record', 'deal-2'])
    return t
  }

  it('reads after the last event seen, replays only what it missed, and says so', async () => {
    const t = await liveWithList()
    const seen = t.supabase.commit(
      { organization_id: ORG, record_id: 'deal-2' },
      { createdAt: t.iso() },
    )
    t.advance(200)
    t.supabase.dropSocket()
    t.advance(3_000)
    t.supabase.commit(
      { organization_id: ORG, record_id: 'deal-1' },
      { deliver: false, createdAt: t.iso() },
    )
    t.advance(200)
    const fetchesBefore = t.world.totalFetches()
    t.supabase.reconnect()
    await settle()
    t.advance(200)

    expect(t.supabase.reads.at(-1)).toBe(
      `organization_id=eq.${ORG}&or=(id.gt.${seen.id},created_at.gte."${new Date(Date.parse(seen.created_at) - 10_000).toISOString()}")&limit=1000`,
    )
    const resync = t.events('resync').at(-1)!
    expect(resync).toMatchObject({
      gapMs: 3_200,
      replayed: true,
      replayedCount: 1,
      rereadCount: 1,
      firstId: '2',
      lastId: '2',
    })
    expect(resync.first).toBeUndefined()
    expect(describeEvent(resync)).toBe(
      `org:${ORG} live: replayed 1 event (id 2) missed during a 3.2 s gap (1 event re-read and already seen)`,
    )
    expect(keysOf(t.events(), resync)).toEqual([
      ['deals', 'list'],
      ['deals', 'record', 'deal-1'],
    ])
    expect(t.world.totalFetches() - fetchesBefore).toBe(2)
    expect(t.world.fetches(['deals', 'record', 'deal-2'])).toBe(1) // its live delivery only
  })

  it('with no event seen yet, reads from the previous live point: a socket can die long before the client notices', async () => {
    const t = await liveWithList()
    t.advance(5_000)
    // The socket is already dead (no heartbeat answer yet): this commit is never delivered.
    t.supabase.commit(
      { organization_id: ORG, record_id: 'deal-1' },
      { deliver: false, createdAt: t.iso() },
    )
    t.advance(35_000)
    t.supabase.dropSocket()
    t.supabase.reconnect()
    await settle()
    t.advance(200)
    expect(t.events('received').map((e) => [e.replayed, e.recordId])).toEqual([[true, 'deal-1']])
    expect(t.world.fetches(['deals', 'record', 'deal-1'])).toBe(1)
  })

  it('an organization left and joined again replays what changed in between', async () => {
    const t = await liveWithList()
    await t.sync.setOrganizationIds([])
    await settle()
    t.advance(2_000)
    t.supabase.commit(
      { organization_id: ORG, record_id: 'deal-2' },
      { deliver: false, createdAt: t.iso() },
    )
    await t.sync.setOrganizationIds([ORG])
    await settle()
    await t.goLive()
    const resync = t.events('resync').at(-1)!
    expect(resync).toMatchObject({ gapMs: 2_000, replayed: true, replayedCount: 1, firstId: '1' })
    expect(describeEvent(resync)).toMatch(/replayed 1 event \(id 1\) missed during a 2\.0 s gap/)
    expect(t.world.fetches(['deals', 'record', 'deal-2'])).toBe(1)
  })

  it('a channel live for an hour reads only the overlap before the last event, not the hour', async () => {
    const t = await liveWithList()
    for (let minute = 0; minute < 50; minute++) {
      t.advance(60_000)
      t.supabase.commit({ organization_id: ORG, record_id: 'deal-2' }, { createdAt: t.iso() })
    }
    t.supabase.dropSocket()
    t.advance(1_000)
    t.supabase.reconnect()
    await settle()
    t.advance(200)
    const resync = t.events('resync').at(-1)!
    expect(resync).toMatchObject({ gapMs: 1_000, replayed: true, replayedCount: 0, rereadCount: 1 })
    expect(describeEvent(resync)).toBe(
      `org:${ORG} live: nothing was missed during a 1.0 s gap: 0 refetches (1 event re-read and already seen)`,
    )
  })

  it('nothing missed: 0 refetches', async () => {
    const t = await liveWithList()
    t.supabase.dropSocket()
    t.advance(5_000)
    t.supabase.reconnect()
    await settle()
    t.advance(200)
    const resync = t.events('resync').at(-1)!
    expect(resync).toMatchObject({ gapMs: 5_000, replayed: true, replayedCount: 0, rereadCount: 0 })
    expect(describeEvent(resync)).toBe(
      `org:${ORG} live: nothing was missed during a 5.0 s gap: 0 refetches`,
    )
    expect(t.world.totalFetches()).toBe(0)
  })

  it('catches a smaller id that commits after a larger one was delivered (out-of-order commit)', async () => {
    const t = await liveWithList()
    // Transaction A inserts id 1 and stays open; B inserts id 2 and commits first.
    const startOfA = t.iso()
    t.advance(1_000)
    t.supabase.events.push({
      id: 1,
      organization_id: ORG,
      table_name: 'deals',
      event_type: 'UPDATE',
      record_id: 'deal-1',
      actor_id: null,
      created_at: startOfA,
    })
    const rowA = t.supabase.events.pop()!
    t.supabase.commit({ id: 2, organization_id: ORG, record_id: 'deal-2' }, { createdAt: t.iso() })
    t.advance(200)
    t.supabase.dropSocket()
    // A commits while the channel is down: visible now, never delivered.
    t.supabase.commit(rowA, { deliver: false, createdAt: startOfA })
    t.advance(2_000)
    t.supabase.reconnect()
    await settle()
    t.advance(200)
    expect(
      t
        .events('received')
        .filter((e) => e.replayed)
        .map((e) => e.eventId),
    ).toEqual(['1'])
    expect(t.world.fetches(['deals', 'record', 'deal-1'])).toBe(1)
  })

  it('reads page after page, in one pass', async () => {
    const t = await liveWithList({ maxReplay: 3_000 })
    t.supabase.commit({ organization_id: ORG, record_id: 'deal-0' }, { createdAt: t.iso() })
    t.supabase.dropSocket()
    for (let i = 0; i < 2_500; i++) {
      t.supabase.commit(
        { organization_id: ORG, record_id: `deal-${i % 50}` },
        { deliver: false, createdAt: t.iso() },
      )
    }
    t.supabase.reconnect()
    await settle()
    t.advance(200)
    const reads = t.supabase.reads.slice(-3)
    expect(reads.map((read) => /id=gt\.\d+&limit=\d+$|limit=\d+$/.exec(read)?.[0])).toEqual([
      'limit=1000',
      'id=gt.1000&limit=1000',
      'id=gt.2000&limit=1000',
    ])
    expect(t.events('received').filter((e) => e.replayed)).toHaveLength(2_500)
    const resync = t.events('resync').at(-1)!
    expect(resync).toMatchObject({
      replayed: true,
      replayedCount: 2_500,
      firstId: '2',
      lastId: '2501',
    })
    expect(describeEvent(resync)).toMatch(/replayed 2,?500 events \(ids 2–2501\)/)
    expect(t.world.fetches(['deals', 'list'])).toBe(1) // the live change shares the replay's pass
  })

  it('a replayed change that also arrives live is a duplicate, and the echo rule applies', async () => {
    const t = await liveWithList()
    t.supabase.dropSocket()
    t.sync.markLocalWrite('deals', 'deal-2')
    const own = t.supabase.commit(
      { organization_id: ORG, record_id: 'deal-2', actor_id: 'user-alice' },
      { deliver: false, createdAt: t.iso() },
    )
    const teammate = t.supabase.commit(
      { organization_id: ORG, record_id: 'deal-1' },
      { deliver: false, createdAt: t.iso() },
    )
    t.supabase.reconnect()
    await settle()
    // Realtime delivers the teammate's change too (at-least-once, across the rejoin).
    t.supabase
      .channelFor(ORG)
      .deliver({ new: { ...teammate }, commit_timestamp: teammate.created_at })
    t.advance(200)
    const changes = [...t.events('received'), ...t.events('deduped'), ...t.events('echo')]
    const byId = (id: number) =>
      changes
        .filter((e) => e.eventId === String(id))
        .sort((a, b) => a.seq - b.seq)
        .map((e) => [e.kind, e.replayed])
    expect(byId(own.id)).toEqual([['echo', true]])
    expect(byId(teammate.id)).toEqual([
      ['received', true],
      ['deduped', undefined],
    ])
    const write = t.events('write')[0]!
    expect(changes.find((e) => e.eventId === String(own.id))).toMatchObject({
      relatedSeq: write.seq,
      match: 'same-actor',
    })
    const first = changes.find((e) => e.eventId === String(teammate.id) && e.kind === 'received')!
    expect(changes.find((e) => e.kind === 'deduped')).toMatchObject({
      relatedSeq: first.seq,
      match: 'event-id',
    })
  })
})

describe('when it refetches instead, it says why', () => {
  async function gap(
    options: Partial<RealtimeSyncOptions>,
    during?: (t: ReturnType<typeof setup>) => void,
  ) {
    const t = setup(options)
    await settle()
    await t.goLive()
    t.world.active(['deals', 'list'])
    t.world.active(['contacts', 'list'])
    t.supabase.dropSocket()
    during?.(t)
    t.supabase.reconnect()
    await settle()
    t.advance(200)
    return t
  }

  it('more than maxReplay missed', async () => {
    const t = await gap({ maxReplay: 2 }, (t) => {
      for (let i = 0; i < 3; i++)
        t.supabase.commit({ organization_id: ORG }, { deliver: false, createdAt: t.iso() })
    })
    const resync = t.events('resync').at(-1)!
    expect(resync).toMatchObject({ fallback: 'over-max-replay', maxReplay: 2 })
    expect(describeEvent(resync)).toMatch(
      /cannot be replayed \(more than maxReplay \(2\) events were missed\), so every query of org_acme is refetched$/,
    )
    expect(resync.replayed).toBeUndefined()
    expect(keysOf(t.events(), resync)).toEqual(
      expect.arrayContaining([
        ['deals', 'list'],
        ['contacts', 'list'],
      ]),
    )
    expect(t.world.fetches(['contacts', 'list'])).toBe(1)
  })

  it('the read fails', async () => {
    const t = await gap({}, (t) => {
      t.supabase.failReads = 1
    })
    const resync = t.events('resync').at(-1)!
    expect(resync).toMatchObject({
      fallback: 'read-failed',
      error: expect.stringMatching(/permission denied for table realtime_table_events/),
    })
    expect(resync.replayed).toBeUndefined()
    expect(describeEvent(resync)).toMatch(
      /reading realtime_table_events failed: permission denied for table realtime_table_events/,
    )
    expect(t.world.fetches(['contacts', 'list'])).toBe(1)
  })

  it('replay is off', async () => {
    const t = await gap({ replay: false })
    const resync = t.events('resync').at(-1)!
    expect(resync).toMatchObject({ fallback: 'replay-off' })
    expect(resync.replayed).toBeUndefined()
    expect(describeEvent(resync)).toMatch(/replay is off \(replay: false\)/)
    expect(t.world.fetches(['contacts', 'list'])).toBe(1)
    expect(t.supabase.reads).toEqual([])
  })

  it('the gap reaches past the retention of realtime_table_events', async () => {
    const t = await gap({}, (t) => t.advance(3_600_000))
    const resync = t.events('resync').at(-1)!
    expect(resync).toMatchObject({
      gapMs: 3_600_000,
      fallback: 'past-retention',
      retentionMs: 3_600_000,
    })
    expect(describeEvent(resync)).toMatch(
      /during a 1 h gap cannot be replayed \(it reaches past the 1 h that realtime_table_events keeps\)/,
    )
    expect(t.supabase.reads).toEqual([])
  })
})

describe('live means replication is ready', () => {
  it('waits for "Subscribed to PostgreSQL" before it reads, and shows the wait', async () => {
    const t = setup()
    t.supabase.holdReplication = true
    t.world.active(['deals', 'list'])
    await settle()
    t.supabase.subscribeAll()
    await settle()
    expect(t.sync.getChannels()[0]).toMatchObject({ status: 'SUBSCRIBED', replication: 'waiting' })
    expect(t.supabase.reads).toEqual([])
    t.advance(1_500)
    t.supabase.channelFor(ORG).system('ok')
    await settle()
    expect(t.sync.getChannels()[0]).toMatchObject({
      replication: 'ready',
      liveAt: t.scheduler.now(),
      subscribedAt: t.scheduler.now() - 1_500,
    })
    expect(t.supabase.reads).toHaveLength(1)
  })

  it('calls a channel live after the wait runs out, with a warning', async () => {
    const t = setup()
    t.supabase.holdReplication = true
    await settle()
    t.supabase.subscribeAll()
    t.advance(REPLICATION_WAIT_MS)
    expect(t.sync.getChannels()[0]).toMatchObject({
      replication: 'ready',
      lastNote: { note: 'live-unconfirmed', waitedMs: REPLICATION_WAIT_MS },
    })
    const warning = t.events('channel').at(-1)!
    expect(warning).toMatchObject({ note: 'live-unconfirmed', waitedMs: REPLICATION_WAIT_MS })
    expect(describeEvent(warning)).toMatch(
      /no "Subscribed to PostgreSQL" from the server within 15\.0 s of SUBSCRIBED: treated as live/,
    )
  })

  it("shows the server's error when it cannot subscribe to PostgreSQL", async () => {
    const t = setup()
    t.supabase.holdReplication = true
    await settle()
    t.supabase.subscribeAll()
    t.supabase.channelFor(ORG).system('error', 'invalid column for filter organization_id')
    expect(t.sync.getChannels()[0]).toMatchObject({
      replication: 'error',
      lastNote: {
        note: 'replication-failed',
        error: 'invalid column for filter organization_id',
      },
    })
    expect(describeChannelNote(t.sync.getChannels()[0]!.lastNote!, `org:${ORG}`)).toBe(
      'the server could not subscribe to PostgreSQL: invalid column for filter organization_id',
    )
  })
})

describe('a channel the server closed', () => {
  it('rejoins with a fresh token and replays what it missed; the log says which', async () => {
    const t = setup()
    await settle()
    await t.goLive()
    t.world.active(['deals', 'record', 'deal-1'])
    const channel = t.supabase.channelFor(ORG)
    channel.system('error', 'Token has expired 3 seconds ago', 'system')
    channel.setStatus('CLOSED')
    t.supabase.commit(
      { organization_id: ORG, record_id: 'deal-1' },
      { deliver: false, createdAt: t.iso() },
    )
    const closed = t.events('channel').at(-1)!
    expect(closed).toMatchObject({
      channel: { status: 'CLOSED' },
      note: 'closed-by-server',
      error: 'Token has expired 3 seconds ago',
      delayMs: 1_000,
    })
    expect(describeEvent(closed)).toBe(
      `org:${ORG} CLOSED: the server closed the channel (Token has expired 3 seconds ago): rejoining in 1000 ms with a fresh token from setAuth()`,
    )
    t.supabase.actions.length = 0
    t.advance(1_000)
    await settle()
    expect(t.supabase.actions).toEqual([
      'remove realtime:org:org_acme',
      'setAuth',
      'subscribe realtime:org:org_acme',
    ])
    t.supabase.subscribeAll()
    await settle()
    t.advance(200)
    const resync = t.events('resync').at(-1)!
    expect(resync).toMatchObject({ gapMs: 1_000, replayed: true, replayedCount: 1, firstId: '1' })
    expect(describeEvent(resync)).toMatch(/replayed 1 event \(id 1\) missed during a 1\.0 s gap/)
    expect(t.world.fetches(['deals', 'record', 'deal-1'])).toBe(1)
    expect(t.sync.getChannels()[0]).toMatchObject({ status: 'SUBSCRIBED', subscribedCount: 2 })
  })
})

/**
 * The page's clock (the scheduler, Date and so dataUpdatedAt) against the database's (created_at
 * and commit_timestamp): windows and latencies must not compare the two.
 */
describe("a page whose clock is off the database's", () => {
  const FIVE_MINUTES = 300_000

  for (const [name, pageAhead] of [
    ['ahead', FIVE_MINUTES],
    ['behind', -FIVE_MINUTES],
  ] as const) {
    it(`5 min ${name}: a change between the first fetch and live is replayed`, async () => {
      const t = setup()
      t.world.active(['deals', 'list'])
      await settle()
      t.advance(1_000)
      t.supabase.commit(
        { organization_id: ORG, record_id: 'deal-9' },
        { deliver: false, createdAt: t.iso(-pageAhead) },
      )
      await t.goLive()
      expect(t.events('received').map((e) => [e.replayed, e.recordId])).toEqual([[true, 'deal-9']])
      expect(t.world.fetches(['deals', 'list'])).toBe(1)
    })

    it(`5 min ${name}: a change during a gap with no event seen yet is replayed`, async () => {
      const t = setup()
      await settle()
      await t.goLive()
      t.world.active(['deals', 'list'])
      t.advance(2_000)
      t.supabase.dropSocket()
      t.advance(1_000)
      t.supabase.commit(
        { organization_id: ORG, record_id: 'deal-9' },
        { deliver: false, createdAt: t.iso(-pageAhead) },
      )
      t.supabase.reconnect()
      await settle()
      t.advance(200)
      expect(t.events('received').map((e) => [e.replayed, e.recordId])).toEqual([[true, 'deal-9']])
      expect(t.world.fetches(['deals', 'list'])).toBe(1)
    })
  }

  it('latencies are on the database clock, and the engine says how far the page is ahead', async () => {
    const t = setup()
    await settle()
    await t.goLive()
    expect(t.sync.getDatabaseClock()).toBeUndefined()
    // Committed 40 ms before it arrives, by the database's clock, which is 5 min behind.
    t.supabase.commit(
      { organization_id: ORG, record_id: 'deal-1' },
      { createdAt: t.iso(-FIVE_MINUTES - 40) },
    )
    expect(t.sync.getDatabaseClock()).toEqual({
      pageAheadMs: FIVE_MINUTES + 40,
      samples: 1,
      corrected: true,
    })
    // The first sample is the fastest seen: its own latency is where the estimate starts.
    expect(t.events('received')[0]!.latencyMs).toBe(0)
    t.advance(1_000)
    t.supabase.commit(
      { organization_id: ORG, record_id: 'deal-2' },
      { deliver: true, createdAt: t.iso(-FIVE_MINUTES - 40 - 25) },
    )
    expect(t.events('received')[1]!.latencyMs).toBe(25)
  })

  it('a page within a second of the database: latencies are not corrected', async () => {
    const t = setup()
    await settle()
    await t.goLive()
    t.supabase.commit({ organization_id: ORG, record_id: 'deal-1' }, { createdAt: t.iso(-30) })
    expect(t.sync.getDatabaseClock()).toMatchObject({ pageAheadMs: 30, corrected: false })
    expect(t.events('received')[0]!.latencyMs).toBe(30)
  })
})

describe('the database clock estimate', () => {
  it('a round trip bounds it from both sides, and a clock stepped forward starts it afresh', async () => {
    const { DatabaseClock } = await import('../../src/database-clock')
    const clock = new DatabaseClock()
    // Page 5 min ahead: the database answered 300,000 ms "earlier", within a 20 ms round trip.
    clock.observeRoundTrip(1_000_000, 1_300_000, 1_300_020)
    expect(clock.state()).toEqual({
      pageAheadMs: 300_010,
      uncertaintyMs: 10,
      samples: 1,
      corrected: true,
    })
    expect(clock.toDatabase(1_300_100)).toBe(999_980 + 100)
    // A delivery seen 5 ms after its commit tightens the lower bound.
    clock.observe(1_000_500, 1_300_505)
    expect(clock.state()!.uncertaintyMs).toBe(2.5)
    // The page's clock is set forward by a minute: the next round trip shows it.
    clock.observeRoundTrip(1_010_000, 1_370_000, 1_370_010)
    expect(clock.state()).toMatchObject({ pageAheadMs: 360_005, uncertaintyMs: 5 })
    expect(clock.toDatabase(1_370_010)).toBe(1_010_000)
  })
})
