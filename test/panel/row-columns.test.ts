import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EngineLog } from '../../extension/panel/store/engine-log'
import {
  compileFilter,
  compileRowFilter,
  type LogFilters,
} from '../../extension/panel/store/filters'
import { LogView } from '../../extension/panel/store/log-view'
import { RowColumns } from '../../extension/panel/store/row-columns'
import type { SyncEvent } from '../../src/types'

const T = 1_764_000_000_000

/** A change as the engine writes it: the realtime_table_events row it came from as payload. */
function change(seq: number, facts: Record<string, unknown> = {}): SyncEvent {
  const recordId = `r${seq % 7}`
  const commitTimestamp = new Date(T + seq).toISOString()
  return {
    seq,
    at: T + seq,
    kind: 'received',
    orgId: 'org_acme',
    table: seq % 2 ? 'deals' : 'contacts',
    op: 'UPDATE',
    recordId,
    eventId: String(1000 + seq),
    actorId: 'user-bob',
    commitTimestamp,
    latencyMs: 3,
    ...facts,
    payload: {
      id: 1000 + seq,
      organization_id: 'org_acme',
      table_name: seq % 2 ? 'deals' : 'contacts',
      event_type: 'UPDATE',
      record_id: recordId,
      actor_id: 'user-bob',
      created_at: commitTimestamp,
    },
  } as unknown as SyncEvent
}

/** Stored, then read back as the views read it. */
function roundTrip(event: SyncEvent): SyncEvent {
  const store = new RowColumns('e')
  store.pushEvent(1, 'S1', event)
  const row = store.view().at(0)!
  if (row.type !== 'event') throw new Error('not an event row')
  return row.event
}

describe('RowColumns', () => {
  it('gives back every change exactly as it came: its facts, its payload, its key order', () => {
    const cases: SyncEvent[] = [
      change(1),
      change(2, { replayed: true }),
      change(3, { replayed: false }),
      {
        ...change(4),
        kind: 'deduped',
        relatedSeq: 1,
        ageMs: 300,
        match: 'event-id',
        windowMs: 2000,
      } as SyncEvent,
      { ...change(5), kind: 'echo', relatedSeq: 2, ageMs: 40, match: 'same-actor' } as SyncEvent,
      // Kept as objects: an actor the row has as null, an id that is no bigint, an import's sentence.
      { ...change(6), actorId: null } as unknown as SyncEvent,
      { ...change(7), eventId: 'evt-7' } as SyncEvent,
      { ...change(8), reason: 'a sentence from an old file' } as SyncEvent,
      // A payload that is not the row of the event's fields: kept as it came.
      { ...change(9), payload: { id: 1009, extra: [1, 2] } } as SyncEvent,
      { ...change(10), payload: null } as unknown as SyncEvent,
    ]
    for (const event of cases) {
      const back = roundTrip(event)
      expect(back).toEqual(event)
      expect(JSON.stringify(back)).toBe(JSON.stringify(event))
    }
  })

  it('gives back any change of any shape as it came (property)', () => {
    const text = fc.constantFrom('org_acme', 'deals', 'UPDATE', 'r1', 'R42', 'user-bob', '')
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined })
    const number = fc.oneof(fc.integer(), fc.double({ noNaN: true }))
    const event = fc
      .record({
        seq: fc.integer({ min: 1, max: 1e9 }),
        at: number,
        kind: fc.constantFrom('received', 'deduped', 'echo'),
        orgId: text,
        table: text,
        op: text,
        recordId: text,
        eventId: maybe(fc.oneof(fc.constantFrom('0', '12', '007', '1e3'), text)),
        actorId: maybe(fc.oneof(text, fc.constant(null))),
        commitTimestamp: maybe(text),
        latencyMs: maybe(fc.oneof(number, fc.constant(Number.NaN))),
        replayed: maybe(fc.boolean()),
        relatedSeq: maybe(number),
        ageMs: maybe(number),
        match: maybe(text),
        windowMs: maybe(number),
        payload: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant('row')),
      })
      .map((facts) => {
        const out: Record<string, unknown> = {}
        for (const [key, value] of Object.entries(facts)) if (value !== undefined) out[key] = value
        if (out.payload === 'row' && typeof out.eventId === 'string') {
          out.payload = {
            id: Number(out.eventId),
            organization_id: out.orgId,
            table_name: out.table,
            event_type: out.op,
            record_id: out.recordId,
            actor_id: out.actorId ?? null,
            created_at: out.commitTimestamp,
          }
        }
        return out as unknown as SyncEvent
      })
    fc.assert(
      fc.property(event, (e) => {
        const back = roundTrip(e)
        expect(back).toStrictEqual(e)
        expect(Object.keys(back)).toEqual(Object.keys(e))
      }),
      { numRuns: 500 },
    )
  })

  it('filters from its columns exactly as the filters judge the rows', () => {
    let id = 0
    const log = new EngineLog('e', () => ++id, 10_000)
    const events: SyncEvent[] = []
    for (let seq = 1; seq <= 300; seq++) {
      if (seq % 50 === 0) {
        events.push({
          seq,
          at: T + seq,
          kind: 'invalidated',
          batchId: seq,
          trigger: 'batch',
          table: 'deals',
          causes: [seq - 1],
          causeKeys: [[0]],
          matchedKeys: [['deals', 'list']],
          markedStale: 1,
        } as unknown as SyncEvent)
      } else if (seq % 7 === 0) {
        events.push({
          ...change(seq),
          kind: 'deduped',
          relatedSeq: seq - 1,
          ageMs: 5,
          match: 'same-change',
          windowMs: 2000,
        } as SyncEvent)
      } else {
        events.push(change(seq, seq % 11 === 0 ? { recordId: 'R42-upper' } : {}))
      }
    }
    log.ingest(events.slice(0, 150), { snapshot: false })
    log.ingest(events.slice(160), { snapshot: false }) // a gap marker among the rows
    const filters: Partial<LogFilters>[] = [
      { text: 'r4' },
      { text: 'R42' },
      { text: '#12' },
      { text: '1012' },
      { text: 'deal' },
      { text: 'dedup same-change' },
      { text: 'batch' },
      { kinds: ['deduped', 'invalidated'] },
      { table: 'contacts' },
      { table: 'nowhere' },
      { org: 'org_acme', text: 'user-bob' },
      { range: { from: T + 20, to: T + 40 } },
    ]
    const store = log.rows
    for (const partial of filters) {
      const full: LogFilters = { text: '', kinds: [], ...partial }
      const onRow = compileFilter(full)!
      const onColumns = compileRowFilter(full, store)!
      const expected: number[] = []
      const got: number[] = []
      store.scan(store.head, store.end, (chunk, slot, abs) => {
        const row = store.rowAt(abs)!
        if (onRow(row)) expected.push(row.id)
        if (onColumns(chunk, slot)) got.push(row.id)
      })
      expect({ filter: partial, ids: got }).toEqual({ filter: partial, ids: expected })
    }
  })

  it('lets the oldest go past the cap, and still finds what it holds by seq and by id', () => {
    let id = 0
    const log = new EngineLog('e', () => ++id, 5_000)
    for (let start = 1; start <= 20_000; start += 1_000) {
      const batch: SyncEvent[] = []
      for (let seq = start; seq < start + 1_000; seq++) batch.push(change(seq))
      log.ingest(batch, { snapshot: false })
    }
    expect(log.heldEvents).toBe(5_000)
    expect(log.capDropped).toBe(15_000)
    expect(log.view().at(0)).toMatchObject({ type: 'event', event: { seq: 15_001 } })
    expect(log.find(log.session, 15_000)).toBeUndefined()
    expect(log.find(log.session, 17_777)?.event.seq).toBe(17_777)
    const row = log.find(log.session, 20_000)!
    expect(log.rowById(row.id)).toBe(row)
    expect(log.view().indexOfId(row.id)).toBe(4_999)
  })
})

describe('a selected change, rebuilt from the columns', () => {
  it('learns of the pass that served it after its row object left the cache', () => {
    let id = 0
    const log = new EngineLog('e', () => ++id, 100_000)
    const view = new LogView()
    log.ingest([change(1)], { snapshot: false })
    const selected = log.find(log.session, 1)!
    view.select(selected)
    // Thousands of other rows read (a scroll, a filter, an export) push it out of the cache.
    const more: SyncEvent[] = []
    for (let seq = 2; seq <= 6_000; seq++) more.push(change(seq))
    log.ingest(more, { snapshot: false })
    const rows = log.view()
    for (let i = 0; i < rows.length; i++) rows.at(i)
    const pass = {
      seq: 6_001,
      at: T + 6_001,
      kind: 'invalidated',
      batchId: 1,
      trigger: 'batch',
      causes: [1],
      causeKeys: [[0]],
      matchedKeys: [['deals', 'list']],
      markedStale: 1,
    } as unknown as SyncEvent
    log.ingest([pass], { snapshot: false })
    expect(selected.servedBy).toBeUndefined()
    const now = view.selectedIn(log)
    expect(now).toMatchObject({
      id: selected.id,
      servedBy: { event: { batchId: 1 } },
      causeIndex: 0,
    })
  })
})
