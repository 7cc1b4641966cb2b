import { describe, expect, it } from 'vitest'
import { parseEngineState, parseEventBatch } from '../../bridge/protocol'
import { PanelStore } from '../../extension/panel/store/panel-store'
import { ManualScheduler } from '../support/manual-scheduler'
import { FakeTransport } from './support/fake-transport'
import { engineState, events, received } from './support/sync-events'

describe('parseEventBatch', () => {
  it('accepts valid events and keeps their fields', () => {
    const parsed = parseEventBatch(JSON.stringify([received(1), received(2)]))
    expect(parsed).toEqual({ events: [received(1), received(2)], rejected: 0, error: undefined })
  })

  it('rejects a batch that is not JSON, or not an array, without throwing', () => {
    expect(parseEventBatch('{not json')).toMatchObject({ events: [], rejected: 1 })
    expect(parseEventBatch('{not json').error).toMatch(/^a batch is not JSON/)
    expect(parseEventBatch('{"seq":1}')).toMatchObject({
      events: [],
      rejected: 1,
      error: 'a batch is not an array of events',
    })
    expect(parseEventBatch('null').rejected).toBe(1)
  })

  it('rejects each invalid event and says which field is wrong', () => {
    const batch = [
      received(1),
      { ...received(2), seq: '2' },
      { ...received(3), kind: 'exploded' },
      { ...received(4), table: 'x'.repeat(5_000) },
      { ...received(5), matchedKeys: 'deals' },
      null,
      42,
      received(6),
    ]
    const parsed = parseEventBatch(JSON.stringify(batch))
    expect(parsed.events.map((e) => e.seq)).toEqual([1, 6])
    expect(parsed.rejected).toBe(6)
    expect(parsed.error).toBe(
      'event at index 1: seq: Invalid type: Expected number but received "2"',
    )
  })

  it('drops unknown fields (never rendered) and keeps the batch in seq order', () => {
    const parsed = parseEventBatch(
      JSON.stringify([{ ...received(2), extra: '<b>x</b>' }, received(1)]),
    )
    expect(parsed.events.map((e) => e.seq)).toEqual([1, 2])
    expect(parsed.events[1]).not.toHaveProperty('extra')
  })
})

describe('parseEngineState', () => {
  it('accepts the bridge’s EngineState', () => {
    expect(parseEngineState(JSON.stringify(engineState({ dropped: 3 })))).toMatchObject({
      ok: true,
      state: { dropped: 3, config: { batchMs: 200 } },
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
      transport.rawEvents('S1', JSON.stringify([{ seq: 3 }, received(3)]))
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
