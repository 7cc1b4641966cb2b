import { afterEach, describe, expect, it, vi } from 'vitest'
import { startPageBridge } from '../../bridge/page-bridge'
import {
  type EngineState,
  envelope,
  MAX_QUERY_SUMMARIES,
  PROTOCOL_VERSION,
  parseEventBatch,
  type QueryList,
  type ToPage,
  type ToPanel,
} from '../../bridge/protocol'
import { DEVTOOLS_GLOBAL, type DevtoolsEngine, registerEngine } from '../../src/devtools-registry'
import { createRealtimeSync } from '../../src/realtime-sync'
import type { SyncEvent } from '../../src/types'
import { changePayload } from '../support/events'
import { FakeSupabase, settle } from '../support/fake-supabase'
import { FakeWindow } from '../support/fake-ports'
import { ManualScheduler } from '../support/manual-scheduler'
import { createQueryWorld } from '../support/query-world'

/** A batch's events as the panel decodes them: every one of them accepted. */
function decoded(data: string): SyncEvent[] {
  const parsed = parseEventBatch(data)
  expect(parsed.rejected).toBe(0)
  return parsed.events
}

const stops: (() => unknown)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})

/** Lets the microtasks queued by the current task run (the bridge's idle flush is one). */
const endOfTask = () => Promise.resolve()

async function setup() {
  const page = new FakeWindow()
  const host = {}
  const scheduler = new ManualScheduler()
  const supabase = new FakeSupabase()
  const world = createQueryWorld()
  const warnings: string[] = []
  const bridge = startPageBridge({
    window: page,
    host,
    scheduler,
    session: 'load-1',
    warn: (message) => warnings.push(message),
  })
  const startEngine = () => {
    const sync = createRealtimeSync({
      supabase,
      queryClient: world.queryClient,
      organizationIds: ['org_acme'],
      userId: 'user-alice',
      scheduler,
      devtoolsHost: host,
      // These tests time the bridge's own batches: the engine's passes stay at the window's end.
      batchMode: 'trailing',
    })
    stops.push(() => sync.stop())
    return sync
  }
  const sync = startEngine()
  stops.push(
    () => bridge.stop(),
    () => world.dispose(),
  )
  await settle()
  supabase.subscribeAll()
  const deliver = (n: number) => {
    for (let i = 0; i < n; i++)
      supabase.channelFor('org_acme').deliver(changePayload({ record_id: `d${i}` }))
  }
  const toPanel = () =>
    page.posted
      .map((m) => m as { direction: string; message: ToPanel })
      .filter((m) => m.direction === 'to-panel')
      .map((m) => m.message)
  const events = () =>
    toPanel()
      .filter((m): m is Extract<ToPanel, { type: 'events' }> => m.type === 'events')
      .flatMap((m) => decoded(m.data))
  const command = (message: ToPage) => page.postMessage(envelope('to-page', message))
  const states = () =>
    toPanel()
      .filter((m): m is Extract<ToPanel, { type: 'engine-state' }> => m.type === 'engine-state')
      .map((m) => JSON.parse(m.data) as EngineState)
  const queries = () =>
    toPanel()
      .filter((m): m is Extract<ToPanel, { type: 'queries' }> => m.type === 'queries')
      .map((m) => JSON.parse(m.data) as QueryList)
  return {
    page,
    host,
    world,
    queries,
    scheduler,
    supabase,
    sync,
    startEngine,
    deliver,
    toPanel,
    events,
    states,
    command,
    warnings,
  }
}

describe('the page bridge', () => {
  it('says hello on start, then posts nothing and listens to no engine until a panel connects', async () => {
    const { page, deliver, toPanel } = await setup()
    deliver(50)
    expect(toPanel().map((m) => m.type)).toEqual(['page-hello'])
    expect(page.posted).toHaveLength(1)
  })

  it('on connect sends hello, state and a snapshot of the ring, then live batches', async () => {
    const s = await setup()
    s.deliver(3)
    s.command({ type: 'connect', since: {} })
    expect(
      s
        .toPanel()
        .slice(1)
        .map((m) => m.type),
    ).toEqual(['page-hello', 'engine-state', 'events'])
    const before = s.events().length
    s.deliver(2)
    expect(s.events()).toHaveLength(before) // batched, not yet sent
    await endOfTask()
    expect(s.events().length).toBe(before + 2)
    const seqs = s.events().map((e) => e.seq)
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    expect(new Set(seqs).size).toBe(seqs.length)
  })

  it('connected, reads the ring once per batch: no event is completed or copied one by one', async () => {
    const s = await setup()
    const reads: number[] = []
    const readEvents = s.sync.readEvents
    s.sync.readEvents = (since) => {
      reads.push(since ?? 0)
      return readEvents(since)
    }
    const subscribeEvents = vi.spyOn(s.sync, 'subscribeEvents')
    s.command({ type: 'connect', since: {} })
    s.deliver(500)
    await endOfTask()
    expect(subscribeEvents).not.toHaveBeenCalled()
    // sendState reads the ring's counts (no events), the snapshot, then one live batch.
    const live = s.toPanel().filter((m) => m.type === 'events' && !m.snapshot)
    expect(live).toHaveLength(1)
    expect(decoded((live[0] as { data: string }).data)).toHaveLength(500)
    expect(reads.filter((since) => since > 0 && since < Number.MAX_SAFE_INTEGER)).toHaveLength(1)
  })

  it('streams an engine of 0.2.0, which has no subscribeAppends, through subscribeEvents', async () => {
    const s = await setup()
    const { subscribeAppends: _, ...facade } = s.sync
    const old: DevtoolsEngine = { ...facade, id: 'old#1', name: 'old' }
    stops.push(registerEngine(old, s.host))
    s.command({ type: 'connect', since: {} })
    s.deliver(3)
    await endOfTask()
    const ofOld = s
      .toPanel()
      .filter((m) => m.type === 'events' && !m.snapshot && m.engineId === 'old#1')
    expect(ofOld.flatMap((m) => decoded((m as { data: string }).data)).map((e) => e.kind)).toEqual([
      'received',
      'received',
      'received',
    ])
  })

  it("sends an engine's queries while the panel watches them, at most once a second", async () => {
    const s = await setup()
    s.world.active(['deals', 'list'])
    s.command({ type: 'connect', since: {} })
    expect(s.queries()).toHaveLength(0) // nothing until the Queries tab asks
    s.command({ type: 'watch-queries', engineId: s.sync.id, on: true })
    expect(s.queries()).toHaveLength(1)
    expect(s.queries()[0]).toMatchObject({
      total: 1,
      queries: [{ queryKey: ['deals', 'list'], reach: 'table', active: true }],
    })
    s.world.cached(['deals', 'record', 'd1'])
    s.world.cached(['deals', 'record', 'd2'])
    expect(s.queries()).toHaveLength(1) // coalesced: within a second of the last list
    s.scheduler.advance(1_000)
    expect(s.queries()).toHaveLength(2)
    expect(s.queries()[1]!.total).toBe(3)
    s.command({ type: 'watch-queries', engineId: s.sync.id, on: false })
    s.world.cached(['deals', 'record', 'd3'])
    s.scheduler.advance(5_000)
    expect(s.queries()).toHaveLength(2)
  })

  it('lists at most MAX_QUERY_SUMMARIES queries, those on screen first', async () => {
    const s = await setup()
    for (let i = 0; i < MAX_QUERY_SUMMARIES + 100; i++) s.world.cached(['deals', 'record', `d${i}`])
    s.world.active(['deals', 'list'])
    s.command({ type: 'connect', since: {} })
    s.command({ type: 'watch-queries', engineId: s.sync.id, on: true })
    const [list] = s.queries()
    expect(list!.total).toBe(MAX_QUERY_SUMMARIES + 101)
    expect(list!.queries).toHaveLength(MAX_QUERY_SUMMARIES)
    expect(list!.queries[0]).toMatchObject({ queryKey: ['deals', 'list'], active: true })
  })

  it('says an engine of 0.2.0 cannot list its queries', async () => {
    const s = await setup()
    const { getQueries: _, subscribeQueries: __, ...facade } = s.sync
    stops.push(registerEngine({ ...facade, id: 'old#1', name: 'old' }, s.host))
    s.command({ type: 'connect', since: {} })
    s.command({ type: 'watch-queries', engineId: 'old#1', on: true })
    expect(s.queries()).toEqual([{ total: 0, queries: [], unsupported: true }])
  })

  it('reads a burst before a small ring overwrites it: nothing of it is lost', async () => {
    const s = await setup()
    s.sync.setOption('bufferSize', 100)
    s.command({ type: 'connect', since: {} })
    s.deliver(500)
    await endOfTask()
    s.scheduler.advance(1_000)
    await endOfTask()
    const seqs = s
      .events()
      .filter((e) => e.kind === 'received')
      .map((e) => e.seq)
    expect(seqs).toHaveLength(500)
    expect(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!)).toBe(true)
  })

  it('splits large bursts into batches of at most 1,000 events', async () => {
    const s = await setup()
    s.command({ type: 'connect', since: {} })
    s.deliver(2_500)
    await endOfTask()
    const batches = s.toPanel().filter((m) => m.type === 'events' && !m.snapshot)
    expect(batches.map((m) => decoded((m as { data: string }).data).length)).toEqual([
      1_000, 1_000, 500,
    ])
  })

  it('idle, posts at the end of the task: events of one task share a batch', async () => {
    const s = await setup()
    s.command({ type: 'connect', since: {} })
    const live = () => s.toPanel().filter((m) => m.type === 'events' && !m.snapshot)
    s.deliver(3)
    expect(live()).toHaveLength(0)
    await endOfTask()
    expect(live()).toHaveLength(1)
    expect(decoded((live()[0] as { data: string }).data)).toHaveLength(3)
  })

  it('under load, posts at most one batch per flushMs, timed from the last batch', async () => {
    const s = await setup()
    s.command({ type: 'connect', since: {} })
    const live = () => s.toPanel().filter((m) => m.type === 'events' && !m.snapshot)
    s.deliver(1)
    await endOfTask()
    expect(live()).toHaveLength(1)
    s.scheduler.advance(5)
    s.deliver(1)
    await endOfTask()
    s.scheduler.advance(5)
    s.deliver(1)
    await endOfTask()
    expect(live()).toHaveLength(1) // within 16 ms of the last batch: waits
    s.scheduler.advance(5) // 15 ms after the last batch
    expect(live()).toHaveLength(1)
    s.scheduler.advance(1) // 16 ms: both events in one batch, the window not restarted
    expect(live()).toHaveLength(2)
    expect(decoded((live()[1] as { data: string }).data)).toHaveLength(2)
    // Quiet for a window again: the next event goes at the end of its task.
    s.scheduler.advance(16)
    s.deliver(1)
    await endOfTask()
    expect(live()).toHaveLength(3)
  })

  it('drops a pending idle flush on pause and on stop', async () => {
    const s = await setup()
    s.command({ type: 'connect', since: {} })
    const count = () => s.toPanel().filter((m) => m.type === 'events' && !m.snapshot).length
    s.deliver(2)
    s.command({ type: 'pause' })
    await endOfTask()
    expect(count()).toBe(0)
    s.command({ type: 'resume', session: 'load-1', since: {} })
    const resumed = s.toPanel().length
    s.deliver(1)
    s.command({ type: 'disconnect' })
    await endOfTask()
    s.scheduler.advance(100)
    expect(s.toPanel()).toHaveLength(resumed)
  })

  it('sends only what the panel lacks when it reconnects in the same page session', async () => {
    const s = await setup()
    s.deliver(5)
    const id = s.sync.id
    s.command({ type: 'connect', session: 'load-1', since: { [id]: 4 } })
    const snapshot = s.toPanel().find((m) => m.type === 'events' && m.snapshot) as { data: string }
    expect(decoded(snapshot.data).map((e) => e.seq)).toEqual(s.sync.getEvents(4).map((e) => e.seq))
  })

  it("ignores the panel's seqs when they belong to another page session (a reload)", async () => {
    const s = await setup()
    s.deliver(2)
    s.command({ type: 'connect', session: 'load-0', since: { [s.sync.id]: 1_000 } })
    const snapshot = s.toPanel().find((m) => m.type === 'events' && m.snapshot) as { data: string }
    expect(decoded(snapshot.data).length).toBe(s.sync.getEvents().length)
  })

  it('stops streaming on disconnect and on pause; resume sends what the ring got meanwhile', async () => {
    const s = await setup()
    s.command({ type: 'connect', session: 'load-1', since: {} })
    s.command({ type: 'pause' })
    s.deliver(3)
    s.scheduler.advance(100)
    const held = s.events().length
    s.command({
      type: 'resume',
      session: 'load-1',
      since: { [s.sync.id]: s.events().at(-1)?.seq ?? 0 },
    })
    expect(s.events().length).toBe(held + 3)
    s.command({ type: 'disconnect' })
    const count = s.page.posted.length
    s.deliver(3)
    s.scheduler.advance(5_000)
    expect(s.page.posted.length).toBe(count)
  })

  it('applies set-option and answers with the result; a bad value gets the error text', async () => {
    const s = await setup()
    s.command({ type: 'connect', since: {} })
    s.command({ type: 'set-option', requestId: 1, engineId: s.sync.id, name: 'batchMs', value: 50 })
    s.command({
      type: 'set-option',
      requestId: 2,
      engineId: s.sync.id,
      name: 'bufferSize',
      value: 0,
    })
    const results = s.toPanel().filter((m) => m.type === 'command-result')
    expect(results).toEqual([
      { type: 'command-result', session: 'load-1', requestId: 1, ok: true },
      expect.objectContaining({
        requestId: 2,
        ok: false,
        error: expect.stringMatching(/bufferSize/),
      }),
    ])
    expect(s.sync.getConfig().batchMs).toBe(50)
  })

  it('sends the engine state when it changes, never on a timer: config at once, metrics with the batches', async () => {
    const s = await setup()
    s.command({ type: 'connect', since: {} })
    expect(s.states()).toHaveLength(1)
    s.scheduler.advance(10_000)
    expect(s.states()).toHaveLength(1)
    s.command({ type: 'set-option', requestId: 1, engineId: s.sync.id, name: 'batchMs', value: 50 })
    await endOfTask()
    expect(s.states().at(-1)?.config.batchMs).toBe(50)
    s.scheduler.advance(1_000)
    const before = s.states().length
    s.deliver(1)
    await endOfTask()
    expect(s.states()).toHaveLength(before + 1)
    expect(s.states().at(-1)?.metrics[0]?.received).toBe(1)
    // A second batch within stateEveryMs shares the next state message, a second later.
    s.scheduler.advance(20)
    s.deliver(1)
    await endOfTask()
    expect(s.states()).toHaveLength(before + 1)
    s.scheduler.advance(1_000)
    expect(s.states()).toHaveLength(before + 2)
    expect(s.states().at(-1)?.metrics[0]?.received).toBe(2)
  })

  it('sends channel changes as they happen, and nothing once the panel disconnected', async () => {
    const s = await setup()
    s.command({ type: 'connect', since: {} })
    s.scheduler.advance(2_000)
    s.supabase.channelFor('org_acme').setStatus('CHANNEL_ERROR', new Error('boom'))
    await endOfTask()
    expect(s.states().at(-1)?.channels[0]).toMatchObject({ status: 'CHANNEL_ERROR' })
    s.command({ type: 'disconnect' })
    const posted = s.page.posted.length
    s.supabase.channelFor('org_acme').setStatus('SUBSCRIBED')
    s.deliver(3)
    await endOfTask()
    s.scheduler.advance(5_000)
    expect(s.page.posted).toHaveLength(posted)
  })

  it('says in the console, once, that a panel speaks another protocol version', async () => {
    const s = await setup()
    const foreign = {
      ...envelope('to-page', { type: 'connect', since: {} }),
      version: PROTOCOL_VERSION + 1,
    }
    s.page.postMessage(foreign)
    s.page.postMessage(foreign)
    expect(s.warnings).toEqual([
      expect.stringMatching(
        new RegExp(`protocol version ${PROTOCOL_VERSION + 1}.*speaks version ${PROTOCOL_VERSION}`),
      ),
    ])
    expect(s.toPanel().map((m) => m.type)).toEqual(['page-hello'])
  })

  it("tells the panel when the page's engine registry is of a version it cannot read", () => {
    const page = new FakeWindow()
    const host = { [DEVTOOLS_GLOBAL]: { version: 7, engines: new Map(), listeners: new Set() } }
    const bridge = startPageBridge({ window: page, host, scheduler: new ManualScheduler() })
    stops.push(() => bridge.stop())
    const hello = (page.posted[0] as { message: ToPanel }).message
    expect(hello).toMatchObject({
      type: 'page-hello',
      engines: [],
      incompatibleRegistry: { found: '7', expected: 2 },
    })
  })

  it('ignores messages from other windows, without our envelope, or of unknown shape', async () => {
    const s = await setup()
    s.page.postFromElsewhere(envelope('to-page', { type: 'connect', since: {} }))
    s.page.postMessage({ type: 'connect', since: {} })
    s.page.postMessage({ ...envelope('to-page', { type: 'connect', since: {} }), version: 99 })
    s.page.postMessage(
      envelope('to-page', {
        type: 'set-option',
        requestId: 1,
        engineId: s.sync.id,
        name: '__proto__',
        value: 1,
      } as never),
    )
    s.page.postMessage(envelope('to-page', { type: 'connect', since: { x: -1 } } as never))
    expect(s.toPanel().map((m) => m.type)).toEqual(['page-hello'])
  })

  it('announces engines that register after the panel connected, and streams them', async () => {
    const s = await setup()
    s.command({ type: 'connect', since: {} })
    const late = s.startEngine()
    const hellos = s.toPanel().filter((m) => m.type === 'page-hello')
    expect(hellos.at(-1)?.type === 'page-hello' && hellos.at(-1)?.engines.map((e) => e.id)).toEqual(
      [s.sync.id, late.id],
    )
    expect(s.toPanel().at(-1)).toMatchObject({ type: 'events', snapshot: true })
  })
})
