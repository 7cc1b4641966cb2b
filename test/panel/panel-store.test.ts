import { describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION } from '../../bridge/protocol'
import { COMMAND_TIMEOUT_MS } from '../../extension/panel/store/option-commands'
import { PanelStore } from '../../extension/panel/store/panel-store'
import { optionError } from '../../src/options'
import type { LogRow, MarkerRow } from '../../extension/panel/store/rows'
import { ManualScheduler } from '../support/manual-scheduler'
import { ENGINE, FakeTransport } from './support/fake-transport'
import { engineState, events, invalidated, received } from './support/sync-events'

function setup(options: { maxEventsPerEngine?: number } = {}) {
  const transport = new FakeTransport()
  const scheduler = new ManualScheduler()
  const store = new PanelStore({ transport, scheduler, ...options })
  const flush = () => scheduler.advance(16)
  return { transport, scheduler, store, flush }
}

function rows(store: PanelStore): LogRow[] {
  const list = store.getSnapshot().rows
  const out: LogRow[] = []
  for (let i = 0; i < list.length; i++) out.push(list.at(i)!)
  return out
}

const seqs = (store: PanelStore) =>
  rows(store).flatMap((row) => (row.type === 'event' ? [row.event.seq] : []))
const markers = (store: PanelStore) =>
  rows(store).filter((row): row is MarkerRow => row.type === 'marker')

/** A store connected to session S1 holding events 1..n. */
function connected(n = 3) {
  const world = setup()
  world.transport.pageRequested()
  world.transport.connectReply('S1', events(1, n))
  world.flush()
  world.transport.take()
  return world
}

describe('connecting', () => {
  it('answers page-requested with connect: no session and an empty since the first time', () => {
    const { transport } = setup()
    transport.pageRequested()
    expect(transport.take()).toEqual([{ type: 'connect', session: undefined, since: {} }])
  })

  it('after a worker restart, connects with its session and the last seq held per engine', () => {
    const { transport, store, flush } = connected(5)
    transport.pageRequested()
    expect(transport.take()).toEqual([{ type: 'connect', session: 'S1', since: { 'app#1': 5 } }])
    // The bridge answers with a hello of the same session: no second connect (no loop).
    transport.connectReply('S1', events(6, 7))
    flush()
    expect(transport.take()).toEqual([])
    expect(seqs(store)).toEqual([1, 2, 3, 4, 5, 6, 7])
  })

  it('holds the snapshot and live events, and names the engine from the hello', () => {
    const { transport, store, flush } = connected(3)
    transport.events('S1', events(4, 6))
    flush()
    const snapshot = store.getSnapshot()
    expect(seqs(store)).toEqual([1, 2, 3, 4, 5, 6])
    expect(snapshot.engine).toMatchObject({ id: 'app#1', name: 'app', held: 6, gaps: 0 })
    expect(snapshot.connection).toBe('connected')
    expect(snapshot.page?.url).toBe('http://localhost:5173/deals')
  })

  it('batches notifications: one per notify window however many batches arrive', () => {
    const { transport, store, scheduler } = connected(1)
    let notified = 0
    store.subscribe(() => notified++)
    for (let i = 0; i < 50; i++) transport.events('S1', [received(2 + i)])
    // The first after a quiet window at once, the 49 others at the end of the window.
    expect(notified).toBe(1)
    expect(store.getSnapshot().engine?.held).toBe(2)
    scheduler.advance(16)
    expect(notified).toBe(2)
    expect(store.getSnapshot().engine?.held).toBe(51)
  })

  it('throttles on the leading edge: a batch after a quiet window notifies at once', () => {
    const { transport, store, scheduler } = connected(1)
    let notified = 0
    store.subscribe(() => notified++)
    scheduler.advance(16) // quiet for a whole window since the last notification
    transport.events('S1', [received(2)])
    expect(notified).toBe(1)
    expect(store.getSnapshot().engine?.held).toBe(2)
    expect(scheduler.pendingTimers).toBe(0)
  })

  it('a batch within notifyMs of the last notification waits for the end of that window', () => {
    const { transport, store, scheduler } = connected(1)
    let notified = 0
    store.subscribe(() => notified++)
    scheduler.advance(16)
    transport.events('S1', [received(2)]) // notifies at once
    scheduler.advance(5)
    transport.events('S1', [received(3)])
    scheduler.advance(5)
    transport.events('S1', [received(4)]) // the timer is not restarted
    expect(notified).toBe(1)
    expect(store.getSnapshot().engine?.held).toBe(2)
    scheduler.advance(5) // 15 ms after the notification
    expect(notified).toBe(1)
    scheduler.advance(1) // 16 ms: one notification for both batches
    expect(notified).toBe(2)
    expect(store.getSnapshot().engine?.held).toBe(4)
    scheduler.advance(100)
    expect(notified).toBe(2)
  })

  it('a batch after a quiet notifyMs notifies at once, even after a late notification', () => {
    const { transport, store, scheduler } = connected(1)
    let notified = 0
    store.subscribe(() => notified++)
    scheduler.advance(16)
    transport.events('S1', [received(2)]) // t = 0: at once
    scheduler.advance(14)
    transport.events('S1', [received(3)]) // t = 14: held back until 16
    scheduler.advance(2)
    expect(notified).toBe(2)
    // One batch per 16 ms, as the bridge flushes under load: each is notified at once again.
    for (let seq = 4; seq < 10; seq++) {
      scheduler.advance(14 + (seq === 4 ? 0 : 2)) // t = 30, 46, 62, ...
      transport.events('S1', [received(seq)])
      expect(notified).toBe(seq - 1)
    }
  })

  it('under sustained load, notifies once per notifyMs', () => {
    const { transport, store, scheduler } = connected(1)
    let notified = 0
    store.subscribe(() => notified++)
    scheduler.advance(16)
    for (let seq = 2; seq < 162; seq++) {
      transport.events('S1', [received(seq)]) // a batch every 2 ms for 320 ms
      scheduler.advance(2)
    }
    expect(notified).toBeGreaterThanOrEqual(20)
    expect(notified).toBeLessThanOrEqual(21)
  })

  it('shows "page disconnected" until the next hello', () => {
    const { transport, store } = connected()
    transport.emit({ type: 'page-disconnected' })
    expect(store.getSnapshot().connection).toBe('page-disconnected')
    transport.pageRequested()
    expect(store.getSnapshot().connection).toBe('page-disconnected')
    transport.hello('S1')
    expect(store.getSnapshot().connection).toBe('connected')
  })
})

describe('seq continuity', () => {
  it('ignores duplicates (a reconnect snapshot overlapping what is held)', () => {
    const { transport, store, flush } = connected(5)
    transport.events('S1', events(3, 7), { snapshot: true })
    flush()
    expect(seqs(store)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(markers(store)).toEqual([])
  })

  it('marks a jump in a live batch as a gap', () => {
    const { transport, store, flush } = connected(3)
    transport.events('S1', [received(7), received(8)])
    flush()
    const [gap] = markers(store)
    expect(gap).toMatchObject({ marker: 'gap', text: 'gap: 3 events missing (#4–#6)' })
    expect(seqs(store)).toEqual([1, 2, 3, 7, 8])
    expect(store.getSnapshot().engine).toMatchObject({ gaps: 1, gapMissing: 3 })
  })

  it('explains a jump in a snapshot by the ring (bufferSize)', () => {
    const { transport, store, flush } = setup()
    transport.pageRequested()
    transport.connectReply('S1', events(5001, 5003), { dropped: 5000 })
    flush()
    const [ring] = markers(store)
    expect(ring?.marker).toBe('ring')
    expect(ring?.text).toBe(
      "5,000 older events fell off the engine's ring (bufferSize 10,000) before the panel received them (#1–#5000)",
    )
    expect(store.getSnapshot().engine).toMatchObject({ gaps: 0, ringMissing: 5000 })
  })

  it('after a reconnect, events the ring no longer holds are "fell off", not a gap', () => {
    const { transport, store, flush } = connected(3)
    transport.pageRequested()
    transport.connectReply('S1', events(10, 11), { dropped: 9 })
    flush()
    expect(markers(store).map((m) => m.marker)).toEqual(['ring'])
    expect(markers(store)[0]?.missing).toEqual({ count: 6, from: 4, to: 9 })
  })

  it('an empty snapshot of an engine that moved on sets the baseline (no false gap later)', () => {
    const { transport, store, flush } = connected(3)
    transport.pageRequested()
    transport.connectReply('S1', [], { lastSeq: 8, dropped: 0 })
    transport.events('S1', [received(9)])
    flush()
    expect(markers(store).map((m) => m.marker)).toEqual(['ring'])
    expect(markers(store)[0]?.text).toContain('no longer in the engine')
    expect(seqs(store)).toEqual([1, 2, 3, 9])
  })

  it('Clear empties the view but keeps the baseline', () => {
    const { transport, store, flush } = connected(5)
    store.clear()
    expect(rows(store)).toEqual([])
    transport.events('S1', [received(4), received(5), received(6)])
    flush()
    expect(seqs(store)).toEqual([6])
    expect(markers(store)).toEqual([])
  })

  it('keeps at most maxEventsPerEngine events, dropping the oldest and counting them', () => {
    const { transport, store, flush } = setup({ maxEventsPerEngine: 100 })
    transport.pageRequested()
    transport.connectReply('S1', events(1, 250))
    flush()
    expect(seqs(store)).toHaveLength(100)
    expect(seqs(store)[0]).toBe(151)
    expect(store.getSnapshot().engine).toMatchObject({ held: 100, capDropped: 150 })
    store.selectSeq(160)
    expect(store.getSnapshot().selected).toMatchObject({ event: { seq: 160 } })
    expect(store.selectSeq(10)).toBe(false)
  })
})

describe('page reloads', () => {
  it('on a new session: marker, log cleared, connect for the new session', () => {
    const { transport, store, flush } = connected(5)
    transport.hello('S2', { url: 'http://localhost:5173/contacts' })
    expect(transport.take()).toEqual([{ type: 'connect', session: 'S2', since: {} }])
    expect(rows(store)).toMatchObject([
      {
        type: 'marker',
        marker: 'reload',
        text: 'Page reloaded / navigated to http://localhost:5173/contacts',
      },
    ])
    // The new page's seqs start at 1 again: not duplicates of the old page's.
    transport.connectReply('S2', events(1, 2))
    flush()
    expect(transport.take()).toEqual([])
    expect(seqs(store)).toEqual([1, 2])
    expect(store.getSnapshot().session).toBe('S2')
  })

  it("shows the marker when the new page's engine registers after its first hello", () => {
    const { transport, store, flush } = connected(5)
    // What a reload really looks like: the bridge says hello at document_start, before the
    // page's scripts created their engine; a second hello lists it.
    transport.hello('S2', { engines: [] })
    transport.hello('S2')
    transport.connectReply('S2', events(1, 2))
    flush()
    expect(rows(store).map((row) => (row.type === 'event' ? row.event.seq : row.marker))).toEqual([
      'reload',
      1,
      2,
    ])
  })

  it('Preserve log keeps the old page’s events above the marker', () => {
    const { transport, store, flush } = connected(2)
    store.setPreserveLog(true)
    transport.hello('S2')
    transport.connectReply('S2', events(1, 1))
    flush()
    expect(rows(store).map((row) => (row.type === 'event' ? row.event.seq : row.marker))).toEqual([
      1,
      2,
      'reload',
      1,
    ])
  })

  it('ignores events of another page load still in flight', () => {
    const { transport, store, flush } = connected(2)
    transport.hello('S2')
    transport.events('S1', events(3, 4))
    flush()
    expect(seqs(store)).toEqual([])
  })

  it('keeps the engine list from the hello and lets the user pick one', () => {
    const { transport, store, flush } = connected(2)
    const admin = { id: 'admin#2', name: 'admin', version: '0.1.0' }
    transport.hello('S1', { engines: [ENGINE, admin] })
    transport.events('S1', events(1, 4), { engineId: 'admin#2', snapshot: true })
    flush()
    expect(store.getSnapshot().engines.map((e) => e.name)).toEqual(['app', 'admin'])
    expect(store.getSnapshot().selectedEngineId).toBe('app#1')
    store.selectEngine('admin#2')
    expect(seqs(store)).toEqual([1, 2, 3, 4])
    transport.pageRequested()
    expect(transport.take()).toEqual([
      { type: 'connect', session: 'S1', since: { 'app#1': 2, 'admin#2': 4 } },
    ])
  })
})

describe('commands', () => {
  it('pause stops the view; resume asks for everything since the last seq held', () => {
    const { transport, store, flush } = connected(3)
    store.setPaused(true)
    expect(transport.take()).toEqual([{ type: 'pause' }])
    transport.events('S1', events(4, 5))
    flush()
    expect(seqs(store)).toEqual([1, 2, 3])
    store.setPaused(false)
    expect(transport.take()).toEqual([{ type: 'resume', session: 'S1', since: { 'app#1': 3 } }])
    transport.connectReply('S1', events(4, 6))
    flush()
    expect(seqs(store)).toEqual([1, 2, 3, 4, 5, 6])
    expect(markers(store)).toEqual([])
  })

  it('a reconnect while paused stays paused', () => {
    const { transport, store } = connected(3)
    store.setPaused(true)
    transport.take()
    transport.pageRequested()
    expect(transport.take()).toEqual([
      { type: 'connect', session: 'S1', since: { 'app#1': 3 } },
      { type: 'pause' },
    ])
  })

  it('"Clear engine buffer" clears the ring in the page too', () => {
    const { transport, store } = connected(3)
    store.clearEngineBuffer()
    expect(transport.take()).toEqual([{ type: 'clear', engineId: 'app#1' }])
    expect(rows(store)).toEqual([])
  })

  it('set-option sends a request and shows the page’s error', () => {
    const { transport, store } = connected(1)
    const result = store.setOption('batchMs', 50)
    expect(result).toEqual({ ok: true, requestId: 1 })
    expect(transport.take()).toEqual([
      { type: 'set-option', requestId: 1, engineId: 'app#1', name: 'batchMs', value: 50 },
    ])
    expect(store.getSnapshot().commands.batchMs?.state).toBe('pending')
    transport.emit({
      type: 'command-result',
      session: 'S1',
      requestId: 1,
      ok: false,
      error: 'batchMs must be an integer from 0 to 60000 (got 90000)',
    })
    expect(store.getSnapshot().commands.batchMs).toMatchObject({
      state: 'error',
      error: 'batchMs must be an integer from 0 to 60000 (got 90000)',
    })
  })

  it('refuses a value that is not a whole number without sending', () => {
    const { transport, store } = connected(1)
    expect(store.setOption('dedupWindowMs', 1.5)).toMatchObject({ ok: false })
    expect(transport.take()).toEqual([])
    expect(store.getSnapshot().commands.dedupWindowMs?.state).toBe('error')
  })
})

describe('set-option checks and settling', () => {
  it('refuses a value outside the options table, with the table’s sentence, without sending', () => {
    const { transport, store } = connected(1)
    const result = store.setOption('batchMs', 500_000)
    const sentence = optionError('batchMs', 500_000)!
    expect(sentence).toContain('60,000')
    expect(result).toEqual({ ok: false, error: sentence })
    expect(transport.take()).toEqual([])
    expect(store.getSnapshot().commands.batchMs).toMatchObject({ state: 'error', error: sentence })
  })

  it('settles as an error when the page does not answer in time, and ignores a late answer', () => {
    const { transport, store, scheduler } = connected(1)
    let notified = 0
    store.subscribe(() => notified++)
    store.setOption('batchMs', 50)
    notified = 0
    scheduler.advance(COMMAND_TIMEOUT_MS - 1)
    expect(store.getSnapshot().commands.batchMs?.state).toBe('pending')
    scheduler.advance(1)
    expect(notified).toBe(1)
    expect(store.getSnapshot().commands.batchMs).toMatchObject({
      state: 'error',
      error: 'the page did not answer in 5 s',
    })
    transport.emit({ type: 'command-result', session: 'S1', requestId: 1, ok: true })
    expect(store.getSnapshot().commands.batchMs?.state).toBe('error')
  })

  it('an answer in time cancels the timeout', () => {
    const { transport, store, scheduler } = connected(1)
    store.setOption('batchMs', 50)
    transport.emit({ type: 'command-result', session: 'S1', requestId: 1, ok: true })
    expect(store.getSnapshot().commands.batchMs?.state).toBe('ok')
    scheduler.advance(COMMAND_TIMEOUT_MS * 2)
    expect(store.getSnapshot().commands.batchMs?.state).toBe('ok')
    expect(scheduler.pendingTimers).toBe(0)
  })

  it('a hello of another page load settles every pending command, saying why', () => {
    const { transport, store, scheduler } = connected(1)
    store.setOption('batchMs', 50)
    store.setOption('dedupWindowMs', 1_000)
    transport.hello('S2')
    const { commands } = store.getSnapshot()
    for (const command of [commands.batchMs, commands.dedupWindowMs]) {
      expect(command?.state).toBe('error')
      expect(command?.error).toMatch(/^the page reloaded before answering/)
    }
    expect(scheduler.pendingTimers).toBe(0)
  })

  it('a hello of the same page load leaves pending commands pending', () => {
    const { transport, store } = connected(1)
    store.setOption('batchMs', 50)
    transport.hello('S1')
    expect(store.getSnapshot().commands.batchMs?.state).toBe('pending')
  })

  it('a page-disconnected settles every pending command, saying why', () => {
    const { transport, store, scheduler } = connected(1)
    store.setOption('batchMs', 50)
    transport.emit({ type: 'page-disconnected' })
    expect(store.getSnapshot().commands.batchMs).toMatchObject({
      state: 'error',
      error: 'the page disconnected before answering (a reload, a navigation or a closed tab)',
    })
    expect(scheduler.pendingTimers).toBe(0)
  })

  it('dispose cancels the command timers', () => {
    const { store, scheduler } = connected(1)
    store.setOption('batchMs', 50)
    store.dispose()
    expect(scheduler.pendingTimers).toBe(0)
  })
})

describe('version mismatches', () => {
  it('keeps the protocol version of another build’s messages, with the panel’s own', () => {
    const { transport, store } = connected(1)
    expect(store.getSnapshot().versionMismatch).toBeUndefined()
    transport.emit({ type: 'version-mismatch', pageVersion: 2 })
    expect(store.getSnapshot().versionMismatch).toEqual({ page: 2, panel: PROTOCOL_VERSION })
    // Kept across page loads: the other build is still installed.
    transport.hello('S2')
    expect(store.getSnapshot().versionMismatch).toEqual({ page: 2, panel: PROTOCOL_VERSION })
  })

  it('keeps an incompatible engine registry from the latest hello', () => {
    const { transport, store } = setup()
    transport.pageRequested()
    transport.hello('S1', { engines: [], incompatibleRegistry: { found: '3', expected: 1 } })
    expect(store.getSnapshot().incompatibleRegistry).toEqual({ found: '3', expected: 1 })
    // The page loaded a matching package: the next hello says nothing, so neither does the panel.
    transport.hello('S2')
    expect(store.getSnapshot().incompatibleRegistry).toBeUndefined()
  })
})

describe('keyboard selection', () => {
  it('moves through the filtered rows', () => {
    const { store } = connected(5)
    store.moveSelection(1)
    expect(store.getSnapshot().selected).toMatchObject({ event: { seq: 1 } })
    store.moveSelection(1)
    store.moveSelection(1)
    expect(store.getSnapshot().selected).toMatchObject({ event: { seq: 3 } })
    store.moveSelection(-1)
    expect(store.getSnapshot().selected).toMatchObject({ event: { seq: 2 } })
    store.moveSelection(Number.POSITIVE_INFINITY)
    expect(store.getSnapshot().selected).toMatchObject({ event: { seq: 5 } })
    store.moveSelection(1)
    expect(store.getSnapshot().selected).toMatchObject({ event: { seq: 5 } })
  })
})

describe('invalidation links', () => {
  it('links a streamed received event to the pass that served it', () => {
    const { transport, store, flush } = connected(2)
    transport.events('S1', [invalidated(3, [1, 2], [['deals', 'list']])])
    flush()
    const [first, second] = rows(store)
    expect(first?.type === 'event' && first.servedBy?.event.seq).toBe(3)
    // Its place among the pass's causes: its entry of causeKeys.
    expect(first?.type === 'event' && first.causeIndex).toBe(0)
    expect(second?.type === 'event' && second.causeIndex).toBe(1)
  })

  it("shows a change's keys from its pass's causeKeys, a subset of the pass's keys", () => {
    const { transport, store, flush } = connected(2)
    const keys = [
      ['deals', 'list'],
      ['deals', 'record', 'd1'],
      ['deals', 'record', 'd2'],
    ]
    transport.events('S1', [
      invalidated(3, [1, 2], keys, {
        causeKeys: [
          [0, 1],
          [0, 2],
        ],
      }),
    ])
    flush()
    const [first, second] = rows(store)
    if (first?.type !== 'event' || second?.type !== 'event') throw new Error('no event rows')
    expect(store.trail(second).find((s) => s.title === 'Invalidated')?.keys).toEqual([
      ['deals', 'list'],
      ['deals', 'record', 'd2'],
    ])
    // The logged event is never changed: the join is the row's.
    expect(first.event.kind).toBe('received')
    expect(first.event).not.toHaveProperty('matchedKeys')
    expect(first.event).not.toHaveProperty('batchId')
  })

  it("matches keys by the engine's recordScopes, from its config: the trail and the Why? history", () => {
    const { transport, store, flush } = connected(0)
    transport.state('S1', {
      config: { ...engineState().config, recordScopes: ['detail'] },
    })
    const keys = [
      ['deals', 'list'],
      ['deals', 'detail', 'd1'],
      ['deals', 'detail', 'd2'],
    ]
    // What the engine with recordScopes ['detail'] matched for d2: not d1's page.
    transport.events('S1', [
      received(1, { recordId: 'd2' }),
      invalidated(2, [1], keys, { causeKeys: [[0, 2]] }),
    ])
    flush()
    const change = rows(store)[0]
    if (change?.type !== 'event') throw new Error('no event row')
    expect(store.trail(change).find((s) => s.title === 'Invalidated')?.keys).toEqual([
      ['deals', 'list'],
      ['deals', 'detail', 'd2'],
    ])
    // deal d1's page did not refetch for a change of d2, and its history says so.
    expect(store.queryHistory(['deals', 'detail', 'd1'])[0]?.text).toMatch(
      /did not match \(another record\)/,
    )
    expect(store.queryHistory(['deals', 'detail', 'd2'])[0]?.text).toMatch(
      /invalidated it in batch #1/,
    )
  })
})
