/**
 * What each invalidation led to: the engine logs a 'refetched' event per refetch a pass started,
 * when it settles. A real QueryClient with observed queries whose queryFns the test settles, on a
 * manual clock.
 */
import { QueryClient, type QueryKey, QueryObserver } from '@tanstack/query-core'
import { afterEach, describe, expect, it } from 'vitest'
import { SyncPipeline } from '../../src/sync-pipeline'
import type { DiffsMode, SyncEventKind } from '../../src/types'
import { testConfig } from '../support/engine-config'
import { changePayload, eventsOfKind } from '../support/events'
import { settle } from '../support/fake-supabase'
import { ManualScheduler } from '../support/manual-scheduler'

interface Deferred {
  resolve(data: unknown): void
  reject(error: unknown): void
}

let dispose = () => {}
afterEach(() => dispose())

function setup(options: { diffs?: DiffsMode } = {}) {
  const scheduler = new ManualScheduler()
  const queryClient = new QueryClient({
    defaultOptions: { queries: { gcTime: Number.POSITIVE_INFINITY, retry: false } },
  })
  const pipeline = new SyncPipeline({
    queryClient,
    scheduler,
    userId: 'user-alice',
    config: testConfig(),
    globalTables: new Set(),
    isOrganizationQuery: () => true,
    ...options,
  })
  const unsubscribers: (() => void)[] = []
  dispose = () => {
    pipeline.stop()
    for (const unsubscribe of unsubscribers) unsubscribe()
    queryClient.clear()
  }
  /** The fetches started for each key, oldest first: the test settles them. */
  const pending = new Map<string, Deferred[]>()
  /** A query on screen with `data`, observed `observers` times; its refetches wait for the test. */
  const onScreen = (queryKey: QueryKey, data: unknown, observers = 1) => {
    queryClient.setQueryData(queryKey, data)
    for (let i = 0; i < observers; i++) {
      const observer = new QueryObserver(queryClient, {
        queryKey,
        staleTime: Number.POSITIVE_INFINITY,
        queryFn: () =>
          new Promise((resolve, reject) => {
            const list = pending.get(JSON.stringify(queryKey)) ?? []
            list.push({ resolve, reject })
            pending.set(JSON.stringify(queryKey), list)
          }),
      })
      unsubscribers.push(observer.subscribe(() => {}))
    }
  }
  const fetchOf = (queryKey: QueryKey, index = 0) => {
    const fetch = pending.get(JSON.stringify(queryKey))?.[index]
    if (fetch === undefined) throw new Error(`no fetch #${index} of ${JSON.stringify(queryKey)}`)
    return fetch
  }
  const change = (recordId = 'd1') => {
    pipeline.receive('org_acme', changePayload({ record_id: recordId }))
    scheduler.advance(0) // the leading edge flushes at the end of the task
  }
  const ofKind = <K extends SyncEventKind>(kind: K) => eventsOfKind(pipeline.log.read(), kind)
  return { scheduler, queryClient, pipeline, onScreen, fetchOf, change, ofKind }
}

describe("the engine's record of what each invalidation led to", () => {
  it('logs a refetch that changed the data: its pass, key, duration and observers', async () => {
    const { onScreen, fetchOf, change, scheduler, ofKind } = setup()
    onScreen(['deals', 'list'], [{ id: 'd1', name: 'Acme' }], 2)
    change()
    const pass = ofKind('invalidated')[0]!
    expect(ofKind('refetched')).toEqual([]) // nothing settled yet: nothing logged
    scheduler.advance(38)
    fetchOf(['deals', 'list']).resolve([{ id: 'd1', name: 'Acme Corp' }])
    await settle()
    expect(ofKind('refetched')).toEqual([
      expect.objectContaining({
        batchId: pass.batchId,
        table: 'deals',
        queryKey: ['deals', 'list'],
        durationMs: 38,
        outcome: 'success',
        dataChanged: true,
        observers: 2,
      }),
    ])
  })

  it('says when a refetch returned identical data: nothing on screen changed', async () => {
    const { onScreen, fetchOf, change, ofKind, pipeline } = setup()
    onScreen(['deals', 'list'], [{ id: 'd1', name: 'Acme' }])
    change()
    fetchOf(['deals', 'list']).resolve([{ id: 'd1', name: 'Acme' }])
    await settle()
    expect(ofKind('refetched')[0]).toMatchObject({ outcome: 'success', dataChanged: false })
    expect(pipeline.metrics.snapshot()[0]).toMatchObject({
      refetches: 1,
      unchangedRefetches: 1,
      refetchErrors: 0,
    })
  })

  it('logs a failing refetch with its error, capped', async () => {
    const { onScreen, fetchOf, change, scheduler, ofKind, pipeline } = setup()
    onScreen(['deals', 'record', 'd1'], { id: 'd1' })
    change('d1')
    scheduler.advance(5_012)
    fetchOf(['deals', 'record', 'd1']).reject(new Error(`permission denied ${'x'.repeat(5_000)}`))
    await settle()
    const [failed] = ofKind('refetched')
    expect(failed).toMatchObject({ outcome: 'error', durationMs: 5_012 })
    // errorMessage() keeps 512 characters of any thrown message, and says it cut it.
    expect(failed!.error).toMatch(/^permission denied x+…$/)
    expect(failed!.error!.length).toBeLessThanOrEqual(1_000)
    expect(failed!.dataChanged).toBeUndefined()
    expect(pipeline.metrics.snapshot()[0]).toMatchObject({ refetches: 1, refetchErrors: 1 })
  })

  it('counts the queries a pass only marked stale, and refetches none of them', async () => {
    const { onScreen, queryClient, change, ofKind } = setup()
    onScreen(['deals', 'list'], [])
    queryClient.setQueryData(['deals', 'list', { stage: 'won' }], [])
    queryClient.setQueryData(['deals', 'stats'], {})
    change()
    expect(ofKind('invalidated')[0]).toMatchObject({ markedStale: 2 })
    expect(ofKind('invalidated')[0]!.matchedKeys).toHaveLength(3)
  })

  it('a query refetched by two passes: the first fetch cancelled, the second settles', async () => {
    const { onScreen, fetchOf, change, scheduler, ofKind } = setup()
    onScreen(['deals', 'list'], [{ id: 'd1', name: 'a' }])
    change('d1')
    scheduler.advance(500) // past the batch window: the next change is a pass of its own
    change('d2')
    await settle()
    const passes = ofKind('invalidated').map((e) => e.batchId)
    expect(passes).toHaveLength(2)
    expect(ofKind('refetched')).toEqual([
      expect.objectContaining({ batchId: passes[0], outcome: 'cancelled', durationMs: 500 }),
    ])
    scheduler.advance(20)
    fetchOf(['deals', 'list'], 1).resolve([{ id: 'd1', name: 'b' }])
    await settle()
    expect(ofKind('refetched').at(-1)).toMatchObject({
      batchId: passes[1],
      outcome: 'success',
      durationMs: 20,
      dataChanged: true,
    })
  })

  it('calls a refetch cancelled with revert (cancelQueries) cancelled, not identical data', async () => {
    const { onScreen, change, queryClient, ofKind, pipeline } = setup()
    onScreen(['deals', 'list'], [{ id: 'd1' }])
    change()
    await queryClient.cancelQueries({ queryKey: ['deals', 'list'] })
    await settle()
    expect(ofKind('refetched')).toEqual([expect.objectContaining({ outcome: 'cancelled' })])
    expect(pipeline.metrics.snapshot()[0]).toMatchObject({ refetches: 0, unchangedRefetches: 0 })
  })

  it('gives each minute its refetch duration percentiles', async () => {
    const { onScreen, fetchOf, change, scheduler, pipeline } = setup()
    const keys = Array.from({ length: 20 }, (_, i) => ['deals', 'record', `d${i}`])
    for (const key of keys) onScreen(key, { v: 0 })
    for (let i = 0; i < keys.length; i++) {
      change(`d${i}`)
      scheduler.advance(10 * (i + 1))
      fetchOf(keys[i]!).resolve({ v: 1 })
      await settle()
      scheduler.advance(300)
    }
    const [minute] = pipeline.metrics.snapshot()
    expect(minute).toMatchObject({ refetches: 20, refetchP50Ms: 100, refetchP95Ms: 190 })
  })

  it('logs nothing once the engine stopped', async () => {
    const { onScreen, fetchOf, change, ofKind, pipeline } = setup()
    onScreen(['deals', 'list'], [])
    change()
    pipeline.stop()
    fetchOf(['deals', 'list']).resolve([1])
    await settle()
    expect(ofKind('refetched')).toEqual([])
  })
})

describe('what a refetch changed (the diffs option)', () => {
  const before = [
    { id: 'd1', title: 'Big deal' },
    { id: 'd2', title: 'Small deal' },
  ]
  const after = [
    { id: 'd1', title: 'Bigger deal' },
    { id: 'd2', title: 'Small deal' },
    { id: 'd3', title: 'New' },
  ]

  /** listen: a panel (the bridge reads with subscribeAppends), or an app's own event sink. */
  async function refetchOnce(diffs: DiffsMode | undefined, listen: boolean | 'sink') {
    const s = setup(diffs === undefined ? {} : { diffs })
    if (listen !== false) {
      const stop =
        listen === 'sink'
          ? s.pipeline.log.subscribe(() => {})
          : s.pipeline.log.subscribeAppends(() => {})
      const previous = dispose
      dispose = () => {
        stop()
        previous()
      }
    }
    s.onScreen(['deals', 'list'], before)
    s.change()
    s.fetchOf(['deals', 'list']).resolve(after)
    await settle()
    return s.ofKind('refetched')[0]!
  }

  it('by default, records it only while a panel listens: the row changed and the row added, by id', async () => {
    expect((await refetchOnce(undefined, false)).changes).toBeUndefined()
    expect((await refetchOnce(undefined, true)).changes).toEqual({
      paths: [{ path: '[id=d1].title', before: '"Big deal"', after: '"Bigger deal"' }],
      added: ['d3'],
    })
  })

  it('by default, not for a listener that is no panel (an app sink, the OpenTelemetry instruments)', async () => {
    expect((await refetchOnce(undefined, 'sink')).changes).toBeUndefined()
  })

  it('true records it always, false never', async () => {
    expect((await refetchOnce(true, false)).changes?.added).toEqual(['d3'])
    expect((await refetchOnce(false, true)).changes).toBeUndefined()
  })

  it('records nothing for an identical refetch', async () => {
    const s = setup({ diffs: true })
    s.onScreen(['deals', 'list'], before)
    s.change()
    s.fetchOf(['deals', 'list']).resolve(structuredClone(before))
    await settle()
    expect(s.ofKind('refetched')[0]).toMatchObject({ dataChanged: false })
    expect(s.ofKind('refetched')[0]!.changes).toBeUndefined()
  })
})
