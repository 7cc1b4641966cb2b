import { describe, expect, it } from 'vitest'
import { socketModel } from '../../extension/panel/store/socket-model'
import {
  followWrites,
  type UnconfirmedSeen,
  type WriteOutcome,
} from '../../extension/panel/store/write-follow'
import { unanswered, writeVerdict } from '../../extension/panel/store/write-text'
import { SocketRecords as Records } from './support/socket-records'

/**
 * The Writes tab's reasoning on the records a page sends: each write followed to its echo on
 * the wire, else, once the window has passed, the likeliest cause, or the engine's, which wins.
 */

const CONFIRM_MS = 5_000

function follow(records: Records, now: number, unconfirmed: UnconfirmedSeen[] = []) {
  return followWrites({
    records: records.list,
    model: socketModel(records.list),
    unconfirmed,
    confirmMs: CONFIRM_MS,
    now,
  })
}

const outcomes = (records: Records, now: number, unconfirmed: UnconfirmedSeen[] = []) =>
  follow(records, now, unconfirmed).writes.map((w) => w.outcome)

describe('following a write on the wire', () => {
  it('finds its echo: the change of its row, and how long after the request it came', () => {
    const records = new Records().joined(0).write(1_000).change(1_120, 'deals', 'd1')
    expect(outcomes(records, 2_000)).toEqual([
      { state: 'echoed', echoMs: 120, frameSeq: 5, table: 'deals', recordId: 'd1' },
    ])
    const [followed] = follow(records, 2_000).writes
    expect(writeVerdict(followed!)).toMatchObject({
      summary: 'its change came back in 120 ms (deals d1)',
      tone: 'ok',
    })
  })

  it('waits out the window, then says no change came back (the clock alone moves it)', () => {
    const records = new Records().joined(0).change(500, 'contacts', 'c1').write(1_000)
    expect(outcomes(records, 3_000)).toEqual([{ state: 'waiting', leftMs: 3_000 }])
    expect(outcomes(records, 6_000)).toEqual([{ state: 'unconfirmed', guess: 'table-not-tracked' }])
  })

  it("does not take another row's change, or one before the request, for its echo", () => {
    const records = new Records()
      .joined(0)
      .change(900, 'deals', 'd1')
      .write(1_000)
      .change(1_100, 'deals', 'd2')
    expect(outcomes(records, 7_000)).toEqual([{ state: 'unconfirmed', guess: 'row-not-delivered' }])
  })

  it('says so when the write failed, at once: there is nothing to wait for', () => {
    const records = new Records().joined(0).write(1_000, {
      status: 403,
      error: { code: '42501', message: 'new row violates row-level security policy' },
    })
    const { writes } = follow(records, 1_100)
    expect(writes[0]!.outcome).toEqual({ state: 'failed' })
    expect(writeVerdict(writes[0]!).step).toMatch(/row-level security policy of deals refused/)
    expect(unanswered(writes)).toBe(1)
  })

  it('says a write that changed no row changed none', () => {
    const records = new Records().joined(0).write(1_000, { rows: 0 })
    const { writes } = follow(records, 7_000)
    expect(writes[0]!.outcome).toEqual({ state: 'unconfirmed', guess: 'no-row-changed' })
    expect(writeVerdict(writes[0]!).reason).toMatch(/changed no row/)
  })

  it('says no channel was live when none was joined and open while it waited', () => {
    const records = new Records().joined(0).closed(500).write(1_000)
    expect(outcomes(records, 7_000)).toEqual([{ state: 'unconfirmed', guess: 'no-live-channel' }])
    const none = new Records().write(1_000)
    expect(outcomes(none, 7_000)).toEqual([{ state: 'unconfirmed', guess: 'no-live-channel' }])
  })

  it('says nothing arrives at all when no change ever came on a live channel, naming the publication check', () => {
    const records = new Records().joined(0).write(1_000)
    const { writes } = follow(records, 7_000)
    expect(writes[0]!.outcome).toEqual({ state: 'unconfirmed', guess: 'nothing-arrives' })
    expect(writeVerdict(writes[0]!).step).toContain(
      'alter publication supabase_realtime add table public.realtime_table_events;',
    )
  })

  it("names the advisor's check and the fix for a table that is not tracked", () => {
    const records = new Records().joined(0).change(10, 'contacts', 'c1').write(1_000)
    const verdict = writeVerdict(follow(records, 7_000).writes[0]!)
    expect(verdict.summary).toBe('no change came back: likely table-not-tracked')
    expect(verdict.step).toBe(
      "Run select * from realtime_sync_doctor(); and see check table-tracked. The fix: select public.realtime_track_table('public.deals');",
    )
  })

  it("lets the engine's verdict win, and matches it to the write of its row", () => {
    const records = new Records().joined(0).change(10, 'contacts', 'c1').write(1_000)
    const engine: UnconfirmedSeen = {
      seq: 42,
      at: 6_100,
      table: 'deals',
      recordId: 'd1',
      ageMs: 5_000,
      cause: 'no-event-row',
    }
    const other: UnconfirmedSeen = { ...engine, seq: 43, recordId: 'd9' }
    const followed = follow(records, 6_100, [engine, other])
    expect(followed.writes[0]!.outcome).toEqual<WriteOutcome>({
      state: 'unconfirmed',
      guess: 'table-not-tracked',
      engine: { seq: 42, cause: 'no-event-row', recordId: 'd1', replayed: false },
    })
    expect(writeVerdict(followed.writes[0]!).summary).toBe(
      'no change came back: the engine says no-event-row (#42)',
    )
    // The engine's step says public.<table>: the write names which.
    expect(writeVerdict(followed.writes[0]!).step).toContain(
      "check table-tracked for this table (select public.realtime_track_table('public.deals');)",
    )
    // A verdict no recorded write claims is still shown (the wire did not see that write).
    expect(followed.engineOnly.map((u) => u.seq)).toEqual([43])
  })

  it('does not judge a write older than the frames held: its echo may have been let go', () => {
    const records = new Records().write(1_000).joined(2_000)
    const { writes } = followWrites({
      records: records.list,
      model: socketModel(records.list),
      unconfirmed: [],
      confirmMs: CONFIRM_MS,
      now: 9_000,
      heldSince: 2_000,
    })
    expect(writes[0]!.outcome).toEqual({ state: 'unknown' })
  })

  it('takes any change after a function call as its likeliest echo (the page cannot see which tables it writes)', () => {
    const records = new Records()
      .joined(0)
      .write(1_000, { method: 'POST', table: undefined, fn: 'close_deal', ids: [] })
      .change(1_200, 'deals', 'd7')
    expect(outcomes(records, 2_000)[0]).toMatchObject({ state: 'echoed', echoMs: 200 })
  })

  it('does not call a function that no change followed a fault: it may write no row', () => {
    const records = new Records()
      .joined(0)
      .write(1_000, { method: 'POST', table: undefined, fn: 'deal_totals', ids: [] })
    const { writes } = follow(records, 9_000)
    expect(writes[0]!.outcome).toEqual({ state: 'quiet-call' })
    expect(writeVerdict(writes[0]!).tone).toBe('waiting')
    expect(unanswered(writes)).toBe(0)
  })

  it("does not follow the engine's own read of the database's clock (rpc realtime_sync_now)", () => {
    const records = new Records()
      .joined(0)
      .write(1_000, { method: 'POST', table: undefined, fn: 'realtime_sync_now', ids: [] })
    expect(follow(records, 9_000).writes).toEqual([])
  })

  it('takes a late change of its row for its echo, until the page wrote the row again', () => {
    const late = new Records().joined(0).change(10, 'contacts', 'c1').write(1_000)
    late.change(8_000, 'deals', 'd1')
    expect(outcomes(late, 9_000)).toMatchObject([{ state: 'echoed', echoMs: 7_000 }])

    // Once the table is tracked again, the next write's change is that write's, not the first's.
    const again = new Records().joined(0).change(10, 'contacts', 'c1').write(1_000)
    again.write(20_000).change(20_050, 'deals', 'd1')
    expect(outcomes(again, 21_000)).toEqual([
      { state: 'unconfirmed', guess: 'table-not-tracked' },
      { state: 'echoed', echoMs: 50, frameSeq: 7, table: 'deals', recordId: 'd1' },
    ])
  })

  it("keeps the engine's verdict over a change of the row that came after it", () => {
    const records = new Records().joined(0).write(1_000).change(30_000, 'deals', 'd1')
    const engine: UnconfirmedSeen = {
      seq: 42,
      at: 6_100,
      table: 'deals',
      recordId: 'd1',
      ageMs: 5_000,
      cause: 'no-event-row',
    }
    expect(outcomes(records, 31_000, [engine])[0]).toMatchObject({
      state: 'unconfirmed',
      engine: { seq: 42, cause: 'no-event-row' },
    })
  })

  it("judges 'other rows of its table arrive' by the window's end: a row of it that came later says nothing of this write", () => {
    const records = new Records().joined(0).change(10, 'contacts', 'c1').write(1_000)
    records.change(30_000, 'deals', 'd2')
    expect(outcomes(records, 31_000)).toEqual([
      { state: 'unconfirmed', guess: 'table-not-tracked' },
    ])
  })
})

describe('the socket model of a page that writes', () => {
  it('lists only its sockets: a write (socket 0) is not a socket of its own', () => {
    const records = new Records().joined(1_000).write(1_100).change(1_200, 'deals', 'd1')
    expect(socketModel(records.list).sockets.map((s) => s.socket)).toEqual([1])
  })
})
