import { describe, expect, it } from 'vitest'
import { Backoff } from '../../src/backoff'
import { createLeadingThrottle } from '../../bridge/throttle'
import { ManualScheduler } from '../support/manual-scheduler'

function throttle(options: { leadingAfterQuiet?: boolean; defer?: boolean } = {}) {
  const scheduler = new ManualScheduler()
  const start = scheduler.now()
  const runs: number[] = []
  const deferred: (() => void)[] = []
  const t = createLeadingThrottle({
    scheduler,
    windowMs: 16,
    run: () => runs.push(scheduler.now() - start),
    leadingAfterQuiet: options.leadingAfterQuiet,
    defer: options.defer ? (callback) => deferred.push(callback) : undefined,
  })
  return { scheduler, runs, t, deferred }
}

describe('the leading-edge throttle', () => {
  it('runs the first request at once, then once at the end of the window however many came', () => {
    const { scheduler, runs, t } = throttle()
    t.request()
    expect(runs).toEqual([0])
    for (let i = 0; i < 5; i++) {
      scheduler.advance(2)
      t.request()
    }
    expect(runs).toEqual([0])
    scheduler.advance(10)
    expect(runs).toEqual([0, 16])
    scheduler.advance(100)
    t.request()
    expect(runs).toEqual([0, 16, 120])
  })

  it('with leadingAfterQuiet, runs at once after a quiet window even when the last run is recent', () => {
    const plain = throttle()
    const quiet = throttle({ leadingAfterQuiet: true })
    for (const { scheduler, t } of [plain, quiet]) {
      t.runNow() // a user action at 0
      scheduler.advance(10)
      t.request() // nothing was requested for a whole window
    }
    expect(quiet.runs).toEqual([0, 10])
    expect(plain.runs).toEqual([0])
    plain.scheduler.advance(6)
    expect(plain.runs).toEqual([0, 16])
  })

  it('defers a leading run; cancel() drops it; markRun() starts a window', () => {
    const { scheduler, runs, t, deferred } = throttle({ defer: true })
    t.request()
    t.request()
    expect(runs).toEqual([])
    expect(deferred).toHaveLength(1)
    t.cancel()
    deferred.shift()!()
    expect(runs).toEqual([])
    t.markRun()
    t.request()
    expect(deferred).toHaveLength(0)
    scheduler.advance(16)
    expect(runs).toEqual([16])
  })
})

describe('backoff', () => {
  it('grows with each failure, stays at the last step, and starts over after reset()', () => {
    const backoff = new Backoff([50, 100, 250])
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([
      50, 100, 250, 250,
    ])
    backoff.reset()
    expect(backoff.next()).toBe(50)
  })
})
