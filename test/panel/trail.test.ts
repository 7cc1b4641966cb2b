import { describe, expect, it } from 'vitest'
import { EngineLog } from '../../extension/panel/store/engine-log'
import { formatTime } from '../../extension/panel/store/format'
import type { EventRow } from '../../extension/panel/store/rows'
import {
  decisionTrail,
  matchedKeysOf,
  type TrailContext,
  verdict,
} from '../../extension/panel/store/trail'
import type { SyncEvent } from '../../src/types'
import {
  channel,
  deduped,
  echo,
  invalidated,
  malformed,
  received,
  refetched,
  resync,
  T0,
  write,
} from './support/sync-events'

let ids = 0
/** A row; served by `servedBy`, it holds its place in that pass's causes (the log's join). */
function row(event: SyncEvent, servedBy?: EventRow): EventRow {
  const out: EventRow = { type: 'event', id: ++ids, session: 'S1', engineId: 'app#1', event }
  if (servedBy !== undefined) serve(out, servedBy)
  return out
}

/** What EngineLog does when the 'invalidated' row arrives: the cause points at it. */
function serve(cause: EventRow, pass: EventRow): void {
  if (pass.event.kind !== 'invalidated') throw new Error('not a pass')
  const index = pass.event.causes.indexOf(cause.event.seq)
  if (index < 0) throw new Error(`#${cause.event.seq} is not a cause of #${pass.event.seq}`)
  cause.servedBy = pass
  cause.causeIndex = index
}

function context(rows: EventRow[]): TrailContext {
  return {
    find: (seq) => rows.find((r) => r.event.seq === seq),
    echoesOf: (seq) => rows.filter((r) => r.event.kind === 'echo' && r.event.relatedSeq === seq),
    refetchesOf: (batchId) =>
      rows.filter((r) => r.event.kind === 'refetched' && r.event.batchId === batchId),
  }
}

const PASS_KEYS = [
  ['deals'],
  ['deals', 'list'],
  ['deals', 'list', { stage: 'won' }],
  ['deals', 'record', 'd1'],
  ['deals', 'record', 7],
  ['deals', 'stats'],
  ['contacts', 'record', 'd1'],
  ['contacts', 'list'],
]

describe("a cause's keys come from its pass (causeKeys), not from the key rule", () => {
  it('shows the keys its entry of causeKeys names, each cause its own', () => {
    const pass = row(
      invalidated(3, [1, 2], PASS_KEYS, {
        batchId: 4,
        causeKeys: [
          [0, 1, 2, 3, 5],
          [6, 7],
        ],
      }),
    )
    const deal = row(received(1, { recordId: 'd1' }), pass)
    const contact = row(received(2, { table: 'contacts', recordId: 'd1' }), pass)
    expect(matchedKeysOf(deal)).toEqual([
      ['deals'],
      ['deals', 'list'],
      ['deals', 'list', { stage: 'won' }],
      ['deals', 'record', 'd1'],
      ['deals', 'stats'],
    ])
    expect(matchedKeysOf(contact)).toEqual([
      ['contacts', 'record', 'd1'],
      ['contacts', 'list'],
    ])
    expect(verdict(deal)).toBe('batch #4 → 5 keys')
    expect(verdict(contact)).toBe('batch #4 → 2 keys')
  })

  it('shows a key the engine matched that the key rule, read again, would not (a numeric id)', () => {
    // The engine compares record ids as strings: ['deals','record',7] matched record "7".
    const pass = row(invalidated(2, [1], PASS_KEYS, { causeKeys: [[4]] }))
    const change = row(received(1, { recordId: '7' }), pass)
    expect(matchedKeysOf(change)).toEqual([['deals', 'record', 7]])
    expect(verdict(change)).toBe('batch #1 → 1 key')
  })

  it('an empty entry: nothing matched, though the pass invalidated keys of its table', () => {
    const pass = row(invalidated(2, [1], PASS_KEYS, { causeKeys: [[]] }))
    const change = row(received(1, { recordId: 'd1' }), pass)
    expect(matchedKeysOf(change)).toEqual([])
    expect(verdict(change)).toBe('batch #1 → no query matched')
    expect(decisionTrail(change, context([change, pass])).at(-1)).toMatchObject({
      tone: 'warn',
      title: 'Nothing invalidated',
      text: 'No cached query matched deals/d1: nothing was refetched, so no screen changed.',
    })
  })

  it("with recordScopes ['detail'], the trail shows the pass's subset and names the scope in its hint", () => {
    const keys = [
      ['deals', 'list'],
      ['deals', 'detail', '1'],
      ['deals', 'detail', '2'],
    ]
    // What the engine with recordScopes ['detail'] matched for deals/2: not ['deals','detail','1'].
    const pass = row(
      invalidated(3, [1, 2], keys, { at: T0 + 3, batchId: 4, causeKeys: [[0, 2], []] }),
    )
    const change = row(received(1, { recordId: '2' }), pass)
    expect(verdict(change)).toBe('batch #4 → 2 keys')
    const steps = decisionTrail(change, { ...context([change, pass]), recordScopes: ['detail'] })
    expect(steps.find((s) => s.title === 'Invalidated')?.keys).toEqual([
      ['deals', 'list'],
      ['deals', 'detail', '2'],
    ])
    const other = row(received(2, { recordId: '9' }), pass)
    const none = decisionTrail(other, { ...context([other, pass]), recordScopes: ['detail'] })
    expect(none.at(-1)?.detail).toContain('["deals", "detail", "9"] for this record')
  })

  it("tells the refresh after this tab's write from a manual invalidation", () => {
    const refresh = row(
      invalidated(5, [], [['deals', 'record', 'd1']], {
        batchId: 2,
        trigger: 'write',
        writes: [['deals', 'd1']],
      }),
    )
    expect(verdict(refresh)).toBe("batch #2: this tab's write → 1 key")
    expect(decisionTrail(refresh, context([refresh]))[0]?.text).toMatch(
      /^Refresh after this tab's write of deals\/d1 at /,
    )
    expect(decisionTrail(refresh, context([refresh]))[0]?.detail).toBe(
      "refresh after this tab's write of deals/d1 → 1 query invalidated, 0 inactive ones only marked stale",
    )
  })

  it('gives a resync the keys its pass says it matched (every organization query)', () => {
    const pass = row(invalidated(2, [1], PASS_KEYS))
    const full = row(resync(1), pass)
    expect(matchedKeysOf(full)).toEqual(PASS_KEYS)
  })
})

describe('received → batch → keys', () => {
  it('derives a streamed event’s keys from the invalidation that lists it in causes', () => {
    const pass = row(
      invalidated(3, [1, 2], PASS_KEYS, {
        at: T0 + 203,
        batchId: 9,
        causeKeys: [[0, 1, 2, 3, 5], [7]],
      }),
    )
    const change = row(received(2, { table: 'contacts', recordId: 'c5' }), pass)
    expect(matchedKeysOf(change)).toEqual([['contacts', 'list']])
    expect(verdict(change)).toBe('batch #9 → 1 key')
    const steps = decisionTrail(change, context([change, pass]))
    expect(steps.map((s) => s.title)).toEqual([
      'Received',
      'Passed dedup and echo',
      'Batch #9',
      'Invalidated',
      // Its query is active (the pass marked none only stale) and no refetch has settled yet.
      'Refetching',
    ])
    expect(steps[2]?.text).toBe(
      `Coalesced into batch #9 with 1 other event, flushed 201 ms after it arrived (at ${formatTime(T0 + 203)}).`,
    )
    expect(steps[2]?.detail).toBe(
      'batch #9: 2 events coalesced → 8 queries invalidated, 0 inactive ones only marked stale',
    )
    expect(steps[2]?.links).toEqual([{ seq: 3, label: '#3 invalidation' }])
    expect(steps[3]?.keys).toEqual([['contacts', 'list']])
  })

  it('explains a leading-edge flush: the change did not wait for the batch window', () => {
    const pass = row(
      invalidated(2, [1], PASS_KEYS, { at: T0 + 3, batchId: 5, leading: true, batchMs: 200 }),
    )
    const change = row(received(1, { table: 'contacts', recordId: 'c5' }), pass)
    const steps = decisionTrail(change, context([change, pass]))
    expect(steps[2]).toMatchObject({
      title: 'Batch #5',
      text: `Flushed at once in batch #5, 2 ms after it arrived (at ${formatTime(T0 + 3)}): no invalidation pass ran in the last batch window (batchMs), so it did not wait for one.`,
      detail:
        'batch #5, flushed at once (no pass in the last 200 ms): 1 event coalesced → 8 queries invalidated, 0 inactive ones only marked stale',
    })
    const passSteps = decisionTrail(pass, context([change, pass]))
    expect(passSteps[0]?.text).toBe(
      `Batch #5 flushed at once at ${formatTime(T0 + 3)}: no pass ran in the last batch window (batchMs), so the change did not wait for one.`,
    )
  })

  it('joins a change to its pass when both arrive in one snapshot (after its flush)', () => {
    let next = 0
    const log = new EngineLog('app#1', () => ++next)
    log.startSession('S1')
    log.ingest([received(1), invalidated(2, [1], [['deals', 'list']], { batchId: 4 })], {
      snapshot: true,
    })
    const change = log.find('S1', 1)!
    expect(change.servedBy?.event.seq).toBe(2)
    expect(change.causeIndex).toBe(0)
    expect(verdict(change)).toBe('batch #4 → 1 key')
    const ctx: TrailContext = {
      find: (seq) => log.find('S1', seq),
      echoesOf: (seq) => log.echoesOf('S1', seq),
      refetchesOf: (batchId) => log.refetchesOf('S1', batchId),
    }
    expect(decisionTrail(change, ctx).map((s) => s.title)).toEqual([
      'Received',
      'Passed dedup and echo',
      'Batch #4',
      'Invalidated',
      'Refetching',
    ])
  })

  it('says it is waiting while its batch has not flushed', () => {
    const change = row(received(1))
    expect(verdict(change)).toBe('queued for the next batch')
    expect(decisionTrail(change, context([change])).at(-1)?.title).toBe('Waiting for the batch')
  })

  it('shows a teammate’s change in the echo window as a note, not a drop', () => {
    const change = row(received(2, { relatedSeq: 1, ageMs: 40, match: 'other-actor' }))
    const steps = decisionTrail(change, context([change]))
    expect(steps[1]).toMatchObject({ tone: 'pass', title: 'Passed dedup and echo' })
    expect(steps[1]?.detail).toBe(
      'received UPDATE deals/d1: queued for the next invalidation batch; not an echo: this tab wrote deals/d1 40 ms earlier (#1), but the actor is user-bob, not the current user',
    )
    // A change with no write of its row to tell apart: no note.
    const plain = row(received(3))
    expect(decisionTrail(plain, context([plain]))[1]?.detail).toBeUndefined()
  })
})

describe('dropped events', () => {
  it('deduped → the first delivery, with its age and outcome', () => {
    const pass = row(invalidated(2, [1], [['deals', 'list']], { batchId: 1 }))
    const first = row(received(1), pass)
    const copy = row(deduped(3, 1, { eventId: '1001', at: T0 + 301, ageMs: 300 }))
    expect(verdict(copy)).toBe('duplicate of #1')
    const steps = decisionTrail(copy, context([first, pass, copy]))
    expect(steps[1]).toMatchObject({
      tone: 'drop',
      text: 'Deduped: duplicate of #1, 300 ms earlier.',
      detail: 'same event id 1001 as #1, delivered again 300 ms later (window 2000 ms)',
      links: [{ seq: 1, label: '#1 first delivery' }],
    })
    expect(steps[2]?.text).toContain('(batch #1 → 1 key)')
  })

  it('deduped, the first delivery no longer held: the age comes from ageMs', () => {
    const copy = row(deduped(50, 1, { ageMs: 1_200, match: 'same-row' }))
    const steps = decisionTrail(copy, context([copy]))
    expect(steps[1]?.text).toBe('Deduped: duplicate of #1, 1,200 ms earlier.')
    expect(steps[1]?.detail).toBe(
      "row rule (dedupBy: 'row'): deals/d1 already changed 1200 ms earlier (#1), inside the 2000 ms window",
    )
    expect(steps[2]?.text).toBe(
      'The first delivery already went through the pipeline; dropping the copy saves a refetch.',
    )
  })

  it('echo → the write, and the write → its echoes', () => {
    const written = row(write(5, { at: T0 + 400, recordId: 'd9' }))
    const back = row(echo(6, 5, { recordId: 'd9', at: T0 + 520, ageMs: 120 }))
    const ctx = context([written, back])
    expect(verdict(back)).toBe("echo of this tab's write #5")
    expect(decisionTrail(back, ctx)[1]).toMatchObject({
      text: 'Echo: this tab wrote deals/d9 120 ms earlier (#5), and the change comes back from the current user.',
      detail: 'this tab wrote deals/d9 120 ms earlier (#5) and the actor is the current user',
      links: [{ seq: 5, label: '#5 write' }],
    })
    expect(verdict(written)).toBe('this tab wrote deals/d9 (echo guard)')
    expect(decisionTrail(written, ctx)[1]).toMatchObject({
      title: 'Echoes',
      links: [{ seq: 6, label: '#6 echo, 120 ms later' }],
    })
  })

  it('an echo by the row rule (no actor_id column) says so', () => {
    const back = row(echo(6, 5, { ageMs: 80, match: 'no-actor-column' }))
    expect(decisionTrail(back, context([back]))[1]?.detail).toBe(
      'this tab wrote deals/d1 80 ms earlier (#5); no actor_id column, so the row rule applies',
    )
  })

  it('malformed → what was wrong, from its facts; nothing invalidated', () => {
    const bad = row(malformed(1, { at: T0 }))
    expect(verdict(bad)).toBe(
      'malformed: a delivered change: table_name is undefined, expected a table name',
    )
    const steps = decisionTrail(bad, context([bad]))
    expect(steps).toHaveLength(1)
    expect(steps[0]).toMatchObject({ tone: 'drop', title: 'Malformed: dropped' })
    expect(steps[0]?.text).toBe(
      `The engine could not use this value (at ${formatTime(T0)}, channel of org_acme): a delivered change: table_name is undefined, expected a table name.`,
    )
    expect(steps[0]?.detail).toMatch(/^Nothing was invalidated/)
  })
})

describe('invalidation passes, resyncs and channels', () => {
  it('an invalidation lists its causes and every key', () => {
    const a = row(received(1))
    const pass = row(invalidated(2, [1, 99], PASS_KEYS, { batchId: 3 }))
    expect(verdict(pass)).toBe('batch #3: 2 events → 8 keys')
    const steps = decisionTrail(pass, context([a, pass]))
    expect(steps[0]?.links).toEqual([
      { seq: 1, label: '#1 received deals/d1' },
      { seq: 99, label: '#99' },
    ])
    expect(steps[1]?.keys).toEqual(PASS_KEYS)
  })

  it('a manual invalidation says so', () => {
    const manual = row(
      invalidated(1, [], [['profiles']], { batchId: 2, trigger: 'manual', table: 'profiles' }),
    )
    expect(verdict(manual)).toBe('batch #2: manual → 1 key')
    const [step] = decisionTrail(manual, context([manual]))
    expect(step?.text).toBe(`Manual invalidation at ${formatTime(T0 + 1)} of profiles.`)
    expect(step?.detail).toBe(
      "manual: invalidateGlobal('profiles') → 1 query invalidated, 0 inactive ones only marked stale",
    )
  })

  it('a resync explains the refetch of the whole organization', () => {
    const full = row(resync(1, { at: T0, fallback: 'replay-off' }))
    expect(verdict(full)).toBe('resync: refetch every org_acme query')
    const pass = row(invalidated(2, [1], PASS_KEYS), undefined)
    serve(full, pass)
    expect(verdict(full)).toBe('resync: org_acme → 8 keys')
    const [step] = decisionTrail(full, context([full, pass]))
    expect(step?.text).toMatch(
      /^org:org_acme was live at .*could not be replayed, so every query of org_acme is refetched/,
    )
    expect(step?.detail).toBe(
      'org:org_acme live: changes made during a 3.2 s gap cannot be replayed (replay is off (replay: false)), so every query of org_acme is refetched',
    )
  })

  it('a replay says what it read back, and a replayed change says it was not delivered live', () => {
    const nothing = row(resync(1, { at: T0, replayed: true, replayedCount: 0 }))
    expect(verdict(nothing)).toBe('resync: org_acme, nothing missed → 0 refetches')
    const nothingSteps = decisionTrail(nothing, context([nothing]))
    expect(nothingSteps.map((step) => step.title)).toEqual(['Replay'])
    expect(nothingSteps[0]?.detail).toBe(
      'org:org_acme live: nothing was missed during a 3.2 s gap: 0 refetches',
    )

    const replay = row(
      resync(2, { at: T0, replayed: true, replayedCount: 1, firstId: '7', lastId: '7' }),
    )
    expect(verdict(replay)).toBe('resync: org_acme replaying')
    expect(decisionTrail(replay, context([replay]))[0]?.detail).toBe(
      'org:org_acme live: replayed 1 event (id 7) missed during a 3.2 s gap',
    )
    const change = row(
      received(3, { at: T0, recordId: 'd5', eventId: '7', replayed: true, latencyMs: undefined }),
    )
    expect(verdict(change)).toBe('replayed: queued for the next batch')
    const pass = row(invalidated(4, [2, 3], [['deals', 'list']]), undefined)
    serve(replay, pass)
    serve(change, pass)
    expect(verdict(replay)).toBe('resync: org_acme replayed → 1 key')
    expect(verdict(change)).toBe('replayed: batch #1 → 1 key')
    const steps = decisionTrail(change, context([replay, change, pass]))
    expect(steps[0]).toMatchObject({ title: 'Replayed' })
    expect(steps[0]?.text).toMatch(/the channel was not live when this change was committed/)
  })

  it('a channel error says that nothing is delivered until it subscribes again', () => {
    const status = row(channel(1, 'CHANNEL_ERROR', { at: T0, error: 'jwt expired' }))
    expect(verdict(status)).toBe('org:org_acme CHANNEL_ERROR: jwt expired')
    expect(decisionTrail(status, context([status]))[0]).toMatchObject({
      tone: 'warn',
      detail: expect.stringContaining('Error: jwt expired'),
    })
  })

  it("a channel's note is worded from its facts (a taken topic, the delay)", () => {
    const taken = row(channel(1, 'CHANNEL_ERROR', { note: 'topic-taken', delayMs: 1_000 }))
    expect(verdict(taken)).toMatch(
      /^org:org_acme CHANNEL_ERROR: this supabase client already has a channel on org:org_acme .*looking again in 1000 ms$/,
    )
    const live = row(channel(2, 'SUBSCRIBED', { note: 'live', waitedMs: 40 }))
    expect(decisionTrail(live, context([live]))[0]).toMatchObject({
      tone: 'pass',
      detail: expect.stringContaining(
        'Note: live 40 ms after SUBSCRIBED: changes are delivered from here on',
      ),
    })
  })
})

describe('what the refetches of a pass led to (the last step)', () => {
  const keys = [
    ['deals', 'list'],
    ['deals', 'record', 'd1'],
    ['deals', 'stats'],
  ]
  const passOf = (extra = {}) =>
    row(invalidated(3, [1], keys, { batchId: 7, markedStale: 1, ...extra }))

  it('ends the pass with one line per refetched key: duration, data changed, observers', () => {
    const pass = passOf()
    const list = row(refetched(4, ['deals', 'list'], { batchId: 7 }))
    const record = row(
      refetched(5, ['deals', 'record', 'd1'], { batchId: 7, durationMs: 12, dataChanged: false }),
    )
    const steps = decisionTrail(pass, context([pass, list, record]))
    expect(steps.at(-1)).toMatchObject({
      tone: 'pass',
      title: 'Refetched',
      text: '2 refetches: 1 changed data on screen, 1 returned identical data. 1 query only marked stale: not on screen, they refetch when next used.',
      lines: [
        { text: 'Refetched ["deals","list"] in 38 ms: data changed, 2 observers', seq: 4 },
        {
          text: 'Refetched ["deals","record","d1"] in 12 ms: returned identical data, nothing on screen changed',
          seq: 5,
        },
      ],
    })
  })

  it("ends a change's trail with the refetches of its own keys only", () => {
    // deals/d2 matched the list and the stats (causeKeys), not the record key of d1.
    const pass = passOf({ causeKeys: [[0, 2]] })
    const change = row(received(1, { recordId: 'd2' }), pass)
    const list = row(refetched(4, ['deals', 'list'], { batchId: 7 }))
    const record = row(refetched(5, ['deals', 'record', 'd1'], { batchId: 7 }))
    const last = decisionTrail(change, context([change, pass, list, record])).at(-1)
    expect(last?.lines?.map((line) => line.seq)).toEqual([4])
  })

  it('says a failed refetch and its error, and a refetch still running', () => {
    const pass = passOf()
    const failed = row(
      refetched(4, ['deals', 'list'], {
        batchId: 7,
        outcome: 'error',
        durationMs: 5_012,
        dataChanged: undefined,
        error: 'permission denied for table deals',
      }),
    )
    expect(decisionTrail(pass, context([pass, failed])).at(-1)).toMatchObject({
      tone: 'warn',
      lines: [
        {
          text: 'Refetched ["deals","list"] failed after 5,012 ms: permission denied for table deals',
        },
      ],
    })
    expect(decisionTrail(pass, context([pass])).at(-1)).toMatchObject({ title: 'Refetching' })
  })

  it('says when no query of the pass was on screen', () => {
    const pass = passOf({ markedStale: 3 })
    expect(decisionTrail(pass, context([pass])).at(-1)).toMatchObject({
      title: 'Not refetched',
      text: 'No query of the pass was on screen (no active observer), so none was refetched. 3 queries only marked stale: not on screen, they refetch when next used.',
    })
  })

  it("a refetch's own row: its verdict, and a link back to its pass", () => {
    const pass = passOf()
    const same = row(refetched(4, ['deals', 'list'], { batchId: 7, dataChanged: false }))
    expect(verdict(same)).toBe(
      '["deals","list"] in 38 ms: returned identical data, nothing on screen changed',
    )
    const [step] = decisionTrail(same, context([pass, same]))
    expect(step).toMatchObject({
      tone: 'warn',
      title: 'Refetched',
      links: [{ seq: 3, label: '#3 batch #7 invalidation' }],
    })
    expect(step?.detail).toMatch(/structural sharing/)
  })
})
