import type { Scheduler } from '../../../src/scheduler'
import { createLeadingThrottle, type LeadingThrottle } from '../../../bridge/throttle'

/** A frame: while events stream, React renders about once per frame. */
export const DEFAULT_NOTIFY_MS = 16

/**
 * The store's listeners (React, through useSyncExternalStore) and when they hear: ingest is
 * cheap and asks to be told (`changed`, throttled); user actions tell at once (`now`).
 *
 * The throttle runs on the leading edge: a batch after a quiet window notifies at once; batches
 * within the window that started with the last notification share one notification at its end
 * (the timer is never restarted, so no batch waits longer than a window). While events stream,
 * listeners hear about once per window (100k events/s do not re-render per message; never more
 * than twice in a window), and a lone batch is not held back.
 *
 * `leadingAfterQuiet` matters: batches come once per bridge flush, itself at most one per
 * 16 ms. Held back once (a batch a little early), the next notification is late, and timed by
 * the last notification alone every later batch would land inside the window again and wait,
 * phase-locked, about half a window each. Under sustained load nothing is quiet: one
 * notification per window.
 */
export class Notifier {
  private readonly listeners = new Set<() => void>()
  private readonly throttle: LeadingThrottle

  /** `beforeNotify` runs first on every notification (the store rebuilds its snapshot there). */
  constructor(scheduler: Scheduler, windowMs: number, beforeNotify: () => void) {
    this.throttle = createLeadingThrottle({
      scheduler,
      windowMs,
      leadingAfterQuiet: true,
      run: () => {
        beforeNotify()
        // A copy: a listener may unsubscribe (an unmounting component) while we call them.
        for (const listener of [...this.listeners]) listener()
      },
    })
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Something was ingested: notify when the window allows. */
  changed(): void {
    this.throttle.request()
  }

  /** A user action or a rare message: notify now, and start a new window. */
  now(): void {
    this.throttle.runNow()
  }

  dispose(): void {
    this.throttle.cancel()
    this.listeners.clear()
  }
}
