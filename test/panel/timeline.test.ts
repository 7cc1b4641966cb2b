import { describe, expect, it } from 'vitest'
import type { SocketRecord } from '../../bridge/socket/socket-records'
import { EngineLog } from '../../extension/panel/store/engine-log'
import {
  changeSpan,
  deliverySpans,
  lanesOf,
  socketMarks,
  spanPhases,
  TimelineIndex,
  wireTimes,
} from '../../extension/panel/store/timeline'
import type { EventRow } from '../../extension/panel/store/rows'
import type { SyncEvent } from '../../src/types'
import { deduped, invalidated, received, refetched, resync, T0 } from './support/sync-events'

/**
 * The Timeline tab's model: the phases of each change from the engine's log and the wire, a
 * pass's changes together, gaps and their replays on the connection's track, and a page without
 * the engine from its socket and QueryCache records.
 */

function logOf(events: SyncEvent[]): EngineLog {
  let id = 0
  const log = new EngineLog('e1', () => ++id)
  log.startSession('S1')
  log.ingest(events, { snapshot: false })
  return log
}

function rowOf(log: EngineLog, seq: number): EventRow {
  return log.find('S1', seq)!
}

const KEY_LIST = ['deals', 'list']
const KEY_RECORD = ['deals', 'record', 'd1']

/** Two changes of one pass: d1 matched both keys, d2 only the list. */
function passOfTwo(): SyncEvent[] {
  return [
    received(1, { at: T0 + 100, commitTimestamp: new Date(T0 + 40).toISOString(), eventId: '501' }),
    received(2, { at: T0 + 110, recordId: 'd2', eventId: '502' }),
    invalidated(3, [1, 2], [KEY_LIST, KEY_RECORD], {
      at: T0 + 130,
      batchId: 4,
      causeKeys: [[0, 1], [0]],
    }),
    refetched(4, KEY_LIST, {
      at: T0 + 170,
      batchId: 4,
      durationMs: 40,
      changes: { paths: [{ path: '[id=d1].title', before: '"Big"', after: '"Bigger"' }] },
    }),
    refetched(5, KEY_RECORD, { at: T0 + 160, batchId: 4, durationMs: 30, dataChanged: false }),
  ]
}

describe('the timeline of a change', () => {
  it('has its phases: commit (moved onto the page clock), wire, received, batch, invalidated, refetches', () => {
    const log = logOf(passOfTwo())
    const span = changeSpan(rowOf(log, 1), log, 5, T0 + 90)!
    expect(span).toMatchObject({
      commitAt: T0 + 45,
      wireAt: T0 + 90,
      receivedAt: T0 + 100,
      passAt: T0 + 130,
      batchId: 4,
      channel: 'org_acme',
      table: 'deals',
      keys: ['["deals","list"]', '["deals","record","d1"]'],
      endAt: T0 + 170,
      verdict: 'changed',
    })
    expect(span.refetches.map((r) => [r.key, r.startAt, r.endAt])).toEqual([
      ['["deals","list"]', T0 + 130, T0 + 170],
      ['["deals","record","d1"]', T0 + 130, T0 + 160],
    ])
    const phases = spanPhases(span, 5).map((p) => p.text)
    expect(phases[0]).toMatch(/^committed .*offset\), then 45 ms to the wire$/)
    expect(phases).toContain('waited 30 ms in its batch (#4)')
    expect(phases).toContain(
      'refetched ["deals","list"] in 40 ms: data changed: [id=d1].title: "Big" → "Bigger"',
    )
    expect(phases).toContain(
      'refetched ["deals","record","d1"] in 30 ms: identical data: nothing on screen changed',
    )
  })

  it("draws a pass's changes together: the same pass, each with only the refetches of its own keys", () => {
    const log = logOf(passOfTwo())
    const second = changeSpan(rowOf(log, 2), log, 0, undefined)!
    expect(second.passAt).toBe(T0 + 130)
    expect(second.batchId).toBe(4)
    expect(second.refetches.map((r) => r.key)).toEqual(['["deals","list"]'])
    expect(lanesOf(second, 'key')).toEqual(['["deals","list"]'])
    expect(lanesOf(second, 'table')).toEqual(['deals'])
  })

  it('says a duplicate was dropped, and a change still in its batch is waiting', () => {
    const log = logOf([received(1), deduped(2, 1), received(3, { recordId: 'd3' })])
    expect(changeSpan(rowOf(log, 2), log, 0, undefined)!.verdict).toBe('dropped')
    expect(changeSpan(rowOf(log, 3), log, 0, undefined)!.verdict).toBe('waiting')
  })
})

describe('the timeline index', () => {
  it('finds the changes in view as rows arrive, and marks a gap from its start to its replay', () => {
    const log = logOf(passOfTwo())
    const index = new TimelineIndex()
    index.update(log)
    expect(index.rowsIn(T0 + 100, T0 + 120).map((r) => r.event.seq)).toEqual([1, 2])
    log.ingest([resync(6, { at: T0 + 5_000, gapMs: 3_200, replayed: true, replayedCount: 2 })], {
      snapshot: false,
    })
    index.update(log)
    expect(index.engineMarks()).toEqual([
      expect.objectContaining({ kind: 'gap', from: T0 + 1_800, at: T0 + 5_000 }),
    ])
    expect(index.rowsIn(T0 + 60_000, T0 + 61_000)).toEqual([])
    expect(index.extent()).toEqual({ count: 2, start: T0 + 100, end: T0 + 110 })
  })

  it('starts over when the log is cleared, or another log (an imported file) is shown', () => {
    const log = logOf(passOfTwo())
    const index = new TimelineIndex()
    index.update(log)
    const imported = logOf([received(1, { at: T0 + 9 })])
    index.update(imported)
    expect(index.extent()).toEqual({ count: 1, start: T0 + 9, end: T0 + 9 })
    imported.clearView()
    index.update(imported)
    expect(index.extent().count).toBe(0)
  })
})

describe('the timeline of a page without the engine', () => {
  const frame = (seq: number, at: number, record: Record<string, unknown>): SocketRecord => ({
    seq,
    at,
    socket: 1,
    kind: 'frame',
    direction: 'in',
    size: 100,
    topic: 'realtime:org:acme',
    event: 'postgres_changes',
    ref: null,
    payload: { data: { type: 'INSERT', schema: 'public', table: 'realtime_table_events', record } },
  })
  const query = (
    seq: number,
    at: number,
    event: 'invalidated' | 'fetched',
    extra = {},
  ): SocketRecord => ({
    seq,
    at,
    socket: 0,
    kind: 'query',
    query: { client: 1, event, hash: '["deals"]', key: ['deals'], ...extra },
  })

  it("draws each delivery with what the app's hook did after it, or says it invalidated nothing", () => {
    const records: SocketRecord[] = [
      {
        seq: 1,
        at: T0,
        socket: 1,
        kind: 'open',
        url: 'wss://x/realtime/v1/websocket',
        vsn: '2.0.0',
      },
      frame(2, T0 + 100, {
        id: 7,
        table_name: 'deals',
        record_id: 'd1',
        created_at: new Date(T0 + 60).toISOString(),
      }),
      query(3, T0 + 102, 'invalidated'),
      query(4, T0 + 150, 'fetched', { durationMs: 45, dataChanged: true }),
      frame(5, T0 + 5_000, { id: 8, table_name: 'contacts', record_id: 'c1' }),
      { seq: 6, at: T0 + 6_000, socket: 1, kind: 'close', code: 1006, reason: '', clean: false },
    ]
    const [first, second] = deliverySpans(records, 1_000)
    expect(first).toMatchObject({
      frameSeq: 2,
      table: 'deals',
      commitAt: T0 + 60,
      wireAt: T0 + 100,
      passAt: T0 + 102,
      verdict: 'changed',
      refetches: [expect.objectContaining({ startAt: T0 + 105, endAt: T0 + 150 })],
    })
    expect(second!.verdict).toBe('not-invalidated')
    expect(spanPhases(second!, undefined).at(-1)!.text).toBe(
      'no query was invalidated after it: nothing on screen updated',
    )
    expect(socketMarks(records).map((m) => m.kind)).toEqual(['socket-open', 'socket-close'])
    expect(wireTimes(records).get('7')).toBe(T0 + 100)
  })
})
