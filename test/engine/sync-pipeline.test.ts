import { QueryObserver } from '@tanstack/query-core'
import { afterEach, describe, expect, it } from 'vitest'
import { SyncPipeline } from '../../src/sync-pipeline'
import { describeEvent } from '../../src/describe-event'
import type { EngineConfig, SyncEventKind } from '../../src/types'
import { testConfig } from '../support/engine-config'
import { changePayload, eventsOfKind, keysOf } from '../support/events'
import { hostileThrown, hostileValues } from '../support/hostile-values'
import { ManualScheduler } from '../support/manual-scheduler'
import { createQueryWorld } from '../support/query-world'

const ME = 'user-alice'
const TEAMMATE = 'user-bob'
let dispose = () => {}
afterEach(() => dispose())

function setup(config: Partial<EngineConfig> = {}) {
  const scheduler = new ManualScheduler()
  const world = createQueryWorld()
  const pipeline = new SyncPipeline({
    queryClient: world.queryClient,
    scheduler,
    userId: ME,
    config: testConfig(config),
    globalTables: new Set(['profiles']),
    isOrganizationQuery: () => true,
  })
  dispose = () => {
    pipeline.stop()
    world.dispose()
  }
  const events = () => pipeline.log.read()
  const kinds = () => events().map((e) => e.kind)
  const ofKind = <K extends SyncEventKind>(kind: K) => eventsOfKind(events(), kind)
  const last = <K extends SyncEventKind>(kind: K) => ofKind(kind).at(-1)
  return { scheduler, world, pipeline, events, kinds, last, ofKind }
}

describe('a change that passes the filters', () => {
  it('is logged as received, then invalidates the table lists and only its own record', () => {
    const { world, pipeline, scheduler, kinds, last, events } = setup()
    world.active(['deals', 'list'])
    world.active(['deals', 'record', 'd1'])
    world.active(['deals', 'record', 'd2'])
    world.active(['contacts', 'list'])

    pipeline.receive('org_acme', changePayload({ record_id: 'd1' }))
    expect(kinds()).toEqual(['received'])
    expect(world.fetches(['deals', 'list'])).toBe(0)

    scheduler.advance(200)
    expect(kinds()).toEqual(['received', 'invalidated'])
    expect(last('invalidated')?.matchedKeys).toEqual([
      ['deals', 'list'],
      ['deals', 'record', 'd1'],
    ])
    expect(last('invalidated')).toMatchObject({
      trigger: 'batch',
      table: 'deals',
      causes: [last('received')!.seq],
      causeKeys: [[0, 1]],
    })
    expect(keysOf(events(), last('received')!)).toEqual(last('invalidated')?.matchedKeys)
    // The logged change is left as it was: the pass is on its own event.
    expect(last('received')).not.toHaveProperty('batchId')
    expect(last('received')).not.toHaveProperty('matchedKeys')
    expect(world.fetches(['deals', 'list'])).toBe(1)
    expect(world.fetches(['deals', 'record', 'd1'])).toBe(1)
    expect(world.fetches(['deals', 'record', 'd2'])).toBe(0)
    expect(world.fetches(['contacts', 'list'])).toBe(0)
  })

  it('also invalidates the other keys of its table (.all, stats), which may depend on any row', () => {
    const { world, pipeline, scheduler } = setup()
    world.cached(['deals'])
    world.cached(['deals', 'stats', { by: 'stage' }])
    world.cached(['deals', 'record', 7])
    pipeline.receive('org_acme', changePayload({ record_id: '7' }))
    scheduler.advance(200)
    expect(world.isStale(['deals'])).toBe(true)
    expect(world.isStale(['deals', 'stats', { by: 'stage' }])).toBe(true)
    expect(world.isStale(['deals', 'record', 7])).toBe(true)
  })

  it('marks cached queries stale but refetches only the ones on screen', () => {
    const { world, pipeline, scheduler, last } = setup()
    world.cached(['deals', 'list', { page: 2 }])
    world.active(['deals', 'list', { page: 1 }])
    pipeline.receive('org_acme', changePayload())
    scheduler.advance(200)
    expect(world.isStale(['deals', 'list', { page: 2 }])).toBe(true)
    expect(world.totalFetches()).toBe(1)
    expect(last('invalidated')).toMatchObject({
      matchedKeys: [
        ['deals', 'list', { page: 2 }],
        ['deals', 'list', { page: 1 }],
      ],
      markedStale: 1,
    })
    expect(describeEvent(last('invalidated')!)).toMatch(
      /2 queries invalidated, 1 inactive one only marked stale$/,
    )
  })

  it('shows that nothing matched when no query of the table is cached', () => {
    const { pipeline, scheduler, last, events } = setup()
    pipeline.receive('org_acme', changePayload({ table_name: 'projects' }))
    scheduler.advance(200)
    expect(last('invalidated')).toMatchObject({
      matchedKeys: [],
      table: 'projects',
      causeKeys: [[]],
      markedStale: 0,
    })
    expect(keysOf(events(), last('received')!)).toEqual([])
  })

  it('sees queries added after the engine started and forgets removed ones', () => {
    const { world, pipeline, scheduler, last } = setup()
    world.active(['deals', 'list'])
    world.queryClient.removeQueries({ queryKey: ['deals', 'list'] })
    world.active(['deals', 'list', { owner: 'me' }])
    pipeline.receive('org_acme', changePayload())
    scheduler.advance(200)
    expect(last('invalidated')?.matchedKeys).toEqual([['deals', 'list', { owner: 'me' }]])
  })

  it('records the latency from commit to receipt', () => {
    const { pipeline, scheduler, last } = setup()
    const committed = new Date(scheduler.now() - 35).toISOString()
    pipeline.receive('org_acme', changePayload({}, committed))
    expect(last('received')?.latencyMs).toBe(35)
  })
})

describe('batching', () => {
  it("coalesces changes within batchMs into one invalidation; each active query refetches once (batchMode 'trailing')", () => {
    const { world, pipeline, scheduler, events, last, ofKind } = setup({ batchMode: 'trailing' })
    world.active(['deals', 'list'])
    for (const id of ['d1', 'd2', 'd3']) world.active(['deals', 'record', id])
    for (const [i, id] of ['d1', 'd2', 'd3', 'd1', 'd9'].entries()) {
      pipeline.receive('org_acme', changePayload({ record_id: id }))
      scheduler.advance(i === 4 ? 0 : 49)
    }
    scheduler.advance(200)
    const flushes = events().filter((e) => e.kind === 'invalidated')
    expect(flushes).toHaveLength(1)
    const received = ofKind('received')
    expect(last('invalidated')?.causes).toEqual(received.map((e) => e.seq))
    expect(last('invalidated')).toMatchObject({ trigger: 'batch', batchMs: undefined })
    expect(last('invalidated')?.leading).toBeUndefined()
    // Each change is served by that one pass, with the keys of its own row.
    for (const change of received) {
      expect(keysOf(events(), change)).toEqual(
        [
          ['deals', 'list'],
          ['deals', 'record', change.recordId],
        ].filter(([, , id]) => id !== 'd9'),
      )
    }
    expect(world.fetches(['deals', 'list'])).toBe(1)
    expect(world.fetches(['deals', 'record', 'd1'])).toBe(1)
    expect(world.totalFetches()).toBe(4)
  })

  it('opens the window at the first change: a steady stream still flushes every batchMs, in both modes', () => {
    for (const batchMode of ['trailing', 'leading'] as const) {
      const { pipeline, scheduler, events } = setup({ batchMode })
      for (let i = 0; i < 10; i++) {
        pipeline.receive('org_acme', changePayload({ record_id: `d${i}` }))
        scheduler.advance(100)
      }
      scheduler.advance(200)
      // Leading: at once, then one pass per 200 ms window of the stream that follows.
      expect({
        batchMode,
        passes: events().filter((e) => e.kind === 'invalidated').length,
      }).toEqual({ batchMode, passes: batchMode === 'trailing' ? 5 : 6 })
    }
  })

  it("flushes an isolated change at once (batchMode 'leading', the default), and says so", () => {
    const { world, pipeline, scheduler, events, last } = setup()
    world.active(['deals', 'record', 'd1'])
    pipeline.receive('org_acme', changePayload({ record_id: 'd1' }))
    expect(world.fetches(['deals', 'record', 'd1'])).toBe(0)
    scheduler.advance(0)
    expect(world.fetches(['deals', 'record', 'd1'])).toBe(1)
    expect(last('invalidated')).toMatchObject({
      batchId: 1,
      trigger: 'batch',
      leading: true,
      batchMs: 200,
      causes: [last('received')!.seq],
    })
    expect(describeEvent(last('invalidated')!)).toMatch(
      /^batch #1, flushed at once \(no pass in the last 200 ms\): 1 event coalesced/,
    )
    expect(keysOf(events(), last('received')!)).toEqual([['deals', 'record', 'd1']])
  })

  it('turns a burst of five changes within batchMs into at most two passes, the second at the end of the window', () => {
    const { world, pipeline, scheduler, events } = setup()
    world.active(['deals', 'list'])
    for (let i = 0; i < 5; i++) {
      pipeline.receive('org_acme', changePayload({ record_id: `d${i}` }))
      scheduler.advance(40)
    }
    scheduler.advance(200)
    const passes = eventsOfKind(events(), 'invalidated')
    expect(passes.map((pass) => [pass.causes.length, pass.leading === true])).toEqual([
      [1, true],
      [4, false],
    ])
    expect(passes[1]!.at - passes[0]!.at).toBe(200)
    expect(world.fetches(['deals', 'list'])).toBe(2)
  })

  it('refetches again for a second change to the same row after the batch (the seed lost it)', () => {
    const { world, pipeline, scheduler } = setup()
    world.active(['deals', 'record', 'd1'])
    pipeline.receive('org_acme', changePayload({ record_id: 'd1' }))
    scheduler.advance(500)
    pipeline.receive('org_acme', changePayload({ record_id: 'd1' }))
    scheduler.advance(500)
    expect(world.fetches(['deals', 'record', 'd1'])).toBe(2)
  })
})

describe('dedup', () => {
  it('drops a redelivered event, names the original, and does not refetch for it', () => {
    const { world, pipeline, scheduler, last, kinds } = setup()
    world.active(['deals', 'list'])
    const payload = changePayload({ id: 77 })
    pipeline.receive('org_acme', payload)
    scheduler.advance(300)
    pipeline.receive('org_acme', payload)
    scheduler.advance(300)
    expect(kinds()).toEqual(['received', 'invalidated', 'deduped'])
    expect(last('deduped')).toMatchObject({
      relatedSeq: 1,
      eventId: '77',
      ageMs: 300,
      match: 'event-id',
      windowMs: 2_000,
    })
    expect(describeEvent(last('deduped')!)).toMatch(
      /same event id 77 as #1, delivered again 300 ms later/,
    )
    expect(world.fetches(['deals', 'list'])).toBe(1)
  })

  it("with dedupBy 'row', drops a second change to the row and says the row rule fired", () => {
    const { pipeline, last, scheduler } = setup({ dedupBy: 'row' })
    pipeline.receive('org_acme', changePayload({ record_id: 'd1' }))
    scheduler.advance(10)
    pipeline.receive('org_acme', changePayload({ record_id: 'd1' }))
    expect(last('deduped')).toMatchObject({ relatedSeq: 1, ageMs: 10, match: 'same-row' })
    expect(describeEvent(last('deduped')!)).toMatch(/row rule/)
  })
})

describe('echo prevention', () => {
  it("drops this tab's own change and points at the write it echoes", () => {
    const { world, pipeline, scheduler, last, kinds } = setup()
    world.active(['deals', 'list'])
    pipeline.markLocalWrite('deals', 'd1')
    scheduler.advance(80)
    pipeline.receive('org_acme', changePayload({ record_id: 'd1', actor_id: ME }))
    scheduler.advance(300)
    expect(kinds()).toEqual(['write', 'echo'])
    expect(last('echo')).toMatchObject({
      relatedSeq: 1,
      recordId: 'd1',
      ageMs: 80,
      match: 'same-actor',
    })
    expect(describeEvent(last('echo')!)).toMatch(/80 ms earlier.*actor is the current user/)
    expect(world.fetches(['deals', 'list'])).toBe(0)
  })

  it("applies a teammate's change to the same row, explaining why it was not an echo", () => {
    const { world, pipeline, scheduler, last } = setup()
    world.active(['deals', 'record', 'd1'])
    pipeline.markLocalWrite('deals', 'd1')
    scheduler.advance(30)
    pipeline.receive('org_acme', changePayload({ record_id: 'd1', actor_id: TEAMMATE }))
    scheduler.advance(200)
    expect(last('received')).toMatchObject({
      actorId: TEAMMATE,
      relatedSeq: last('write')!.seq,
      ageMs: 30,
      match: 'other-actor',
    })
    expect(describeEvent(last('received')!)).toMatch(/not an echo.*user-bob/)
    expect(world.fetches(['deals', 'record', 'd1'])).toBe(1)
  })

  it('rejects a markLocalWrite without a table or id', () => {
    const { pipeline } = setup()
    expect(() => pipeline.markLocalWrite('', 'x')).toThrow(TypeError)
    expect(() => pipeline.markLocalWrite('deals', undefined as unknown as string)).toThrow(/id/)
  })
})

describe('resync and manual invalidation', () => {
  const subscribedAgain = {
    orgId: 'org_acme',
    topic: 'org:org_acme',
    status: 'SUBSCRIBED' as const,
    subscribedCount: 2,
  }

  it('refetches every realtime query on resync, leaves global tables, and takes pending changes along', () => {
    const { world, pipeline, scheduler, events, last } = setup()
    world.active(['deals', 'record', 'd5'])
    world.active(['contacts', 'list'])
    world.active(['profiles', 'list'])
    pipeline.receive('org_acme', changePayload({ record_id: 'd5' }))
    pipeline.refetchOrganization(subscribedAgain, {
      gapMs: 4_000,
      fallback: 'read-failed',
      error: 'the read failed',
    })
    scheduler.advance(200)
    const flushes = events().filter((e) => e.kind === 'invalidated')
    expect(flushes).toHaveLength(1)
    expect(last('resync')).toMatchObject({
      orgId: 'org_acme',
      channel: { topic: 'org:org_acme', status: 'SUBSCRIBED' },
      gapMs: 4_000,
      fallback: 'read-failed',
      error: 'the read failed',
    })
    expect(last('resync')?.replayed).toBeUndefined()
    expect(last('invalidated')?.causes).toEqual([last('received')!.seq, last('resync')!.seq])
    expect(describeEvent(last('resync')!)).toBe(
      'org:org_acme live: changes made during a 4.0 s gap cannot be replayed (reading realtime_table_events failed: the read failed), so every query of org_acme is refetched',
    )
    expect(keysOf(events(), last('resync')!)).toEqual([
      ['deals', 'record', 'd5'],
      ['contacts', 'list'],
    ])
    expect(world.fetches(['deals', 'record', 'd5'])).toBe(1)
    expect(world.fetches(['contacts', 'list'])).toBe(1)
    expect(world.fetches(['profiles', 'list'])).toBe(0)
  })

  it('invalidateGlobal refetches a global table at once and logs it as manual', () => {
    const { world, pipeline, last } = setup()
    world.active(['profiles', 'record', 'u1'])
    world.active(['profiles', 'list'])
    pipeline.invalidateGlobal('profiles')
    expect(world.totalFetches()).toBe(2)
    expect(last('invalidated')).toMatchObject({
      trigger: 'manual',
      table: 'profiles',
      causes: [],
      causeKeys: [],
      matchedKeys: [
        ['profiles', 'list'],
        ['profiles', 'record', 'u1'],
      ],
    })
    expect(describeEvent(last('invalidated')!)).toMatch(/^manual: invalidateGlobal\('profiles'\)/)
  })
})

describe("refreshWrites: this tab's writes, once they settled", () => {
  it("refetches the rows' record keys and their tables' other keys in one pass, logged", async () => {
    const { world, pipeline, last, kinds } = setup()
    world.active(['deals', 'record', 'd1'])
    world.active(['deals', 'record', 'd2'])
    world.active(['deals', 'list', { stage: 'lead' }])
    world.active(['contacts', 'record', 'c1'])
    world.active(['contacts', 'record', 'c9'])
    world.active(['contacts', 'list'])
    world.active(['activities', 'list'])
    await pipeline.refreshWrites([
      { table: 'deals', id: 'd1' },
      { table: 'contacts', id: 'c1' },
    ])
    expect(kinds()).toEqual(['invalidated', 'refetched', 'refetched', 'refetched', 'refetched'])
    for (const key of [
      ['deals', 'record', 'd1'],
      ['deals', 'list', { stage: 'lead' }],
      ['contacts', 'record', 'c1'],
      ['contacts', 'list'],
    ]) {
      expect(world.fetches(key)).toBe(1)
    }
    expect(world.fetches(['deals', 'record', 'd2'])).toBe(0)
    expect(world.fetches(['contacts', 'record', 'c9'])).toBe(0)
    expect(world.fetches(['activities', 'list'])).toBe(0)
    expect(last('invalidated')).toMatchObject({
      trigger: 'write',
      writes: [
        ['deals', 'd1'],
        ['contacts', 'c1'],
      ],
      causes: [],
      causeKeys: [],
      batchId: 1,
      markedStale: 0,
    })
    expect(last('invalidated')?.matchedKeys).toHaveLength(4)
    expect(last('invalidated')?.table).toBeUndefined() // two tables
    expect(describeEvent(last('invalidated')!)).toBe(
      "refresh after this tab's write of deals/d1, contacts/c1 → 4 queries invalidated, 0 inactive ones only marked stale",
    )
    // The refetches tell which pass they belong to, as a realtime pass's do.
    expect(last('refetched')?.batchId).toBe(1)
  })

  it('resolves once its refetches settled, a failed one included, and checks its rows', async () => {
    const { world, pipeline, last } = setup()
    world.cached(['deals', 'record', 7])
    world.queryClient.setQueryData(['deals', 'list'], 'initial')
    const observer = new QueryObserver(world.queryClient, {
      queryKey: ['deals', 'list'],
      staleTime: Number.POSITIVE_INFINITY,
      queryFn: () => Promise.reject(new Error('permission denied')),
    })
    const unsubscribe = observer.subscribe(() => {})
    try {
      await expect(pipeline.refreshWrites([{ table: 'deals', id: 7 }])).resolves.toBeUndefined()
      expect(last('refetched')).toMatchObject({ outcome: 'error', queryKey: ['deals', 'list'] })
      // Not on screen: only marked stale, refetched when next used.
      expect(world.isStale(['deals', 'record', 7])).toBe(true)
      expect(last('invalidated')?.markedStale).toBe(1)
    } finally {
      unsubscribe()
    }
    await expect(pipeline.refreshWrites([])).resolves.toBeUndefined()
    expect(() => pipeline.refreshWrites([{ table: '', id: 'd1' }])).toThrow(
      /refreshWrites\(\[\{ table, id \}\]\): table must be a non-empty string/,
    )
  })
})

describe('bad input', () => {
  it('never throws on 100,000 malformed payloads and counts every one', () => {
    const { pipeline, events } = setup({ bufferSize: 1_000 })
    const shapes = hostileValues()
    expect(() => {
      for (let i = 0; i < 100_000; i++) pipeline.receive('org_acme', shapes[i % shapes.length])
    }).not.toThrow()
    const [minute] = pipeline.metrics.snapshot()
    expect(minute).toMatchObject({ received: 100_000, malformed: 100_000, processed: 0 })
    expect(events()).toHaveLength(1_000)
    const malformed = eventsOfKind(events(), 'malformed')
    expect(malformed).toHaveLength(1_000)
    for (const event of malformed) {
      expect(event).toMatchObject({ orgId: 'org_acme', input: 'change' })
      if (event.problem === 'engine-error') expect(event.error).toMatch(/\S/)
      else expect(event.field).toMatch(/\S/)
      expect(describeEvent(event)).toMatch(/\S/)
    }
    expect(pipeline.log.dropped).toBe(99_000)
    expect(malformed.some((e) => e.error === 'hostile getter')).toBe(true)
    expect(malformed.some((e) => e.error === '[unprintable object]')).toBe(true)
    expect(malformed.some((e) => e.problem === 'wrong-organization')).toBe(true)
    expect(malformed).toContainEqual(
      expect.objectContaining({ problem: 'invalid-value', field: 'table_name', found: 'number' }),
    )
  })

  it('logs a payload that throws an unprintable value as malformed, with a reason', () => {
    for (const thrown of hostileThrown()) {
      const { pipeline, last } = setup()
      expect(() =>
        pipeline.receive('org_acme', {
          get new() {
            throw thrown
          },
        }),
      ).not.toThrow()
      expect(last('malformed')).toMatchObject({
        input: 'change',
        problem: 'engine-error',
        error: expect.stringMatching(/\S/),
      })
      expect(describeEvent(last('malformed')!)).toMatch(
        /^the engine failed on a delivered change: \S/,
      )
    }
  })

  it('keeps only a size-capped preview of a huge payload', () => {
    const { pipeline, last } = setup()
    const huge = changePayload({ table_name: 'x'.repeat(5_000_000) })
    pipeline.receive('org_acme', huge)
    expect(JSON.stringify(last('malformed')?.payload).length).toBeLessThan(4_096)
    expect(last('malformed')).toMatchObject({
      problem: 'invalid-value',
      field: 'table_name',
      found: 'string',
    })
    expect(describeEvent(last('malformed')!)).toBe(
      'a delivered change: table_name is a string, expected a table name',
    )
  })
})

describe('metrics and options', () => {
  it('counts received, processed, deduped, echo, invalidations and keys per minute', () => {
    const { world, pipeline, scheduler } = setup()
    world.cached(['deals', 'list'])
    world.cached(['deals', 'record', 'd1'])
    const payload = changePayload({ record_id: 'd1' })
    pipeline.receive('org_acme', payload)
    pipeline.receive('org_acme', payload)
    pipeline.markLocalWrite('deals', 'd2')
    pipeline.receive('org_acme', changePayload({ record_id: 'd2', actor_id: ME }))
    pipeline.receive('org_acme', 'junk')
    scheduler.advance(200)
    expect(pipeline.metrics.snapshot()).toEqual([
      expect.objectContaining({
        received: 4,
        processed: 1,
        deduped: 1,
        echo: 1,
        malformed: 1,
        invalidations: 1,
        keysInvalidated: 2,
      }),
    ])
  })

  it('changes windows and the buffer live, and rejects bad values', () => {
    const { pipeline, scheduler, events } = setup()
    pipeline.setOption('batchMs', 50)
    pipeline.receive('org_acme', changePayload())
    scheduler.advance(50)
    expect(events().at(-1)?.kind).toBe('invalidated')
    expect(pipeline.setOption('bufferSize', 1).bufferSize).toBe(1)
    expect(pipeline.log.read()).toHaveLength(1)
    expect(() => pipeline.setOption('batchMs', -1)).toThrow(RangeError)
    expect(() => pipeline.setOption('dedupWindowMs', '5')).toThrow(RangeError)
    expect(() => pipeline.setOption('__proto__', 1)).toThrow(TypeError)
  })
})
