import type { Scheduler } from '../src/scheduler'

export interface LeadingThrottleOptions {
  scheduler: Scheduler
  /** At most one run per window, plus the leading one. */
  windowMs: number
  run: () => void
  /**
   * Where a leading run goes (default: at once, inside `request()`). The bridge passes a
   * microtask, so the events of one task still share one batch.
   */
  defer?: (callback: () => void) => void
  /**
   * Also run at once when nothing was requested for a whole window, even if the last run is
   * recent. Without it, requests that come once per window (a bridge flush feeding the panel)
   * phase-lock behind the window and each waits about half of it.
   */
  leadingAfterQuiet?: boolean
}

export interface LeadingThrottle {
  /** Something changed: run now if the window allows, else once at the end of the window. */
  request(): void
  /** Run now, whatever the window (a user action), and start a new window. */
  runNow(): void
  /** A run happened outside the throttle (a full batch sent at once): start a new window. */
  markRun(): void
  cancel(): void
}

/**
 * A leading-edge throttle: the first request after a quiet window runs at once; requests inside
 * the window that started with the last run share one run at its end. The timer is never
 * restarted, so no request waits longer than `windowMs`.
 */
export function createLeadingThrottle(options: LeadingThrottleOptions): LeadingThrottle {
  const { scheduler, windowMs, run, defer } = options
  let lastRunAt = Number.NEGATIVE_INFINITY
  let lastRequestAt = Number.NEGATIVE_INFINITY
  /** A scheduler timer, DEFERRED while a deferred leading run is due, or undefined. */
  let pending: unknown

  const cancel = () => {
    if (pending !== undefined && pending !== DEFERRED) scheduler.clearTimeout(pending)
    pending = undefined
  }
  const runNow = () => {
    cancel()
    lastRunAt = scheduler.now()
    run()
  }

  return {
    request() {
      // The bridge requests once per event: with a run already due, read no clock.
      let now: number | undefined
      let quiet = false
      if (options.leadingAfterQuiet === true) {
        now = scheduler.now()
        quiet = now - lastRequestAt >= windowMs
        lastRequestAt = now
      }
      if (pending !== undefined) return
      now ??= scheduler.now()
      const wait = lastRunAt + windowMs - now
      if (!quiet && wait > 0) {
        pending = scheduler.setTimeout(runNow, wait)
      } else if (defer === undefined) {
        runNow()
      } else {
        pending = DEFERRED
        defer(() => {
          // Cancelled meanwhile (stop, an explicit run) or replaced by a timer.
          if (pending === DEFERRED) runNow()
        })
      }
    },
    runNow,
    markRun() {
      lastRunAt = scheduler.now()
    },
    cancel,
  }
}

const DEFERRED = Symbol('deferred run')
