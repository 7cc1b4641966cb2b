import { describe, expect, it } from 'vitest'
import {
  BATCH_FORMAT,
  encodeEventBatch,
  parseEngineState,
  parseEventBatch,
} from '../../bridge/protocol'
import { PanelStore } from '../../extension/panel/store/panel-store'
import type { SyncEvent } from '../../src/types'
import { ManualScheduler } from '../support/manual-scheduler'
import { FakeTransport } from './support/fake-transport'
import { engineState, events, received } from './support/sync-events'

describe('parseEventBatch', () => {
  it('accepts valid events and keeps their fields', () => {
    const parsed = parseEventBatch(encodeEventBatch([received(1), received(2)]))
    expect(parsed).toEqual({ events: [received(1), received(2)], rejected: 0, error: undefined })
  })

  it('rejects a batch that is not JSON, not an array, or not in our batch format, without throwing', () => {
    expect(parseEventBatch('{not json')).toMatchObject({ events: [], rejected: 1 })
    expect(parseEventBatch('{not json').error).toMatch(/^a batch is not JSON/)
    expect(parseEventBatch('{"seq":1}')).toMatchObject({
      events: [],
      rejected: 1,
      error: 'a batch is not an array of events',
    })
    expect(parseEventBatch('null').rejected).toBe(1)
    expect(parseEventBatch('[]').rejected).toBe(1)
    // Protocol 1 sent the events as objects: another build's batch, said as such.
    expect(parseEventBatch(JSON.stringify([received(1)]))).toMatchObject({
      events: [],
      rejected: 1,
      error: `a batch is not in format ${BATCH_FORMAT} (first element object)`,
    })
  })

  it('rejects each invalid event and says which field is wrong', () => {
    const batch = [
      received(1),
      { ...received(2), seq: '2' },
      { ...received(3), kind: 'exploded' },
      { ...received(4), table: 'x'.repeat(5_000) },
      // A value its list does not know travels as is, and the check refuses it.
      { ...received(5), op: 'UPSERT' },
      received(6),
    ] as SyncEvent[]
    const parsed = parseEventBatch(encodeEventBatch(batch))
    expect(parsed.events.map((e) => e.seq)).toEqual([1, 6])
    expect(parsed.rejected).toBe(4)
    expect(parsed.error).toBe(
      'event at index 1: seq: Invalid type: Expected number but received "2"',
    )
  })

  it('rejects rows that are not rows of the batch form, and keeps the others', () => {
    const [, strings, good] = JSON.parse(encodeEventBatch([received(9)])) as unknown[][]
    // A row after one that failed cannot resolve what it tells relative to it (seq + 1, `at`
    // as a difference): the good row comes first.
    const rows: unknown[] = [
      good,
      null,
      42,
      [],
      [-1, 1],
      [2 ** 30, 1],
      [0b111, 1, 2], // three fields named, two values
      [0b11, 1, 2, 3], // two named, three values
    ]
    const parsed = parseEventBatch(JSON.stringify([BATCH_FORMAT, strings, ...rows]))
    expect(parsed.events.map((e) => e.seq)).toEqual([9])
    expect(parsed.rejected).toBe(7)
    expect(parsed.error).toBe('event at index 1: not a well-formed row of the batch')
  })

  it('sends no field the protocol does not know, and keeps the batch in seq order', () => {
    const parsed = parseEventBatch(
      encodeEventBatch([{ ...received(2), extra: '<b>x</b>' } as SyncEvent, received(1)]),
    )
    expect(parsed.events.map((e) => e.seq)).toEqual([1, 2])
    expect(parsed.events[1]).not.toHaveProperty('extra')
  })
})

describe('parseEngineState', () => {
  it('accepts the bridge’s EngineState', () => {
    expect(parseEngineState(JSON.stringify(engineState({ dropped: 3 })))).toMatchObject({
      ok: true,
      value: { dropped: 3, config: { batchMs: 200 } },
    })
  })

  it('rejects a broken state with the field at fault', () => {
    const bad = { ...engineState(), config: { ...engineState().config, batchMs: -1 } }
    expect(parseEngineState(JSON.stringify(bad))).toEqual({
      ok: false,
      error: 'engine state: config.batchMs: Invalid value: Expected >=0 but received -1',
    })
    expect(parseEngineState('][')).toMatchObject({ ok: false })
  })
})

describe('the store with bad input', () => {
  it('counts rejects, keeps valid events, never throws', () => {
    const transport = new FakeTransport()
    const scheduler = new ManualScheduler()
    const store = new PanelStore({ transport, scheduler })
    transport.pageRequested()
    transport.connectReply('S1', events(1, 2))
    expect(() => {
      transport.rawEvents('S1', 'garbage')
      transport.rawEvents('S1', encodeEventBatch([{ seq: 3 } as never, received(3)]))
      transport.emit({ type: 'engine-state', session: 'S1', engineId: 'app#1', data: '{}' })
    }).not.toThrow()
    scheduler.advance(16)
    const snapshot = store.getSnapshot()
    expect(snapshot.rejected).toBe(3)
    expect(snapshot.rejectedReason).toMatch(/^engine state: config:/)
    expect(snapshot.engine?.held).toBe(3)
    // The last good state is kept.
    expect(snapshot.engine?.config?.batchMs).toBe(200)
  })
})
