import { afterEach, describe, expect, it, vi } from 'vitest'
import { FinishedMinutes } from '../../src/finished-minutes'
import { emptyMinute, MINUTE_MS } from '../../src/minute-metrics'
import { createRealtimeSync, type RealtimeSyncOptions } from '../../src/realtime-sync'
import type { EngineChange } from '../../src/devtools-registry'
import type { MinuteMetrics } from '../../src/types'
import { changePayload } from '../support/events'
import { FakeSupabase, settle } from '../support/fake-supabase'
import { ManualScheduler } from '../support/manual-scheduler'
import { createQueryWorld } from '../support/query-world'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

/** ManualScheduler starts on a minute boundary: minute(n) is the start of the n-th minute. */
const START = new ManualScheduler().now()
const minute = (n: number) => START + n * MINUTE_MS

/** An engine whose channel is live, with a list on screen. */
async function setup(options: Partial<RealtimeSyncOptions> = {}) {
  const supabase = new FakeSupabase()
  const scheduler = new ManualScheduler()
  const world = createQueryWorld()
  world.active(['deals', 'list'])
  const sync = createRealtimeSync({
    supabase,
    queryClient: world.queryClient,
    organizationIds: ['org_acme'],
    userId: 'user-alice',
    scheduler,
    devtools: false,
    ...options,
  })
  cleanups.push(
    () => sync.stop(),
    () => world.dispose(),
  )
  await settle()
  supabase.subscribeAll()
  await settle()
  const deliver = (payload = changePayload()) => supabase.channelFor('org_acme').deliver(payload)
  return { supabase, scheduler, sync, deliver }
}

describe('onMetrics', () => {
  it('is called once per finished minute, with that minute, zeros included', async () => {
    const reported: MinuteMetrics[] = []
    const { scheduler, deliver } = await setup({ onMetrics: (m) => reported.push(m) })
    scheduler.advance(10_000)
    const first = changePayload()
    deliver(first)
    deliver(first) // delivered twice: deduped
    scheduler.advance(200)
    await settle() // the pass's refetch of the list settles, 200 ms after it started
    expect(reported).toEqual([]) // the minute has not ended

    scheduler.advance(minute(1) - scheduler.now() - 1)
    expect(reported).toEqual([])
    scheduler.advance(1)
    expect(reported).toHaveLength(1)
    expect(reported[0]).toMatchObject({
      minute: minute(0),
      received: 2,
      processed: 1,
      deduped: 1,
      invalidations: 1,
      keysInvalidated: 1,
      refetches: 1,
      refetchP50Ms: 200,
      refetchP95Ms: 200,
    })

    scheduler.advance(2 * MINUTE_MS)
    expect(reported.map((m) => m.minute)).toEqual([minute(0), minute(1), minute(2)])
    expect(reported[1]).toEqual(emptyMinute(minute(1)))
  })

  it('is not called after stop()', async () => {
    const onMetrics = vi.fn()
    const { scheduler, sync } = await setup({ onMetrics })
    scheduler.advance(MINUTE_MS)
    expect(onMetrics).toHaveBeenCalledTimes(1)
    const timers = scheduler.pendingTimers
    await sync.stop()
    expect(scheduler.pendingTimers).toBe(timers - 1) // the minute's timer is gone
    scheduler.advance(10 * MINUTE_MS)
    expect(onMetrics).toHaveBeenCalledTimes(1)
  })

  it('hands over what the minute counted, whatever a reader did to an earlier copy', async () => {
    const reported: MinuteMetrics[] = []
    const { scheduler, sync, deliver } = await setup({ onMetrics: (m) => reported.push(m) })
    deliver()
    scheduler.advance(MINUTE_MS)
    reported[0]!.received = 99
    expect(sync.getMetrics()[0]!.received).toBe(1)
  })

  it('a sink that throws is logged and still called the next minute', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const onMetrics = vi.fn(() => {
        throw new Error('the beacon endpoint is down')
      })
      const { scheduler } = await setup({ onMetrics })
      scheduler.advance(2 * MINUTE_MS)
      expect(onMetrics).toHaveBeenCalledTimes(2)
      expect(error).toHaveBeenCalledWith(
        '[realtime-sync-devtools] onMetrics threw:',
        expect.any(Error),
      )
    } finally {
      error.mockRestore()
    }
  })
})

describe("sync.subscribe's 'metrics' change", () => {
  it('comes with the minute that ended, while a subscriber listens', async () => {
    const { scheduler, sync, deliver } = await setup()
    const changes: [EngineChange, MinuteMetrics | undefined][] = []
    const unsubscribe = sync.subscribe((change, minute) => changes.push([change, minute]))
    deliver()
    scheduler.advance(MINUTE_MS)
    expect(changes).toEqual([
      ['metrics', expect.objectContaining({ minute: minute(0), received: 1 })],
    ])
    unsubscribe()
    scheduler.advance(3 * MINUTE_MS)
    expect(changes).toHaveLength(1)
  })

  it('runs no minute timer while no one takes the minutes, and starts from the current minute', async () => {
    const { scheduler, sync } = await setup()
    const idle = scheduler.pendingTimers
    const unsubscribe = sync.subscribe(() => {})
    expect(scheduler.pendingTimers).toBe(idle + 1)
    unsubscribe()
    expect(scheduler.pendingTimers).toBe(idle)
    scheduler.advance(5 * MINUTE_MS + 30_000)
    const minutes: number[] = []
    sync.subscribe((change, m) => {
      if (change === 'metrics') minutes.push(m!.minute)
    })
    scheduler.advance(MINUTE_MS)
    expect(minutes).toEqual([minute(5)]) // the minutes no one listened to are not sent later
  })
})

describe('FinishedMinutes', () => {
  function minutes(scheduler: ManualScheduler) {
    const reported: number[] = []
    const finished = new FinishedMinutes(scheduler, emptyMinute, (m) => reported.push(m.minute))
    return { finished, reported }
  }

  it('reports every minute a late timer missed, in order (a tab that slept)', () => {
    const scheduler = new ManualScheduler()
    const { finished, reported } = minutes(scheduler)
    finished.start()
    // The timer runs 3 minutes late: as a ManualScheduler cannot, move the clock under it.
    const now = scheduler.now
    scheduler.now = () => now() + 3 * MINUTE_MS
    scheduler.advance(MINUTE_MS)
    expect(reported).toEqual([minute(0), minute(1), minute(2), minute(3)])
    scheduler.now = now
  })

  it('reports nothing from a timer that fired early, and reports the minute at its end', () => {
    const scheduler = new ManualScheduler()
    const { finished, reported } = minutes(scheduler)
    finished.start()
    const now = scheduler.now
    scheduler.now = () => now() - 1 // the timer fires 1 ms before the minute ends
    scheduler.advance(MINUTE_MS)
    expect(reported).toEqual([])
    scheduler.now = now
    scheduler.advance(1)
    expect(reported).toEqual([minute(0)])
  })

  it('starts again from the current minute when the clock was set back', () => {
    const scheduler = new ManualScheduler()
    const { finished, reported } = minutes(scheduler)
    scheduler.advance(10 * MINUTE_MS)
    finished.start()
    const now = scheduler.now
    scheduler.now = () => now() - 5 * MINUTE_MS
    scheduler.advance(MINUTE_MS) // fires at minute(11) on a clock that shows minute(6)
    expect(reported).toEqual([])
    scheduler.advance(MINUTE_MS) // the clock shows minute(7): minute(6) ended
    expect(reported).toEqual([minute(6)])
    scheduler.now = now
  })

  it('stop() inside a report ends the reports', () => {
    const scheduler = new ManualScheduler()
    const reported: number[] = []
    const finished: FinishedMinutes = new FinishedMinutes(scheduler, emptyMinute, (m) => {
      reported.push(m.minute)
      finished.stop()
    })
    finished.start()
    scheduler.advance(5 * MINUTE_MS)
    expect(reported).toEqual([minute(0)])
    expect(scheduler.pendingTimers).toBe(0)
  })
})
