/**
 * The sentences of the event contract (src/describe-event.ts): each kind's facts, worded. The
 * engine logs no sentence; these are what engine.print(limit, describeEvent), the panel and the
 * export show.
 */
import { describe, expect, it } from 'vitest'
import { describeChannelNote, describeEvent, listRows, seconds } from '../../src/describe-event'
import {
  CHANNEL_NOTES,
  type ChannelEvent,
  type ChannelNote,
  type MalformedEvent,
  RESYNC_FALLBACKS,
  type ResyncEvent,
  type ResyncFallback,
  type SyncEvent,
  SYNC_EVENT_KINDS,
} from '../../src/types'

const TOPIC = 'org:org_acme'
const change = {
  seq: 7,
  at: 1_000,
  orgId: 'org_acme',
  table: 'deals',
  op: 'UPDATE',
  recordId: 'd1',
  eventId: '41',
  actorId: 'user-bob',
  payload: {},
} as const

const resync = (facts: Partial<ResyncEvent> = {}): ResyncEvent => ({
  seq: 3,
  at: 1_000,
  kind: 'resync',
  orgId: 'org_acme',
  channel: { topic: TOPIC, status: 'SUBSCRIBED' },
  gapMs: 12_000,
  ...facts,
})

const channel = (facts: Partial<ChannelEvent> = {}): ChannelEvent => ({
  seq: 2,
  at: 1_000,
  kind: 'channel',
  orgId: 'org_acme',
  channel: { topic: TOPIC, status: 'SUBSCRIBED' },
  ...facts,
})

const malformed = (facts: Partial<MalformedEvent>): MalformedEvent => ({
  seq: 4,
  at: 1_000,
  kind: 'malformed',
  orgId: 'org_acme',
  input: 'change',
  problem: 'invalid-value',
  ...facts,
})

/** One event of each kind, with the sentence it reads as. */
const ONE_OF_EACH: readonly [SyncEvent, string][] = [
  [
    { ...change, kind: 'received' },
    'received UPDATE deals/d1: queued for the next invalidation batch',
  ],
  [
    { ...change, kind: 'deduped', relatedSeq: 3, ageMs: 40, match: 'event-id', windowMs: 2_000 },
    'same event id 41 as #3, delivered again 40 ms later (window 2000 ms)',
  ],
  [
    {
      ...change,
      kind: 'echo',
      actorId: 'user-alice',
      relatedSeq: 5,
      ageMs: 80,
      match: 'same-actor',
    },
    'this tab wrote deals/d1 80 ms earlier (#5) and the actor is the current user',
  ],
  [
    {
      seq: 8,
      at: 1_000,
      kind: 'invalidated',
      batchId: 2,
      trigger: 'batch',
      table: 'deals',
      causes: [6, 7],
      causeKeys: [[0], [0, 1]],
      matchedKeys: [
        ['deals', 'list'],
        ['deals', 'record', 'd1'],
      ],
      markedStale: 1,
    },
    'batch #2: 2 events coalesced → 2 queries invalidated, 1 inactive one only marked stale',
  ],
  [
    resync({ replayed: true, replayedCount: 3, rereadCount: 0, firstId: '10', lastId: '12' }),
    `${TOPIC} live: replayed 3 events (ids 10–12) missed during a 12.0 s gap`,
  ],
  [
    malformed({ field: 'table_name', found: 'number' }),
    'a delivered change: table_name is a number, expected a table name',
  ],
  [
    channel({ note: 'live', waitedMs: 30 }),
    `${TOPIC} SUBSCRIBED: live 30 ms after SUBSCRIBED: changes are delivered from here on`,
  ],
  [
    { seq: 1, at: 1_000, kind: 'write', table: 'deals', recordId: 'd1' },
    'this tab wrote deals/d1 (markLocalWrite): its echo is dropped',
  ],
  [
    {
      seq: 9,
      at: 1_000,
      kind: 'refetched',
      batchId: 2,
      table: 'deals',
      queryKey: ['deals', 'list'],
      durationMs: 41.6,
      outcome: 'success',
      dataChanged: false,
      observers: 1,
    },
    '["deals","list"] success in 42 ms, identical data',
  ],
  [
    {
      seq: 10,
      at: 6_000,
      kind: 'unconfirmed',
      table: 'deals',
      recordId: 'd1',
      relatedSeq: 1,
      ageMs: 5_000,
      cause: 'no-event-row',
    },
    "this tab's write of deals/d1 (#1) came back as no change event within 5.0 s: realtime_table_events holds no row for it: the table is not tracked, or its row was traced to no organization. Run select * from realtime_sync_doctor();: check table-tracked for this table (select public.realtime_track_table('public.<table>');), route-valid and untraceable-table for a junction table.",
  ],
]

describe('describeEvent: one sentence per kind', () => {
  it('covers every kind', () => {
    expect(new Set(ONE_OF_EACH.map(([event]) => event.kind))).toEqual(new Set(SYNC_EVENT_KINDS))
  })

  it.each(ONE_OF_EACH.map(([event, sentence]) => [event.kind, event, sentence] as const))(
    '%s',
    (_kind, event, sentence) => {
      expect(describeEvent(event)).toBe(sentence)
    },
  )

  it("shows an older engine's sentence (reason) as it was written", () => {
    const old = { ...change, kind: 'received', reason: 'the sentence of 0.2.0' } as const
    expect(describeEvent(old)).toBe('the sentence of 0.2.0')
  })
})

describe('changes: the rule that matched', () => {
  it('a change this tab wrote but another actor made is received, and says why it is no echo', () => {
    expect(
      describeEvent({
        ...change,
        kind: 'received',
        relatedSeq: 5,
        ageMs: 120,
        match: 'other-actor',
      }),
    ).toBe(
      'received UPDATE deals/d1: queued for the next invalidation batch; not an echo: this tab wrote deals/d1 120 ms earlier (#5), but the actor is user-bob, not the current user',
    )
  })

  it('a replayed change says it was replayed', () => {
    expect(describeEvent({ ...change, kind: 'received', replayed: true })).toMatch(
      /^replayed UPDATE deals\/d1/,
    )
  })

  it('a duplicate without an event id, and by the row rule', () => {
    const duplicate = {
      ...change,
      kind: 'deduped',
      relatedSeq: 3,
      ageMs: 40,
      windowMs: 2_000,
    } as const
    expect(describeEvent({ ...duplicate, eventId: undefined, match: 'same-change' })).toBe(
      'same table, record, commit time and operation as #3, 40 ms earlier (no event id; window 2000 ms)',
    )
    expect(describeEvent({ ...duplicate, match: 'same-row' })).toBe(
      "row rule (dedupBy: 'row'): deals/d1 already changed 40 ms earlier (#3), inside the 2000 ms window",
    )
  })

  it('an echo without an actor_id column', () => {
    expect(
      describeEvent({
        ...change,
        kind: 'echo',
        relatedSeq: 5,
        ageMs: 80,
        match: 'no-actor-column',
      }),
    ).toBe(
      'this tab wrote deals/d1 80 ms earlier (#5); no actor_id column, so the row rule applies',
    )
  })
})

describe('passes: each trigger', () => {
  const pass = {
    seq: 8,
    at: 1_000,
    kind: 'invalidated',
    batchId: 4,
    causes: [],
    causeKeys: [],
    matchedKeys: [['profiles', 'list']],
    markedStale: 0,
  } as const

  it('a leading batch says it ran at once', () => {
    expect(
      describeEvent({
        ...pass,
        trigger: 'batch',
        causes: [7],
        causeKeys: [[0]],
        leading: true,
        batchMs: 200,
      }),
    ).toBe(
      'batch #4, flushed at once (no pass in the last 200 ms): 1 event coalesced → 1 query invalidated, 0 inactive ones only marked stale',
    )
  })

  it("this tab's write names the rows, at most three", () => {
    expect(
      describeEvent({
        ...pass,
        trigger: 'write',
        writes: [
          ['deals', 'd1'],
          ['contacts', 'c1'],
        ],
      }),
    ).toBe(
      "refresh after this tab's write of deals/d1, contacts/c1 → 1 query invalidated, 0 inactive ones only marked stale",
    )
    const rows = ['d1', 'd2', 'd3', 'd4', 'd5'].map((id) => ['deals', id] as const)
    expect(listRows(rows)).toBe('deals/d1, deals/d2, deals/d3 and 2 more')
  })

  it('a manual invalidateGlobal names its table', () => {
    expect(describeEvent({ ...pass, trigger: 'manual', table: 'profiles' })).toBe(
      "manual: invalidateGlobal('profiles') → 1 query invalidated, 0 inactive ones only marked stale",
    )
  })
})

describe('resyncs: what was replayed, or why it refetched', () => {
  it('nothing missed, with events re-read', () => {
    expect(describeEvent(resync({ replayed: true, replayedCount: 0, rereadCount: 2 }))).toBe(
      `${TOPIC} live: nothing was missed during a 12.0 s gap: 0 refetches (2 events re-read and already seen)`,
    )
  })

  it("the first subscription's window is since the oldest loaded data", () => {
    expect(
      describeEvent(
        resync({
          first: true,
          gapMs: 1_000,
          replayed: true,
          replayedCount: 1,
          firstId: '9',
          lastId: '9',
        }),
      ),
    ).toBe(
      `${TOPIC} live: replayed 1 event (id 9) missed since the oldest loaded data of org_acme (1.0 s before the channel was live)`,
    )
  })

  const FALLBACKS: Record<ResyncFallback, [Partial<ResyncEvent>, string]> = {
    'replay-off': [{}, 'replay is off (replay: false)'],
    'no-reader': [{}, 'the supabase client cannot read realtime_table_events (no from())'],
    'past-retention': [
      { gapMs: 7_200_000, retentionMs: 3_600_000 },
      'it reaches past the 1 h that realtime_table_events keeps',
    ],
    'read-failed': [
      { error: 'permission denied for table realtime_table_events' },
      'reading realtime_table_events failed: permission denied for table realtime_table_events',
    ],
    'over-max-replay': [{ maxReplay: 2_000 }, 'more than maxReplay (2000) events were missed'],
  }

  it('has a sentence for every fallback code', () => {
    expect(Object.keys(FALLBACKS).sort()).toEqual([...RESYNC_FALLBACKS].sort())
  })

  it.each(Object.entries(FALLBACKS) as [ResyncFallback, [Partial<ResyncEvent>, string]][])(
    '%s',
    (fallback, [facts, why]) => {
      const event = resync({ fallback, ...facts })
      const gap = fallback === 'past-retention' ? '2 h' : '12.0 s'
      expect(describeEvent(event)).toBe(
        `${TOPIC} live: changes made during a ${gap} gap cannot be replayed (${why}), so every query of org_acme is refetched`,
      )
    },
  )

  it('a refetching resync without a fallback code still says it refetched', () => {
    expect(describeEvent(resync())).toMatch(/cannot be replayed \(the engine did not say why\)/)
  })

  it('durations: seconds, minutes, whole hours', () => {
    expect([seconds(12_000), seconds(300_000), seconds(86_400_000)]).toEqual([
      '12.0 s',
      '5.0 min',
      '24 h',
    ])
  })
})

describe('malformed: each problem and input', () => {
  it('a wrong value names its part, the type found and what was expected', () => {
    expect(describeEvent(malformed({ field: 'record_id', found: 'object' }))).toBe(
      'a delivered change: record_id is an object, expected an id',
    )
    expect(describeEvent(malformed({ input: 'broadcast', field: 'message', found: 'null' }))).toBe(
      'a broadcast message: message is null, expected an object',
    )
    expect(
      describeEvent(malformed({ input: 'subscribe-status', field: 'status', found: 'undefined' })),
    ).toBe('a subscribe status: status is undefined, expected a string')
    expect(
      describeEvent(malformed({ input: 'system-message', field: 'payload', found: 'array' })),
    ).toBe('a system message: payload is an array, expected an object')
    expect(describeEvent(malformed({ replayed: true, field: 'new', found: 'string' }))).toBe(
      'a replayed row: new is a string, expected a realtime_table_events row',
    )
  })

  it('another organization, and an engine failure', () => {
    expect(
      describeEvent(
        malformed({ problem: 'wrong-organization', field: 'organization_id', found: 'string' }),
      ),
    ).toBe('a delivered change of another organization arrived on the channel of org_acme')
    expect(describeEvent(malformed({ problem: 'engine-error', error: 'hostile getter' }))).toBe(
      'the engine failed on a delivered change: hostile getter',
    )
  })
})

describe('channels: each note', () => {
  const NOTES: Record<ChannelNote, [Partial<ChannelEvent>, string]> = {
    live: [{ waitedMs: 120 }, 'live 120 ms after SUBSCRIBED: changes are delivered from here on'],
    'live-unconfirmed': [
      { waitedMs: 15_000 },
      'no "Subscribed to PostgreSQL" from the server within 15.0 s of SUBSCRIBED: treated as live',
    ],
    'replication-failed': [
      { error: 'invalid column for filter organization_id' },
      'the server could not subscribe to PostgreSQL: invalid column for filter organization_id',
    ],
    'topic-taken': [
      { delayMs: 1_000 },
      `this supabase client already has a channel on ${TOPIC} that the engine did not create (the app's own realtime hook?): supabase-js would hand that channel to the engine, so it does not join. Remove the app's own subscription to ${TOPIC}; looking again in 1000 ms`,
    ],
    'unknown-status': [{ error: 'SLEEPING' }, 'supabase-js reported an unknown status SLEEPING'],
    'subscribe-failed': [
      { error: 'tried to subscribe multiple times' },
      `could not subscribe ${TOPIC}: tried to subscribe multiple times`,
    ],
    'closed-by-server': [
      { error: 'Token has expired', delayMs: 2_000 },
      'the server closed the channel (Token has expired): rejoining in 2000 ms with a fresh token from setAuth()',
    ],
    'auth-failed': [
      { error: 'network down', delayMs: 5_000 },
      'supabase.realtime.setAuth() failed, retrying in 5000 ms: network down',
    ],
  }

  it('has a sentence for every note', () => {
    expect(Object.keys(NOTES).sort()).toEqual([...CHANNEL_NOTES].sort())
  })

  it.each(Object.entries(NOTES) as [ChannelNote, [Partial<ChannelEvent>, string]][])(
    '%s',
    (note, [facts, sentence]) => {
      const event = channel({ note, ...facts })
      expect(describeEvent(event)).toBe(`${TOPIC} SUBSCRIBED: ${sentence}`)
      // A ChannelState's lastNote reads the same.
      expect(describeChannelNote({ note, ...facts }, TOPIC)).toBe(sentence)
    },
  )

  it('a bare status, and an error without a note', () => {
    expect(describeEvent(channel({ channel: { topic: TOPIC, status: 'JOINING' } }))).toBe(
      `${TOPIC} JOINING`,
    )
    expect(
      describeEvent(
        channel({ channel: { topic: TOPIC, status: 'CHANNEL_ERROR' }, error: 'socket closed' }),
      ),
    ).toBe(`${TOPIC} CHANNEL_ERROR: socket closed`)
  })
})

describe('refetches: each outcome', () => {
  const refetched = {
    seq: 9,
    at: 1_000,
    kind: 'refetched',
    batchId: 2,
    queryKey: ['deals', 'list'],
    durationMs: 120,
    observers: 2,
  } as const

  it('success with changed data, an error, a cancelled refetch', () => {
    expect(describeEvent({ ...refetched, outcome: 'success', dataChanged: true })).toBe(
      '["deals","list"] success in 120 ms, data changed',
    )
    expect(describeEvent({ ...refetched, outcome: 'error', error: 'permission denied' })).toBe(
      '["deals","list"] error in 120 ms: permission denied',
    )
    expect(describeEvent({ ...refetched, outcome: 'cancelled' })).toBe(
      '["deals","list"] cancelled in 120 ms',
    )
  })
})
