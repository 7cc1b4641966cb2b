/**
 * The engine confirms its own writes: a marked write that no change event confirms within
 * writeConfirmMs is logged as `unconfirmed`, with the cause the engine can find (issue 25 §1).
 * Through createRealtimeSync on the fake client, with fake time.
 */
import { describe, expect, it } from 'vitest'
import { describeEvent } from '../../src/describe-event'
import { settle } from '../support/fake-supabase'
import { fakeEngineFile, ORG } from '../support/fake-engine'

const setup = fakeEngineFile()

/** The engine live on its channel, then one write of deals/d1 marked by this tab. */
async function liveAndWriting(options: Parameters<typeof setup>[0] = {}) {
  const engine = setup({ writeConfirmMs: 5_000, ...options })
  await settle()
  await engine.goLive()
  engine.advance(1_000)
  engine.sync.markLocalWrite('deals', 'd1')
  return engine
}

/** Time passes past the window, and the read the engine starts answers. */
async function waitOutTheWindow(engine: ReturnType<typeof setup>) {
  engine.advance(5_000)
  await settle()
}

describe('a write this tab marked', () => {
  it('is confirmed by its echo: nothing is logged, nothing counted', async () => {
    const engine = await liveAndWriting()
    engine.supabase.commit({ organization_id: ORG, record_id: 'd1', actor_id: 'user-alice' })
    await waitOutTheWindow(engine)
    expect(engine.events('unconfirmed')).toEqual([])
    expect(engine.events('echo')).toHaveLength(1)
    expect(engine.sync.getMetrics().reduce((n, m) => n + m.unconfirmed, 0)).toBe(0)
  })

  it('is confirmed by any change of its row, a teammate’s too', async () => {
    const engine = await liveAndWriting()
    engine.supabase.commit({ organization_id: ORG, record_id: 'd1', actor_id: 'user-bob' })
    await waitOutTheWindow(engine)
    expect(engine.events('unconfirmed')).toEqual([])
  })

  it('that failed is said at once: write-failed', async () => {
    const engine = await liveAndWriting()
    const write = engine.events('write')[0]!
    engine.advance(120)
    engine.sync.writeFailed('deals', 'd1')
    expect(engine.events('unconfirmed')).toEqual([
      expect.objectContaining({
        table: 'deals',
        recordId: 'd1',
        relatedSeq: write.seq,
        ageMs: 120,
        cause: 'write-failed',
      }),
    ])
    await waitOutTheWindow(engine)
    expect(engine.events('unconfirmed')).toHaveLength(1)
  })

  it('whose event row is there but never delivered: not-delivered, and the row is replayed', async () => {
    const engine = await liveAndWriting()
    // The trigger wrote the row; Realtime did not deliver it (the publication, say).
    engine.supabase.commit(
      { organization_id: ORG, record_id: 'd1', actor_id: 'user-alice' },
      { deliver: false },
    )
    await waitOutTheWindow(engine)
    const [unconfirmed] = engine.events('unconfirmed')
    expect(unconfirmed).toMatchObject({
      cause: 'not-delivered',
      orgId: ORG,
      replayed: true,
      ageMs: 5_000,
    })
    // Down the live path: the screens update.
    const replayed = engine.events('received').filter((e) => e.replayed === true)
    expect(replayed.map((e) => e.recordId)).toEqual(['d1'])
    expect(replayed[0]!.seq).toBeGreaterThan(unconfirmed!.seq)
    expect(describeEvent(unconfirmed!)).toMatch(/events-in-publication/)
    expect(engine.sync.getMetrics().reduce((n, m) => n + m.unconfirmed, 0)).toBe(1)
  })

  it('with no event row at all: no-event-row, naming the advisor check', async () => {
    const engine = await liveAndWriting()
    // A row of another record, and one of this record written before the write, do not count.
    engine.supabase.commit({ organization_id: ORG, record_id: 'd2' }, { deliver: false })
    await waitOutTheWindow(engine)
    const [unconfirmed] = engine.events('unconfirmed')
    expect(unconfirmed).toMatchObject({ cause: 'no-event-row' })
    expect(unconfirmed).not.toHaveProperty('orgId', ORG)
    expect(describeEvent(unconfirmed!)).toMatch(/table-tracked/)
  })

  it('when the events table cannot be read as this user: events-unreadable, with the error', async () => {
    const engine = await liveAndWriting()
    engine.supabase.failReads = 1
    await waitOutTheWindow(engine)
    expect(engine.events('unconfirmed')).toEqual([
      expect.objectContaining({
        cause: 'events-unreadable',
        error: 'permission denied for table realtime_table_events',
      }),
    ])
  })

  it('while no channel was live the whole time: no-live-channel, without a read', async () => {
    const engine = await liveAndWriting()
    engine.supabase.dropSocket()
    await settle()
    const reads = engine.supabase.reads.length
    await waitOutTheWindow(engine)
    expect(engine.events('unconfirmed')).toEqual([
      expect.objectContaining({ cause: 'no-live-channel' }),
    ])
    expect(engine.supabase.reads.length).toBe(reads)
  })

  it('is not followed with writeConfirmMs 0, and the option changes live', async () => {
    const engine = await liveAndWriting({ writeConfirmMs: 0 })
    await waitOutTheWindow(engine)
    expect(engine.events('unconfirmed')).toEqual([])
    engine.sync.setOption('writeConfirmMs', 1_000)
    engine.sync.markLocalWrite('deals', 'd2')
    engine.advance(1_000)
    await settle()
    expect(engine.events('unconfirmed').map((e) => e.recordId)).toEqual(['d2'])
  })

  it('is forgotten when the engine stops: nothing is logged after', async () => {
    const engine = await liveAndWriting()
    await engine.sync.stop()
    await waitOutTheWindow(engine)
    expect(engine.events('unconfirmed')).toEqual([])
  })
})
