import { MINUTE_MS } from './minute-metrics'
import type { Scheduler } from './scheduler'
import type { MinuteMetrics } from './types'

/** The most minutes one late timer reports at once: a day, all the recorder keeps. */
const MAX_CATCH_UP_MINUTES = 24 * 60

/**
 * Hands over each minute's metrics once the minute ended, on the engine's clock: one timer a
 * minute, and only while started (the engine starts it while someone takes the minutes), so an
 * engine nobody asks pays nothing here, and nothing on its hot path in any case.
 */
export class FinishedMinutes {
  private timer: unknown
  /** The start of the minute reported next; undefined while stopped. */
  private next: number | undefined

  constructor(
    private readonly scheduler: Scheduler,
    private readonly read: (minute: number) => MinuteMetrics,
    private readonly report: (metrics: MinuteMetrics) => void,
  ) {}

  /** Reports from the current minute on: the minutes before had no one to take them. */
  start(): void {
    if (this.next !== undefined) return
    const now = this.scheduler.now()
    this.next = now - (now % MINUTE_MS)
    this.arm(now)
  }

  stop(): void {
    if (this.next === undefined) return
    this.next = undefined
    this.scheduler.clearTimeout(this.timer)
    this.timer = undefined
  }

  private arm(now: number): void {
    // A listener that left and came back during a report armed one already: one chain only.
    this.scheduler.clearTimeout(this.timer)
    this.timer = this.scheduler.setTimeout(this.tick, this.next! + MINUTE_MS - now)
  }

  private readonly tick = (): void => {
    if (this.next === undefined) return
    const now = this.scheduler.now()
    const current = now - (now % MINUTE_MS)
    // A clock set back starts again from the minute it shows; one that leapt (a tab asleep)
    // reports every minute since, zeros included, but no more than the recorder keeps.
    if (now < this.next) this.next = current
    this.next = Math.max(this.next, current - MAX_CATCH_UP_MINUTES * MINUTE_MS)
    // A timer that fired early (a browser's may, by a millisecond) reports nothing yet.
    while (this.next !== undefined && this.next + MINUTE_MS <= now) {
      const minute: number = this.next
      this.next = minute + MINUTE_MS
      this.report(this.read(minute)) // may stop() (a listener that stops the engine)
    }
    if (this.next !== undefined) this.arm(now)
  }
}
