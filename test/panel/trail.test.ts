import { describe, expect, it } from 'vitest'
import { formatTime } from '../../extension/panel/store/format'
import type { EventRow } from '../../extension/panel/store/rows'
import {
  decisionTrail,
  keysForCause,
  matchedKeysOf,
  type TrailContext,
  verdict,
} from '../../extension/panel/store/trail'
import type { SyncEvent } from '../../src/types'
import { invalidated, received, refetched, T0 } from './support/sync-events'

let ids = 0
function row(event: SyncEvent, servedBy?: EventRow): EventRow {
  return { type: 'event', id: ++ids, session: 'S1', engineId: 'app#1', event, servedBy }
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

describe('keysForCause (the engine’s matching rule, src/query-keys.ts)', () => {
  it('keeps the keys of the cause’s table, and record keys only of its record', () => {
    expect(keysForCause(received(1, { recordId: 'd1' }), PASS_KEYS)).toEqual([
      ['deals'],
      ['deals', 'list'],
      ['deals', 'list', { stage: 'won' }],
      ['deals', 'record', 'd1'],
      ['deals', 'stats'],
    ])
  })

  it('compares record ids as strings (a numeric id in the key matches "7")', () => {
    expect(keysForCause(received(1, { recordId: '7' }), PASS_KEYS)).toContainEqual([
      'deals',
      'record',
      7,
    ])
  })

  it("follows the engine's recordScopes: with ['detail'], ['deals','detail',id] is a record key", () => {
    const keys = [
      ['deals', 'list'],
      ['deals', 'detail', '1'],
      ['deals', 'detail', '2'],
    ]
    const cause = received(1, { recordId: '2' })
    // By default only 'record' marks a record key: a 'detail' key depends on every row.
    expect(keysForCause(cause, keys)).toEqual(keys)
    expect(keysForCause(cause, keys, ['detail'])).toEqual([
      ['deals', 'list'],
      ['deals', 'detail', '2'],
    ])
    const pass = row(invalidated(3, [1], keys, { at: T0 + 3, batchId: 4 }))
    const change = row(cause, pass)
    expect(verdict(change, ['detail'])).toBe('batch #4 → 2 keys')
    const steps = decisionTrail(change, { ...context([change, pass]), recordScopes: ['detail'] })
    expect(steps.find((s) => s.title === 'Invalidated')?.keys).toEqual([
      ['deals', 'list'],
      ['deals', 'detail', '2'],
    ])
  })

  it("tells the refresh after this tab's write from a manual invalidation", () => {
    const refresh = row(
      invalidated(5, [], [['deals', 'record', 'd1']], {
        batchId: 2,
        reason:
          "refresh after this tab's write of deals/d1 → 1 query marked stale, 1 active refetched",
      }),
    )
    expect(verdict(refresh)).toBe("batch #2: this tab's write → 1 key")
    expect(decisionTrail(refresh, context([refresh]))[0]?.text).toMatch(
      /^Refresh after this tab's write of deals\/d1 at /,
    )
  })

  it('gives a resync every key of its pass', () => {
    const resync: SyncEvent = { seq: 1, at: T0, kind: 'resync', orgId: 'org_acme' }
    expect(keysForCause(resync, PASS_KEYS)).toEqual(PASS_KEYS)
  })
})

describe('received → batch → keys', () => {
  it('derives a streamed event’s keys from the invalidation that lists it in causes', () => {
    const pass = row(invalidated(3, [1, 2], PASS_KEYS, { at: T0 + 203, batchId: 9 }))
    const change = row(received(2, { table: 'contacts', recordId: 'c5' }), pass)
    expect(matchedKeysOf(change)).toEqual([['contacts', 'list']])
    expect(verdict(change)).toBe('batch #9 → 1 key')
    const steps = decisionTrail(change, context([change, pass]))
    expect(steps.map((s) => s.title)).toEqual([
      'Received',
      'Passed dedup and echo',
      'Batch #9',
      'Invalidated',
    ])
    expect(steps[2]?.text).toBe(
      `Coalesced into batch #9 with 1 other event, flushed 201 ms after it arrived (at ${formatTime(T0 + 203)}).`,
    )
    expect(steps[2]?.links).toEqual([{ seq: 3, label: '#3 invalidation' }])
    expect(steps[3]?.keys).toEqual([['contacts', 'list']])
  })

  it('explains a leading-edge flush: the change did not wait for the batch window', () => {
    const pass = row(
      invalidated(2, [1], PASS_KEYS, {
        at: T0 + 3,
        batchId: 5,
        leading: true,
        reason: 'batch #5, flushed at once (no pass in the last 200 ms): 1 change coalesced',
      }),
    )
    const change = row(received(1, { table: 'contacts', recordId: 'c5' }), pass)
    const steps = decisionTrail(change, context([change, pass]))
    expect(steps[2]).toMatchObject({
      title: 'Batch #5',
      text: `Flushed at once in batch #5, 2 ms after it arrived (at ${formatTime(T0 + 3)}): no invalidation pass ran in the last batch window (batchMs), so it did not wait for one.`,
      detail: 'batch #5, flushed at once (no pass in the last 200 ms): 1 change coalesced',
    })
    const passSteps = decisionTrail(pass, context([change, pass]))
    expect(passSteps[0]?.text).toBe(
      `Batch #5 flushed at once at ${formatTime(T0 + 3)}: no pass ran in the last batch window (batchMs), so the change did not wait for one.`,
    )
  })

  it('uses the keys an event already carries (a snapshot after its flush)', () => {
    const change = row(received(1, { batchId: 4, matchedKeys: [['deals', 'list']] }))
    expect(verdict(change)).toBe('batch #4 → 1 key')
    expect(decisionTrail(change, context([change])).map((s) => s.title)).toEqual([
      'Received',
      'Passed dedup and echo',
      'Batch #4',
      'Invalidated',
    ])
  })

  it('says it is waiting while its batch has not flushed', () => {
    const change = row(received(1))
    expect(verdict(change)).toBe('queued for the next batch')
    expect(decisionTrail(change, context([change])).at(-1)?.title).toBe('Waiting for the batch')
  })

  it('shows a teammate’s change in the echo window as a note, not a drop', () => {
    const change = row(
      received(1, {
        reason:
          'not an echo: this tab wrote deals/d1 40 ms earlier (#1), but the actor is user-bob, not the current user',
      }),
    )
    expect(decisionTrail(change, context([change]))[1]?.detail).toMatch(/^not an echo/)
  })
})

describe('dropped events', () => {
  it('deduped → the first delivery, with its age and outcome', () => {
    const pass = row(invalidated(2, [1], [['deals', 'list']], { batchId: 1 }))
    const first = row(received(1), pass)
    const copy = row(
      received(3, {
        kind: 'deduped',
        relatedSeq: 1,
        at: T0 + 301,
        reason: 'same event id 1001 as #1',
      }),
    )
    expect(verdict(copy)).toBe('duplicate of #1')
    const steps = decisionTrail(copy, context([first, pass, copy]))
    expect(steps[1]).toMatchObject({
      tone: 'drop',
      text: 'Deduped: duplicate of #1, 300 ms earlier.',
      detail: 'same event id 1001 as #1',
      links: [{ seq: 1, label: '#1 first delivery' }],
    })
    expect(steps[2]?.text).toContain('(batch #1 → 1 key)')
  })

  it('deduped, the first delivery no longer held: the age comes from the reason', () => {
    const copy = row(
      received(50, {
        kind: 'deduped',
        relatedSeq: 1,
        reason: 'same event id 9 as #1, delivered again 1200 ms later (window 2000 ms)',
      }),
    )
    expect(decisionTrail(copy, context([copy]))[1]?.text).toBe(
      'Deduped: duplicate of #1, 1,200 ms earlier.',
    )
  })

  it('echo → the write, and the write → its echoes', () => {
    const write = row({ seq: 5, at: T0 + 400, kind: 'write', table: 'deals', recordId: 'd9' })
    const echo = row(received(6, { kind: 'echo', recordId: 'd9', at: T0 + 520, relatedSeq: 5 }))
    const ctx = context([write, echo])
    expect(verdict(echo)).toBe("echo of this tab's write #5")
    expect(decisionTrail(echo, ctx)[1]).toMatchObject({
      text: 'Echo: this tab wrote deals/d9 120 ms earlier (#5), and the change comes back from the current user.',
      links: [{ seq: 5, label: '#5 write' }],
    })
    expect(verdict(write)).toBe('this tab wrote deals/d9 (echo guard)')
    expect(decisionTrail(write, ctx)[1]).toMatchObject({
      title: 'Echoes',
      links: [{ seq: 6, label: '#6 echo, 120 ms later' }],
    })
  })

  it('malformed → the reason, nothing invalidated', () => {
    const bad = row({
      seq: 1,
      at: T0,
      kind: 'malformed',
      orgId: 'org_acme',
      reason: 'table_name is missing',
      payload: { id: 1 },
    })
    expect(verdict(bad)).toBe('malformed: table_name is missing')
    expect(decisionTrail(bad, context([bad]))[1]?.text).toBe(
      'The engine could not use this payload: table_name is missing.',
    )
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
    const manual = row(invalidated(1, [], [['profiles']], { batchId: 2, table: 'profiles' }))
    expect(verdict(manual)).toBe('batch #2: manual → 1 key')
  })

  it('a resync explains the refetch of the whole organization', () => {
    const resync = row({
      seq: 1,
      at: T0,
      kind: 'resync',
      orgId: 'org_acme',
      channel: { topic: 'org:org_acme', status: 'SUBSCRIBED' },
      reason: 'org:org_acme subscribed again (time 2)',
    })
    expect(verdict(resync)).toBe('resync: refetch every org_acme query')
    const pass = row(invalidated(2, [1], PASS_KEYS), undefined)
    resync.servedBy = pass
    expect(verdict(resync)).toBe('resync: org_acme → 8 keys')
    expect(decisionTrail(resync, context([resync, pass]))[0]?.text).toMatch(
      /^org:org_acme was live at .*could not be replayed, so every query of org_acme is refetched/,
    )
  })

  it('a replay says what it read back, and a replayed change says it was not delivered live', () => {
    const nothing = row({
      seq: 1,
      at: T0,
      kind: 'resync',
      orgId: 'org_acme',
      replayed: true,
      channel: { topic: 'org:org_acme', status: 'SUBSCRIBED' },
      reason: 'org:org_acme live: nothing was missed during a 3.2 s gap: 0 refetches',
    })
    expect(verdict(nothing)).toBe('resync: org_acme, nothing missed → 0 refetches')
    expect(decisionTrail(nothing, context([nothing])).map((step) => step.title)).toEqual(['Replay'])

    const replay = row({
      ...nothing.event,
      seq: 2,
      reason: 'org:org_acme live: replayed 1 event (id 7) missed during a 3.2 s gap',
    })
    expect(verdict(replay)).toBe('resync: org_acme replaying')
    const change = row({
      seq: 3,
      at: T0,
      kind: 'received',
      orgId: 'org_acme',
      table: 'deals',
      op: 'UPDATE',
      recordId: 'd5',
      eventId: '7',
      replayed: true,
    })
    expect(verdict(change)).toBe('replayed: queued for the next batch')
    const pass = row(invalidated(4, [2, 3], [['deals', 'list']]), undefined)
    replay.servedBy = pass
    change.servedBy = pass
    expect(verdict(replay)).toBe('resync: org_acme replayed → 1 key')
    expect(verdict(change)).toBe('replayed: batch #1 → 1 key')
    const steps = decisionTrail(change, context([replay, change, pass]))
    expect(steps[0]).toMatchObject({ title: 'Replayed' })
    expect(steps[0]?.text).toMatch(/the channel was not live when this change was committed/)
  })

  it('a channel error says that nothing is delivered until it subscribes again', () => {
    const status = row({
      seq: 1,
      at: T0,
      kind: 'channel',
      orgId: 'org_acme',
      channel: { topic: 'org:org_acme', status: 'CHANNEL_ERROR' },
      reason: 'jwt expired',
    })
    expect(verdict(status)).toBe('org:org_acme CHANNEL_ERROR: jwt expired')
    expect(decisionTrail(status, context([status]))[0]).toMatchObject({
      tone: 'warn',
      detail: expect.stringContaining('Error: jwt expired'),
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
    const pass = passOf()
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
