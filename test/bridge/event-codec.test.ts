import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BATCH_FORMAT,
  checkSyncEvent,
  decodeEventBatch,
  encodeEventBatch,
  parseEventBatch,
} from '../../bridge/protocol'
import { PICKLISTS } from '../../bridge/protocol/field-rules'
import {
  EVENT_FIELDS,
  EVENT_LAYOUTS,
  type FieldRule,
  type KindLayout,
} from '../../src/event-fields'
import {
  CHANGE_OPERATIONS,
  CHANNEL_STATUSES,
  type DedupedEvent,
  type EchoEvent,
  type ReceivedEvent,
  SYNC_EVENT_KINDS,
  type SyncEvent,
  type SyncEventKind,
} from '../../src/types'

/** What protocol 1 delivered for the same events: their JSON, parsed. */
const asJson = (events: readonly unknown[]) => JSON.parse(JSON.stringify(events)) as unknown[]
const decode = (wire: string) => {
  const decoded = decodeEventBatch(JSON.parse(wire))
  if (!decoded.ok) throw new Error(decoded.error)
  return decoded.events
}
/** The rows of a batch, after its format number and its string table. */
const rowsOf = (wire: string) => (JSON.parse(wire) as unknown[][]).slice(2) as unknown[][]
/** A batch's string table. */
const stringsOf = (wire: string) => (JSON.parse(wire) as unknown[][])[1] as string[]

/** The head's flags (event-codec.ts): kind in bits 0–3, then these, then the field mask. */
const SEQ_NEXT = 1 << 4
const AT_DELTA = 1 << 5
const PAYLOAD_ROW = 1 << 6
const REPEATS = 1 << 7
const FIELDS_SHIFT = 8
/** A row's values after its head (and its repeats mask, if it has one). */
const valuesOf = (row: unknown[]) => row.slice(((row[0] as number) & REPEATS) !== 0 ? 2 : 1)
const kindIndex = (kind: SyncEventKind) => SYNC_EVENT_KINDS.indexOf(kind)
const fieldBit = (kind: SyncEventKind, field: string) =>
  1 << (FIELDS_SHIFT + (EVENT_LAYOUTS[kind] as KindLayout).fields.indexOf(field as never))

const T = 1_764_000_000_000
const RECORD = 'dea10000-0000-4000-8000-000000000001'

/** The realtime_table_events row of a change: its leading columns repeat the event's fields. */
function row(seq: number, columns: Record<string, unknown> = {}) {
  return {
    id: seq + 100,
    organization_id: 'org_acme',
    table_name: 'deals',
    event_type: 'UPDATE',
    record_id: RECORD,
    actor_id: 'user-bob',
    created_at: '2026-12-01T20:00:00.120456+00:00',
    ...columns,
  }
}

/** A received event as the engine logs it. */
function received(
  seq: number,
  columns: Record<string, unknown> = {},
  extra: Partial<ReceivedEvent> = {},
): ReceivedEvent {
  return inOrder({
    seq,
    at: T + seq,
    kind: 'received',
    orgId: 'org_acme',
    table: 'deals',
    op: 'UPDATE',
    recordId: RECORD,
    eventId: String(seq + 100),
    actorId: 'user-bob',
    commitTimestamp: '2026-12-01T20:00:00.123Z',
    latencyMs: 3,
    payload: row(seq, columns),
    ...extra,
  })
}

/** The event with its keys in its kind's layout order, as the engine builds it. */
function inOrder<E extends SyncEvent>(event: E): E {
  const fields = event as Record<string, unknown>
  const out: Record<string, unknown> = { seq: event.seq, at: event.at, kind: event.kind }
  for (const name of (EVENT_LAYOUTS[event.kind] as KindLayout).fields) {
    if (name in fields) out[name] = fields[name]
  }
  return out as E
}

/** The same change delivered again, and one this tab wrote coming back. */
function deduped(seq: number, relatedSeq: number): DedupedEvent {
  const { kind: _kind, ...change } = received(seq)
  return inOrder<DedupedEvent>({
    ...change,
    kind: 'deduped',
    relatedSeq,
    ageMs: 312.5,
    match: 'event-id',
    windowMs: 2_000,
  })
}

function echo(seq: number, relatedSeq: number): EchoEvent {
  const { kind: _kind, ...change } = received(seq, { actor_id: 'user-alice' })
  return inOrder<EchoEvent>({
    ...change,
    actorId: 'user-alice',
    kind: 'echo',
    relatedSeq,
    ageMs: 120,
    match: 'same-actor',
  })
}

/** An event of every kind with the facts the engine logs, in the field table's key order. */
function everyKind(): SyncEvent[] {
  return [
    received(1),
    received(2, {}, { replayed: true, latencyMs: undefined }),
    { ...received(3, { actor_id: 'user-carol' }, { actorId: 'user-carol' }) },
    deduped(4, 1),
    { seq: 5, at: T + 40, kind: 'write', table: 'deals', recordId: RECORD },
    echo(6, 5),
    {
      seq: 7,
      at: T + 250,
      kind: 'invalidated',
      batchId: 3,
      trigger: 'batch',
      causes: [1, 3],
      causeKeys: [[0, 1], [0]],
      matchedKeys: [
        ['deals', 'list', { status: 'open' }],
        ['deals', 'record', RECORD],
      ],
      markedStale: 1,
      leading: true,
      batchMs: 200,
    },
    {
      seq: 8,
      at: T + 260,
      kind: 'invalidated',
      batchId: 4,
      trigger: 'write',
      table: 'deals',
      causes: [],
      causeKeys: [],
      matchedKeys: [['deals', 'record', RECORD]],
      markedStale: 0,
      writes: [
        ['deals', RECORD],
        ['contacts', 'c2'],
      ],
    },
    {
      seq: 9,
      at: T + 300,
      kind: 'refetched',
      batchId: 3,
      table: 'deals',
      queryKey: ['deals', 'list', { status: 'open' }],
      durationMs: 38.25,
      outcome: 'success',
      dataChanged: false,
      observers: 2,
    },
    {
      seq: 10,
      at: T + 305,
      kind: 'refetched',
      batchId: 3,
      queryKey: ['deals', 'record', RECORD],
      durationMs: 5_012,
      outcome: 'error',
      error: 'permission denied for table deals',
      observers: 1,
    },
    {
      seq: 11,
      at: T + 9_000,
      kind: 'channel',
      orgId: 'org_acme',
      channel: { topic: 'org:org_acme', status: 'CLOSED' },
      note: 'closed-by-server',
      error: 'Token has expired 12 seconds ago',
      delayMs: 1_000,
    },
    {
      seq: 12,
      at: T + 10_100,
      kind: 'channel',
      orgId: 'org_acme',
      channel: { topic: 'org:org_acme', status: 'SUBSCRIBED' },
      note: 'live',
      waitedMs: 85,
    },
    {
      seq: 13,
      at: T + 10_200,
      kind: 'resync',
      orgId: 'org_acme',
      channel: { topic: 'org:org_acme', status: 'SUBSCRIBED' },
      gapMs: 1_200,
      replayed: true,
      replayedCount: 2,
      rereadCount: 1,
      firstId: '107',
      lastId: '109',
    },
    {
      seq: 14,
      at: T + 10_300,
      kind: 'resync',
      orgId: 'org_beta',
      channel: { topic: 'org:org_beta', status: 'SUBSCRIBED' },
      gapMs: 90_000_000,
      first: true,
      fallback: 'past-retention',
      retentionMs: 86_400_000,
    },
    {
      seq: 15,
      at: T + 10_400,
      kind: 'malformed',
      orgId: 'org_acme',
      input: 'change',
      problem: 'invalid-value',
      field: 'table_name',
      found: 'number',
      payload: { new: { table_name: 42 } },
    },
    {
      seq: 16,
      at: T + 10_500,
      kind: 'malformed',
      input: 'subscribe-status',
      problem: 'engine-error',
      error: 'listener threw',
      payload: '[unreadable payload]',
    },
    {
      seq: 17,
      at: T + 10_600,
      kind: 'unconfirmed',
      table: 'deals',
      recordId: RECORD,
      relatedSeq: 5,
      ageMs: 5_000,
      cause: 'events-unreadable',
      error: 'permission denied for table realtime_table_events',
    },
  ]
}

describe('the batch form of events', () => {
  it('decodes every kind to exactly what it was, key order included', () => {
    const events = everyKind()
    expect(new Set(events.map((e) => e.kind))).toEqual(new Set(SYNC_EVENT_KINDS))
    const decoded = decode(encodeEventBatch(events))
    expect(JSON.stringify(decoded)).toBe(JSON.stringify(asJson(events)))
    // In the field table's order: the panel's check takes each as it is, without a copy.
    for (const event of decoded) expect(checkSyncEvent(event)).toBe(event)
  })

  it('decodes the payloads JSON would, its key order included', () => {
    const events: SyncEvent[] = [
      received(1),
      received(2, { actor_id: null }),
      received(3, { actor_id: null }, { actorId: null }),
      received(4, { id: '104' }), // a string id: not elided, kept as sent
      received(5, {}, { payload: { note: 'no columns of ours', id: 105 } }),
      received(6, {}, { payload: [1, 2, 3] }),
      received(7, {}, { payload: 'a preview' }),
      received(8, {}, { payload: null }),
      // created_at the same as the commit time (a broadcast's): left out too.
      received(9, { created_at: '2026-12-01T20:00:00.123Z' }),
      received(10, { extra: { nested: [1] }, created_at: undefined }),
    ]
    const decoded = decode(encodeEventBatch(events))
    expect(JSON.stringify(decoded)).toBe(JSON.stringify(asJson(events)))
  })

  it("sends a change's payload as a row for received, deduped and echo, and never for other kinds", () => {
    const events = everyKind()
    // Each alone: in a batch, a row may leave out a payload row that repeats the previous one.
    const rows = events.map((event) => rowsOf(encodeEventBatch([event]))[0]!)
    events.forEach((event, i) => {
      const head = rows[i]![0] as number
      expect(head & 0xf).toBe(kindIndex(event.kind))
      const change = event.kind === 'received' || event.kind === 'deduped' || event.kind === 'echo'
      expect([event.seq, (head & PAYLOAD_ROW) !== 0]).toEqual([event.seq, change])
      if (change) {
        // The payload is the row's last value: [columns, what does not repeat the event…].
        const payload = rows[i]!.at(-1) as unknown[]
        expect(Array.isArray(payload)).toBe(true)
        expect(JSON.stringify(payload).length).toBeLessThan(
          JSON.stringify(event.payload).length / 2,
        )
      }
    })
    // A malformed event's payload is whatever was malformed: sent as it is.
    expect(rows[14]!.at(-1)).toEqual({ new: { table_name: 42 } })
  })

  it('sends a realistic received event in under 40% of its JSON', () => {
    const event = received(1_234)
    const wire = encodeEventBatch([event, event]).length - encodeEventBatch([event]).length
    expect(wire / JSON.stringify(event).length).toBeLessThan(0.4)
  })

  it('sends a received event in about 75 bytes in a batch of many (≤ 80 on average)', () => {
    // The events bench/pages/stream streams and docs/benchmarks.md measures: a teammate's
    // UPDATE, its row's created_at the commit time, ids as the demo's, `at` a few ms apart.
    const events: ReceivedEvent[] = []
    for (let i = 1; i <= 1_000; i++) {
      const commitTimestamp = new Date(Date.UTC(2026, 11, 1, 20, 0, 0, i * 3)).toISOString()
      const table = ['deals', 'contacts', 'tasks', 'notes'][i & 3]!
      const recordId = `r${i % 500}`
      events.push({
        seq: 41_000 + i,
        at: T + i * 3 + (i % 7),
        kind: 'received',
        orgId: 'org_acme',
        table,
        op: 'UPDATE',
        recordId,
        eventId: String(90_000 + i),
        actorId: 'user-bob',
        commitTimestamp,
        latencyMs: 4 + (i % 9),
        payload: {
          id: 90_000 + i,
          organization_id: 'org_acme',
          table_name: table,
          event_type: 'UPDATE',
          record_id: recordId,
          actor_id: 'user-bob',
          created_at: commitTimestamp,
        },
      })
    }
    const wire = encodeEventBatch(events)
    const perEvent = wire.length / events.length
    // Format 2 (every string in every row): about 100. Each commit time here is its own.
    expect(perEvent).toBeLessThanOrEqual(80)
    // Against its JSON (about 400 bytes), and still exact.
    expect(perEvent / JSON.stringify(events[500]).length).toBeLessThan(0.2)
    expect(JSON.stringify(decode(wire))).toBe(JSON.stringify(asJson(events)))
  })

  it("sends each repeated text once per batch, as its index in the batch's strings", () => {
    const events = [
      received(1),
      received(2, { table_name: 'tasks' }, { table: 'tasks' }),
      received(3),
    ]
    const wire = encodeEventBatch(events)
    const strings = stringsOf(wire)
    for (const text of ['org_acme', 'deals', 'tasks', 'user-bob']) {
      expect(strings.filter((s) => s === text)).toEqual([text])
    }
    // A row's ids are its own: they stay in the row, where they are shorter than an index.
    expect(strings).not.toContain(RECORD)
    expect(rowsOf(wire)[0]).toContain(RECORD)
    expect(JSON.stringify(decode(wire))).toBe(JSON.stringify(asJson(events)))
    // A text field holding a number or an array is not read as an index.
    const odd = [received(1, {}, { orgId: 0 as never }), received(2, {}, { table: [0] as never })]
    expect(JSON.stringify(decode(encodeEventBatch(odd)))).toBe(JSON.stringify(asJson(odd)))
  })

  it('leaves out the values a row sent as the previous row of its kind sent them', () => {
    const events = [received(1), received(2), deduped(3, 1), received(4), received(5)]
    const wire = encodeEventBatch(events)
    const rows = rowsOf(wire)
    const repeated = rows.map((row) => ((row[0] as number) & REPEATS) !== 0)
    // After a row of another kind, or first: everything is sent.
    expect(repeated).toEqual([false, true, false, false, true])
    // The same organization, table, record, actor, commit time and payload row: only its `at`
    // (as a difference) and its eventId are sent.
    expect(valuesOf(rows[1]!)).toEqual([1, '102'])
    expect(JSON.stringify(decode(wire))).toBe(JSON.stringify(asJson(events)))
    // A repeat of a row that failed, of another kind, or of a field the row lacks: undefined.
    const [format, strings, first, second] = JSON.parse(wire) as [number, string[], ...unknown[][]]
    const pass = rowsOf(encodeEventBatch([deduped(3, 1)]))[0]!
    expect(decodeEventBatch([format, strings, null, second])).toEqual({
      ok: true,
      events: [undefined, undefined],
    })
    const afterOther = decodeEventBatch([format, strings, first, pass, second])
    expect(afterOther.ok && afterOther.events.map((e) => e?.seq)).toEqual([1, 3, undefined])
    const mask = second![1] as number
    for (const bad of [0, -1, 0.5, 'x', mask | (1 << 14), 2 ** 20]) {
      expect(decode(JSON.stringify([format, strings, first, second!.with(1, bad)]))[1]).toBe(
        undefined,
      )
    }
  })

  it('refuses a string table that is not one, and a row naming a string the table lacks', () => {
    const wire = encodeEventBatch([received(1)])
    const [format, strings, row] = JSON.parse(wire) as [number, string[], unknown[]]
    for (const table of [undefined, null, {}, [1], ['a', null]]) {
      expect(decodeEventBatch([format, table, row])).toMatchObject({
        ok: false,
        error: "a batch's string table is not an array of strings",
      })
    }
    // The row's orgId is its first value after seq and `at` (the first row tells seq).
    const orgAt = 3
    expect(row[orgAt]).toBe(strings.indexOf('org_acme'))
    for (const index of [strings.length, -1, 0.5]) {
      const bad = row.with(orgAt, index)
      expect(decodeEventBatch([format, strings, bad])).toEqual({ ok: true, events: [undefined] })
    }
    // A string in its place is taken as it is (and judged by the panel's check).
    expect(decode(JSON.stringify([format, strings, row.with(orgAt, 'org_acme')]))).toEqual(
      decode(wire),
    )
  })

  it('leaves out only the leading columns that repeat the event, and keeps the rest in place', () => {
    const [encoded] = rowsOf(encodeEventBatch([received(1, { actor_id: 'someone-else' })]))
    // Seven leading columns, id … record_id repeating the event (left out), then actor_id and
    // created_at as sent.
    expect(encoded!.at(-1)).toEqual([
      7 | (0b11111 << 3),
      'someone-else',
      '2026-12-01T20:00:00.120456+00:00',
    ])
  })

  it('keeps a `__proto__` column as data, never as a prototype', () => {
    const payload = JSON.parse('{"id":101,"organization_id":"org_acme","__proto__":{"polluted":1}}')
    const [event] = decode(encodeEventBatch([received(1, {}, { payload })]))
    if (event?.kind !== 'received') throw new Error('not decoded')
    const decoded = event.payload as Record<string, unknown>
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
    expect(Object.keys(decoded)).toEqual(['id', 'organization_id', '__proto__'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('tells seq by the previous one and `at` as a difference, when it can', () => {
    const events: SyncEvent[] = [
      received(1, {}, { at: T }),
      received(2, {}, { at: T + 3 }), // the next seq, 3 ms later
      received(7, {}, { at: T - 1_000 }), // a seq jump (a gap), and back in time
      received(8, {}, { at: T + 0.5 }), // not an integer: sent whole
      received(9, {}, { at: 2 ** 53 - 1 }), // the difference is no safe integer: sent whole
      received(10, {}, { at: -(2 ** 53 - 1) }),
    ]
    const wire = encodeEventBatch(events)
    const rows = rowsOf(wire)
    const heads = rows.map((r) => r[0] as number)
    expect(heads.map((h) => (h & SEQ_NEXT) !== 0)).toEqual([false, true, false, true, true, true])
    expect(heads.map((h) => (h & AT_DELTA) !== 0)).toEqual([true, true, true, false, false, false])
    // [head, seq, at delta, …] then [head, at delta, …] (after the repeats mask, if any)
    const values = rows.map(valuesOf)
    expect(values[0]!.slice(0, 2)).toEqual([1, T])
    expect(values[1]![0]).toBe(3)
    expect(values[2]!.slice(0, 2)).toEqual([7, -1_003])
    expect(values[3]![0]).toBe(T + 0.5)
    expect(JSON.stringify(decode(wire))).toBe(JSON.stringify(asJson(events)))
  })

  it('sends every picklist value as its index, and one its list does not know as it is', () => {
    const known = everyKind()
    const pass = rowsOf(encodeEventBatch(known))[6]!
    // invalidated, the seq after the last: [head, at delta, batchId, trigger, …]: 'batch' is 0.
    expect(pass.slice(2, 4)).toEqual([3, 0])
    const strange = [
      received(1, {}, { op: 'UPSERT' as never }),
      { ...deduped(2, 1), match: 'fuzzy' as never },
      { ...deduped(3, 1), match: 4 as never }, // a number where a name belongs: not an index
      { ...deduped(4, 1), match: [1] as never },
      { ...deduped(5, 1), match: null as never },
      {
        seq: 6,
        at: T,
        kind: 'refetched',
        batchId: 1,
        queryKey: [],
        durationMs: 1,
        outcome: 'timeout' as never,
        observers: 0,
      },
      {
        seq: 7,
        at: T,
        kind: 'channel',
        orgId: 'o',
        channel: { topic: 't', status: 'OPEN' as never },
        note: 'later' as never,
      },
    ] satisfies SyncEvent[]
    const wire = encodeEventBatch(strange)
    expect(JSON.stringify(decode(wire))).toBe(JSON.stringify(asJson(strange)))
    // The panel's check refuses every one of them.
    expect(parseEventBatch(wire)).toMatchObject({ events: [], rejected: strange.length })
  })

  it('decodes a hostile row to undefined, and the rows before it as they were', () => {
    const goodWire = encodeEventBatch([received(1)])
    const good = rowsOf(goodWire)[0]!
    const strings = stringsOf(goodWire)
    const write = kindIndex('write')
    const writeFields = fieldBit('write', 'table') | fieldBit('write', 'recordId')
    const received0 = kindIndex('received')
    const payloadBit = fieldBit('received', 'payload')
    const changeFields =
      fieldBit('received', 'orgId') |
      fieldBit('received', 'table') |
      fieldBit('received', 'op') |
      fieldBit('received', 'recordId') |
      fieldBit('received', 'eventId')
    const withPayload = (payload: unknown) => [
      received0 | PAYLOAD_ROW | changeFields | payloadBit,
      2,
      T,
      'org_acme',
      'deals',
      1,
      'd1',
      '102',
      payload,
    ]
    // Each is judged after the good row (so a relative seq or `at` could be resolved).
    const hostile: unknown[] = [
      null,
      42,
      'row',
      {},
      [],
      ['0', 1, 2],
      [-1],
      [1.5, 2, T],
      [2 ** 31, 2, T],
      [15, 2, T], // a kind of no layout
      [write | writeFields, 2, T, 't'], // two fields named, one value
      [write | writeFields, 2, T, 't', 'r', 'x'], // two named, three values
      [write | (1 << (FIELDS_SHIFT + 4)), 2, T], // a field bit past the kind's layout
      [write | AT_DELTA | writeFields, 2, 'soon', 't', 'r'], // a difference that is no number
      [write | PAYLOAD_ROW | writeFields, 2, T, 't', 'r'], // a payload row for a kind of none
      [received0 | PAYLOAD_ROW | changeFields, 2, T, 'org_acme', 'deals', 1, 'd1', '102'],
      withPayload('not a row'),
      withPayload([-1]),
      withPayload([1.5]),
      withPayload([8]), // a repeated column, none leading
      withPayload([1 | (0b10 << 3)]), // a repeated column past those leading
      withPayload([1]), // one leading column, no value for it
      withPayload([1 | (1 << 3), 'rest']), // the rest is no object
      withPayload([1 | (1 << 3), { id: 1 }]), // the rest names a leading column
      withPayload([1 | (1 << 3), {}, 'more']),
      // actor_id repeated from an event that has no actorId: nothing to restore it from.
      withPayload([6 | (0b100000 << 3), 1, 'org_acme', 'deals', 'UPDATE', 'd1']),
    ]
    for (const bad of hostile) {
      const decoded = decodeEventBatch([BATCH_FORMAT, strings, good, bad])
      if (!decoded.ok) throw new Error(decoded.error)
      expect([fc.stringify(bad), decoded.events[1]]).toEqual([fc.stringify(bad), undefined])
      expect(JSON.stringify(decoded.events[0])).toBe(JSON.stringify(received(1)))
      // The panel counts it as rejected and never renders it.
      const parsed = parseEventBatch(JSON.stringify([BATCH_FORMAT, strings, good, bad]))
      expect(parsed).toMatchObject({ rejected: 1 })
      expect(parsed.events.map((e) => e.seq)).toEqual([1])
    }
    // A row told relative to no row (first in its batch, or after one that failed): undefined.
    const next = rowsOf(encodeEventBatch([received(1), received(2)]))[1]!
    expect((next[0] as number) & SEQ_NEXT).toBeTruthy()
    expect(decode(JSON.stringify([BATCH_FORMAT, strings, next]))).toEqual([undefined])
    expect(decode(JSON.stringify([BATCH_FORMAT, strings, good, null, next]))[2]).toBeUndefined()
  })

  it('an event of a kind it has no layout for costs itself, never the next event', () => {
    const events = [
      received(1),
      { seq: 2, at: T + 5, kind: 'from-a-newer-engine' } as never,
      received(3), // seq and at follow the unknown one
      received(4),
    ]
    const wire = encodeEventBatch(events)
    const decoded = decode(wire)
    expect(decoded[1]).toBeUndefined()
    expect(JSON.stringify([decoded[0], decoded[2], decoded[3]])).toBe(
      JSON.stringify(asJson([received(1), received(3), received(4)])),
    )
    expect(parseEventBatch(wire)).toMatchObject({ rejected: 1 })
    expect(parseEventBatch(wire).events.map((e) => e.seq)).toEqual([1, 3, 4])
  })

  it('keeps what JSON would: huge times, undefined columns; a kind that is no name is unreadable', () => {
    const odd = [
      { seq: 1, at: -(2 ** 53 - 2), kind: 'write', table: 't', recordId: 'r' },
      { seq: 2, at: 2 ** 53 - 1, kind: 'write', table: 't', recordId: 'r' },
      received(3, {}, { payload: { id: undefined, organization_id: 'org_acme', x: 1 } }),
      { ...received(4), replayed: undefined },
    ] satisfies SyncEvent[]
    expect(JSON.stringify(decode(encodeEventBatch(odd)))).toBe(JSON.stringify(asJson(odd)))
    const numeric = [{ seq: 1, at: 1, kind: 3 }, { seq: 2, at: 2, kind: ['received'] }, received(3)]
    const wire = encodeEventBatch(numeric as never)
    expect(decode(wire).map((e) => e?.seq)).toEqual([undefined, undefined, 3])
    // Rejected by the panel, as a JSON batch's numeric kind was.
    expect(parseEventBatch(wire)).toMatchObject({ rejected: 2 })
  })

  it('costs an unserializable payload its payload, not the batch', () => {
    const wire = encodeEventBatch([received(1, {}, { payload: { n: 1n } }), received(2)])
    const parsed = parseEventBatch(wire)
    expect(parsed.rejected).toBe(0)
    expect(parsed.events.map((e) => (e.kind === 'received' ? e.payload : e.kind))).toEqual([
      '[payload not serializable]',
      received(2).payload,
    ])
  })

  it('turns an event whose facts JSON cannot carry into a malformed one of the same seq', () => {
    const refetch = {
      seq: 2,
      at: T + 2,
      kind: 'refetched',
      batchId: 1,
      queryKey: ['deals', 1n],
      durationMs: 3,
      outcome: 'success',
      observers: 1,
    } satisfies SyncEvent
    const parsed = parseEventBatch(encodeEventBatch([received(1), refetch, received(3)]))
    expect(parsed.rejected).toBe(0)
    expect(parsed.events.map((e) => e.seq)).toEqual([1, 2, 3])
    expect(parsed.events[1]).toEqual({
      seq: 2,
      at: T + 2,
      kind: 'malformed',
      input: 'change',
      problem: 'engine-error',
      error: '[event not serializable]',
    })
  })

  it('round-trips any JSON-valued event of every kind in its layout, as JSON would', () => {
    const json = fc.jsonValue({ maxDepth: 2 })
    const text = fc.string({ maxLength: 6 })
    const column = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, json)
    /** Mostly a value of the field's rule, sometimes any JSON value. */
    const field = <T>(a: fc.Arbitrary<T>) =>
      fc.oneof({ arbitrary: a, weight: 8 }, { arbitrary: json, weight: 1 })
    const picklist = (values: readonly string[]) => field(fc.constantFrom(...values))
    const RULES: Record<FieldRule, fc.Arbitrary<unknown>> = {
      text: field(fc.constantFrom('org_acme', 'o', '1', '2', '10', 'deals')),
      longText: field(text),
      nullableText: field(fc.constantFrom(null, 'u1', 'u2')),
      timestamp: field(text),
      number: field(fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }))),
      duration: field(fc.nat()),
      seq: field(fc.integer({ min: 1, max: 1_000 })),
      count: field(fc.nat()),
      boolean: field(fc.boolean()),
      seqs: field(fc.array(fc.nat(), { maxLength: 3 })),
      key: field(fc.array(json, { maxLength: 3 })),
      keys: field(fc.array(fc.array(json, { maxLength: 3 }), { maxLength: 2 })),
      keyRefs: field(fc.array(fc.array(fc.nat(3), { maxLength: 2 }), { maxLength: 2 })),
      rows: field(fc.array(fc.tuple(text, text), { maxLength: 2 })),
      channel: field(fc.record({ topic: text, status: fc.constantFrom(...CHANNEL_STATUSES) })),
      operation: picklist(PICKLISTS.operation),
      outcome: picklist(PICKLISTS.outcome),
      match: picklist(PICKLISTS.match),
      trigger: picklist(PICKLISTS.trigger),
      fallback: picklist(PICKLISTS.fallback),
      input: picklist(PICKLISTS.input),
      problem: picklist(PICKLISTS.problem),
      valueType: picklist(PICKLISTS.valueType),
      note: picklist(PICKLISTS.note),
      cause: picklist(PICKLISTS.cause),
      changes: field(
        fc.record(
          {
            paths: fc.array(
              fc.record({ path: text, before: text, after: text }, { requiredKeys: ['path'] }),
              {
                maxLength: 2,
              },
            ),
            added: fc.array(text, { maxLength: 2 }),
            reordered: fc.boolean(),
          },
          { requiredKeys: ['paths'] },
        ),
      ),
      any: fc.oneof(
        json,
        // Rows whose leading columns repeat the event's fields, or nearly.
        fc.record(
          {
            id: column(fc.constantFrom(1, 2, 10)),
            organization_id: column(fc.constantFrom('org_acme', 'o')),
            table_name: column(fc.constantFrom('deals', 'o')),
            event_type: column(fc.constantFrom(...CHANGE_OPERATIONS)),
            record_id: column(fc.constantFrom('1', '2', '10')),
            actor_id: column(fc.constantFrom(null, 'u1')),
            created_at: column(text),
            extra: json,
          },
          { requiredKeys: [] },
        ),
      ),
    }
    const ofKind = (kind: SyncEventKind) => {
      const model: Record<string, fc.Arbitrary<unknown>> = {
        seq: fc.integer({ min: 1, max: 1_000 }),
        at: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
        kind: fc.constant(kind),
      }
      for (const name of (EVENT_LAYOUTS[kind] as KindLayout).fields) {
        model[name] = RULES[EVENT_FIELDS[name].rule]
      }
      return fc.record(model, { requiredKeys: ['seq', 'at', 'kind'] })
    }
    const event = fc.constantFrom(...SYNC_EVENT_KINDS).chain(ofKind)
    fc.assert(
      fc.property(fc.array(event, { maxLength: 5 }), (events) => {
        const decoded = decode(encodeEventBatch(events as SyncEvent[]))
        expect(JSON.stringify(decoded)).toBe(JSON.stringify(asJson(events)))
      }),
      { numRuns: 2_000 },
    )
  })

  it('never throws on arbitrary input, and rejects what is not a batch of ours', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const decoded = decodeEventBatch(value)
        if (!Array.isArray(value) || value[0] !== BATCH_FORMAT) expect(decoded.ok).toBe(false)
      }),
      { numRuns: 2_000 },
    )
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 3 })), (rows) => {
        const decoded = decodeEventBatch([BATCH_FORMAT, [], ...rows])
        expect(decoded.ok && decoded.events.length).toBe(rows.length)
      }),
      { numRuns: 2_000 },
    )
  })
})
