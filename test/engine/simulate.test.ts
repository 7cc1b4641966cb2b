import { describe, expect, it } from 'vitest'
import type { ExportFile } from '../../extension/shared/export-format'
import type { RealtimeSyncOptions } from '../../src/realtime-sync'
import {
  type RecordedLog,
  SIMULATION_LIMITS,
  simulate,
  type SimulationResult,
} from '../../src/simulate'
import type { SyncEvent } from '../../src/types'
import { type FakeEngine, fakeEngineFile, ORG } from '../support/fake-engine'
import { type EventRow, settle } from '../support/fake-supabase'

/**
 * simulate() on logs recorded by the real engine (FakeSupabase, fake time): the same pipeline
 * replayed with other settings against the recorded cache.
 */
const setup = fakeEngineFile()

const ME = 'user-alice'
const TEAMMATE = 'user-bob'

/** The engine's log as exportLog() and the panel's export give it, through JSON as a file is. */
function logOf(t: FakeEngine): RecordedLog {
  const file = { events: t.sync.getEvents(), engine: { config: t.sync.getConfig() } }
  return JSON.parse(JSON.stringify(file)) as RecordedLog
}

/** Live on a screen that shows the deals list and two deals; a third deal only cached. */
async function liveOnDeals(options: Partial<RealtimeSyncOptions> = {}): Promise<FakeEngine> {
  const t = setup(options)
  t.world.active(['deals', 'list'])
  t.world.active(['deals', 'record', 'd1'])
  t.world.active(['deals', 'record', 'd2'])
  t.world.cached(['deals', 'record', 'd3'])
  t.world.active(['contacts', 'list'])
  await settle()
  await t.goLive()
  return t
}

function commit(t: FakeEngine, recordId: string, actor: string | null = TEAMMATE): EventRow {
  return t.supabase.commit(
    { organization_id: ORG, record_id: recordId, actor_id: actor },
    { createdAt: t.iso() },
  )
}

/** The same row delivered again, as a rejoin or a retried send does. */
function deliverAgain(t: FakeEngine, row: EventRow): void {
  t.supabase.channelFor(ORG).deliver({
    schema: 'public',
    table: 'realtime_table_events',
    eventType: 'INSERT',
    commit_timestamp: row.created_at,
    new: { ...row },
    old: {},
    errors: null,
  })
}

/** Three changes, each delivered twice 1 s apart, 3 s between them. */
async function duplicatesOneSecondApart(options: Partial<RealtimeSyncOptions> = {}) {
  const t = await liveOnDeals(options)
  for (const id of ['d1', 'd2', 'd3']) {
    const row = commit(t, id)
    t.advance(1_000)
    deliverAgain(t, row)
    t.advance(3_000)
  }
  await settle()
  return t
}

/** Six changes 300 ms apart: each its own pass with batchMs 200. */
async function burst(options: Partial<RealtimeSyncOptions> = {}) {
  const t = await liveOnDeals(options)
  for (const id of ['d1', 'd2', 'd3', 'd4', 'd5', 'd6']) {
    commit(t, id)
    t.advance(300)
  }
  t.advance(2_000)
  await settle()
  return t
}

/** What the engine logged for its changes and passes, counted as simulate() counts them. */
function countsOf(events: readonly SyncEvent[]) {
  const changes = events.filter(
    (e) => e.kind === 'received' || e.kind === 'deduped' || e.kind === 'echo',
  )
  const passes = events.filter(
    (e): e is Extract<SyncEvent, { kind: 'invalidated' }> =>
      e.kind === 'invalidated' && e.trigger === 'batch',
  )
  return {
    received: changes.length,
    processed: changes.filter((e) => e.kind === 'received').length,
    deduped: changes.filter((e) => e.kind === 'deduped').length,
    echo: changes.filter((e) => e.kind === 'echo').length,
    passes: passes.length,
    keysInvalidated: passes.reduce((n, p) => n + p.matchedKeys.length, 0),
    refetches: passes.reduce((n, p) => n + p.matchedKeys.length - p.markedStale, 0),
  }
}

/** The self-check: the recorded settings reproduce the recorded session exactly. */
function expectReproduced(result: SimulationResult, events: readonly SyncEvent[]): void {
  expect(result.changed).toEqual([])
  expect(result.counts).toEqual(result.recorded)
  expect(result.recorded).toEqual(countsOf(events))
  for (const pass of result.passes) expect(pass.recordedPasses).toHaveLength(1)
  const recordedPasses = events.filter((e) => e.kind === 'invalidated' && e.trigger === 'batch')
  expect(result.passes.map((p) => p.causes)).toEqual(
    recordedPasses.map((p) => (p.kind === 'invalidated' ? p.causes : [])),
  )
}

describe('duplicates 1 s apart', () => {
  it('recorded with the default 2 s window: dropped; a 500 ms window would process them', async () => {
    const t = await duplicatesOneSecondApart()
    const log = logOf(t)
    const duplicates = t.events('deduped')
    expect(duplicates.map((e) => e.ageMs)).toEqual([1_000, 1_000, 1_000])

    const same = simulate(log)
    expect(same.settings).toEqual(same.recordedSettings)
    expect(same.recordedSettings).toMatchObject({ dedupWindowMs: 2_000, batchMs: 200 })
    expectReproduced(same, log.events)

    const result = simulate(log, { dedupWindowMs: 500 })
    expect(result.settings.dedupWindowMs).toBe(500)
    expect(result.recorded).toEqual({
      received: 6,
      processed: 3,
      deduped: 3,
      echo: 0,
      passes: 3,
      // d1 and d2: the list and the record; d3: the list and its cached record.
      keysInvalidated: 6,
      refetches: 5,
    })
    expect(result.counts).toEqual({
      received: 6,
      processed: 6,
      deduped: 0,
      echo: 0,
      passes: 6,
      keysInvalidated: 12,
      refetches: 10,
    })
    expect(result.changed).toEqual(
      duplicates.map((e) =>
        expect.objectContaining({
          seq: e.seq,
          eventId: e.eventId,
          table: 'deals',
          recordId: e.recordId,
          recorded: 'deduped',
          simulated: 'received',
          recordedPass: undefined,
          simulatedPass: expect.any(Number),
        }),
      ),
    )
    expect(result.limits.slice(0, 2)).toEqual([
      SIMULATION_LIMITS.unknowable,
      SIMULATION_LIMITS.cache,
    ])
  })

  it('recorded with a 500 ms window: processed; the default window would drop them', async () => {
    const t = await duplicatesOneSecondApart({ dedupWindowMs: 500 })
    const log = logOf(t)
    expect(t.events('deduped')).toEqual([])
    expectReproduced(simulate(log), log.events)

    const result = simulate(log, { dedupWindowMs: 2_000 })
    expect(result.counts).toMatchObject({ processed: 3, deduped: 3, passes: 3 })
    const firsts = t.events('received').filter((_, i) => i % 2 === 0)
    const seconds = t.events('received').filter((_, i) => i % 2 === 1)
    expect(result.changed).toEqual(
      seconds.map((e, i) =>
        expect.objectContaining({
          seq: e.seq,
          recorded: 'received',
          simulated: 'deduped',
          // Matched to its first delivery, by the recorded seq.
          relatedSeq: firsts[i]!.seq,
          match: 'event-id',
          recordedPass: expect.any(Number),
          simulatedPass: undefined,
        }),
      ),
    )
  })
})

describe('a burst', () => {
  it('a larger batchMs merges its passes', async () => {
    const t = await burst()
    const log = logOf(t)
    const recordedPasses = t.events('invalidated')
    expect(recordedPasses).toHaveLength(6)
    expectReproduced(simulate(log), log.events)

    const result = simulate(log, { batchMs: 1_000 })
    // d1 and d2: the list and their record, on screen; d3: the list and its cached record;
    // d4 to d6: the list.
    expect(result.recorded).toMatchObject({ passes: 6, keysInvalidated: 9, refetches: 8 })
    // Leading at 0 ms; 300, 600 and 900 wait for the window's end at 1,000; 1,200 and 1,500
    // for the next at 2,000.
    expect(result.counts).toMatchObject({
      received: 6,
      processed: 6,
      passes: 3,
      keysInvalidated: 2 + 3 + 1,
      refetches: 2 + 2 + 1,
    })
    const received = t.events('received')
    const seqs = received.map((e) => e.seq)
    expect(result.passes.map((p) => [p.causes, p.leading])).toEqual([
      [[seqs[0]], true],
      [[seqs[1], seqs[2], seqs[3]], false],
      [[seqs[4], seqs[5]], false],
    ])
    const batchIds = recordedPasses.map((p) => p.batchId)
    expect(result.passes.map((p) => p.recordedPasses)).toEqual([
      [batchIds[0]],
      [batchIds[1], batchIds[2], batchIds[3]],
      [batchIds[4], batchIds[5]],
    ])
    expect(result.passes[1]!.at - received[0]!.at).toBe(1_000)
    // Every change but the first shares its pass with others now: its verdict stays.
    expect(result.changed.map((c) => [c.seq, c.recorded, c.simulated, c.simulatedPass])).toEqual([
      [seqs[1], 'received', 'received', 2],
      [seqs[2], 'received', 'received', 2],
      [seqs[3], 'received', 'received', 2],
      [seqs[4], 'received', 'received', 3],
      [seqs[5], 'received', 'received', 3],
    ])
  })

  it('trailing mode waits out every window; batchMs 0 leaves them apart', async () => {
    const t = await burst()
    const log = logOf(t)
    const trailing = simulate(log, { batchMode: 'trailing', batchMs: 1_000 })
    expect(trailing.passes.map((p) => [p.causes.length, p.leading])).toEqual([
      [4, false],
      [2, false],
    ])
    expect(simulate(log, { batchMs: 0 }).changed).toEqual([])
  })
})

describe('echoes and teammates', () => {
  it("a shorter echo window processes this tab's own change; dedupBy 'row' drops a teammate's", async () => {
    const t = await liveOnDeals({ userId: ME })
    t.sync.markLocalWrite('deals', 'd1')
    t.advance(1_000)
    const own = commit(t, 'd1', ME)
    t.advance(600)
    const teammate = commit(t, 'd1', TEAMMATE)
    t.advance(5_000)
    await settle()
    const log = logOf(t)
    const [echo] = t.events('echo')
    const [received] = t.events('received').filter((e) => e.eventId === String(teammate.id))
    expect(echo).toMatchObject({ eventId: String(own.id), match: 'same-actor' })
    expect(received).toMatchObject({ match: 'other-actor' })
    expectReproduced(simulate(log), log.events)

    const write = t.events('write')[0]!
    const shorter = simulate(log, { echoWindowMs: 500 })
    expect(shorter.changed).toEqual([
      expect.objectContaining({ seq: echo!.seq, recorded: 'echo', simulated: 'received' }),
    ])
    expect(shorter.counts).toMatchObject({ processed: 2, echo: 0, passes: 2 })

    const byRow = simulate(log, { dedupBy: 'row' })
    expect(byRow.changed).toEqual([
      expect.objectContaining({
        seq: received!.seq,
        recorded: 'received',
        simulated: 'deduped',
        match: 'same-row',
        // The echo was the row's first change in the window.
        relatedSeq: echo!.seq,
      }),
    ])
    // A longer echo window still tells the teammate apart.
    const longer = simulate(log, { echoWindowMs: 10_000 })
    expect(longer.changed).toEqual([])
    expect(write.seq).toBeLessThan(echo!.seq)
  })

  it('without a same-actor echo in the log, it asks for the userId', async () => {
    const t = await liveOnDeals({ userId: ME })
    t.sync.markLocalWrite('deals', 'd1')
    t.advance(4_000)
    commit(t, 'd1', ME)
    t.advance(1_000)
    await settle()
    const log = logOf(t)
    expect(t.events('echo')).toEqual([])
    const unknown = simulate(log, { echoWindowMs: 5_000 })
    expect(unknown.changed).toEqual([])
    expect(unknown.limits.some((l) => l.includes('pass userId'))).toBe(true)
    const known = simulate(log, { echoWindowMs: 5_000, userId: ME })
    expect(known.changed).toEqual([
      expect.objectContaining({ recorded: 'received', simulated: 'echo', match: 'same-actor' }),
    ])
    expect(known.limits.some((l) => l.includes('pass userId'))).toBe(false)
  })
})

describe('the self-check: the recorded settings reproduce the recording', () => {
  it('a session with a replay after a gap, duplicates, echoes, bursts and a screen that changes', async () => {
    const t = await liveOnDeals({ userId: ME, batchMs: 300 })
    const first = commit(t, 'd1')
    t.advance(100)
    commit(t, 'd2')
    t.advance(700)
    deliverAgain(t, first)
    t.advance(400)
    t.sync.markLocalWrite('deals', 'd2')
    t.advance(50)
    commit(t, 'd2', ME)
    await t.sync.refreshWrites([{ table: 'deals', id: 'd2' }])
    t.advance(1_000)
    // A filtered list opened later, a deal's record dropped from the cache: the passes before
    // and after find what was there then.
    t.world.active(['deals', 'list', { stage: 'won' }])
    t.world.queryClient.removeQueries({ queryKey: ['deals', 'record', 'd3'], exact: true })
    commit(t, 'd4')
    t.advance(100)
    t.supabase.dropSocket()
    t.advance(2_000)
    t.supabase.commit(
      { organization_id: ORG, record_id: 'd1', actor_id: TEAMMATE },
      { deliver: false, createdAt: t.iso() },
    )
    t.supabase.commit(
      { organization_id: ORG, record_id: 'd3', actor_id: TEAMMATE },
      { deliver: false, createdAt: t.iso() },
    )
    t.advance(500)
    t.supabase.reconnect()
    await settle()
    t.advance(300)
    t.sync.invalidateGlobal('profiles')
    for (let i = 0; i < 10; i++) {
      commit(t, i % 2 === 0 ? 'd1' : 'd2')
      t.advance(i % 3 === 0 ? 0 : 120)
    }
    t.advance(2_000)
    await settle()
    const log = logOf(t)
    expect(t.events('resync').some((e) => e.replayed && e.replayedCount === 2)).toBe(true)
    expect(t.events('deduped')).not.toEqual([])
    expect(t.events('echo')).not.toEqual([])
    const lists = (e: SyncEvent) =>
      e.kind === 'invalidated' && e.matchedKeys.some((key) => key.length === 3 && key[1] === 'list')
    expect(log.events.filter(lists).length).toBeGreaterThan(0)
    expect(log.events.filter((e) => e.kind === 'invalidated' && !lists(e)).length).toBeGreaterThan(
      1,
    )
    expectReproduced(simulate(log), log.events)
    // Every setting at once, and back: the same pipeline, only its settings differ.
    const other = simulate(log, {
      dedupWindowMs: 100,
      echoWindowMs: 10,
      batchMs: 2_000,
      batchMode: 'trailing',
      dedupBy: 'row',
    })
    expect(other.changed).not.toEqual([])
    expect(other.counts.received).toBe(other.recorded.received)
  })

  it('a resync that refetched the organization replays as one', async () => {
    const t = await liveOnDeals({ replay: false })
    commit(t, 'd1')
    t.advance(300)
    t.supabase.dropSocket()
    t.advance(1_000)
    t.supabase.reconnect()
    await settle()
    t.advance(300)
    await settle()
    const log = logOf(t)
    expect(t.events('resync').at(-1)).toMatchObject({ fallback: 'replay-off' })
    expectReproduced(simulate(log), log.events)
  })

  it('a log that starts mid-session: what its duplicates and echoes point to is put back', async () => {
    const t = await liveOnDeals({ userId: ME })
    const row = commit(t, 'd1')
    t.sync.markLocalWrite('deals', 'd2')
    t.advance(500)
    deliverAgain(t, row)
    commit(t, 'd2', ME)
    t.advance(1_000)
    await settle()
    const all = logOf(t)
    const cut = all.events.findIndex((e) => e.kind === 'deduped' || e.kind === 'echo')
    // The ring lost everything before the duplicate: its first delivery and the write.
    const log = { ...all, events: all.events.slice(cut) }
    expect(log.events[0]!.seq).toBeGreaterThan(1)
    const result = simulate(log)
    expect(result.changed).toEqual([])
    expect(result.counts).toEqual(result.recorded)
    expect(result.recorded).toMatchObject({ received: 2, deduped: 1, echo: 1, passes: 0 })
    expect(result.limits.some((l) => l.startsWith('The log starts at event'))).toBe(true)
  })
})

describe('its input', () => {
  it("takes the panel's export file and a bare event list", async () => {
    const t = await duplicatesOneSecondApart()
    const asLog = (file: ExportFile): RecordedLog => file
    expect(asLog).toBeTypeOf('function')
    const fromList = simulate(t.sync.getEvents(), { dedupWindowMs: 500 })
    expect(fromList.counts.deduped).toBe(0)
    expect(simulate({ events: [] }).counts).toEqual(simulate({ events: [] }).recorded)
  })

  it('simulates the last page load of a preserved log', async () => {
    const before = logOf(await burst())
    const after = logOf(await duplicatesOneSecondApart())
    const preserved = { ...after, events: [...before.events, ...after.events] }
    const result = simulate(preserved, { dedupWindowMs: 500 })
    const alone = simulate(after, { dedupWindowMs: 500 })
    expect(result.counts).toEqual(alone.counts)
    expect(result.changed).toEqual(alone.changed)
    expect(result.limits).toContain(
      `The log holds 2 page loads (its seq starts again): the last one is simulated, from event ${after.events[0]!.seq}.`,
    )
  })

  it('refuses the settings the engine refuses', () => {
    expect(() => simulate({ events: [] }, { batchMs: -1 })).toThrow(RangeError)
    expect(() => simulate({ events: [] }, { dedupWindowMs: 1.5 })).toThrow(
      'simulate: dedupWindowMs must be a whole number from 0 to 600,000 (got 1.5)',
    )
    expect(() => simulate({ events: [] }, { batchMode: 'sometimes' as never })).toThrow(TypeError)
    expect(() => simulate({ events: [] }, { dedupBy: 'table' as never })).toThrow(TypeError)
    expect(() => simulate(null as never)).toThrow(TypeError)
  })

  it('says when the log shows other settings than its config', async () => {
    const t = await duplicatesOneSecondApart()
    t.sync.setOption('dedupWindowMs', 5_000)
    const result = simulate(logOf(t))
    expect(result.recordedSettings.dedupWindowMs).toBe(5_000)
    expect(result.limits).toContainEqual(expect.stringContaining('dedupWindowMs 2000 ms'))
  })
})
