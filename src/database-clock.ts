/**
 * How far the page's clock (Date.now, and so TanStack Query's dataUpdatedAt) is from the
 * database's. Browsers' clocks are often seconds and sometimes minutes off, so no replay window
 * and no latency may compare a page time with a database time directly (docs/DESIGN.md, "The
 * replay window").
 *
 * Every sample is a time the database wrote that had already passed when the page saw it: a
 * delivery's commit_timestamp, an event row's created_at. Each bounds the offset from below:
 *
 *   database(t) ≥ sample   ⇒   offset = database − page ≥ sample − page(t)
 *
 * The largest bound is low by the fastest sample's delay (a delivery's latency: milliseconds),
 * never high, so a page time moved onto the database's clock with it is never later than the
 * truth: what a replay window needs to lose nothing. A round trip (the database's now() between
 * a request's send and its answer: realtime_sync_now()) also bounds it from above, so the
 * estimate shown and used for latencies is the middle of the two, within half a round trip.
 */
export class DatabaseClock {
  /** The largest lower bound of (database − page) seen; undefined: no sample yet. */
  private floor: number | undefined
  /** The smallest upper bound, from round trips; undefined: none yet. */
  private ceiling: number | undefined
  private sampleCount = 0

  /** `databaseTime` (epoch ms, the database's clock) had passed at `pageTime` (the page's). */
  observe(databaseTime: number, pageTime: number): void {
    const bound = databaseTime - pageTime
    if (!Number.isFinite(bound)) return
    this.sampleCount++
    if (this.floor === undefined || bound > this.floor) this.floor = bound
    // The page's clock stepped back since the round trip: its upper bound no longer holds.
    if (this.ceiling !== undefined && this.ceiling < this.floor) this.ceiling = undefined
  }

  /** `databaseTime` was read between `sentAt` and `receivedAt` (page times). */
  observeRoundTrip(databaseTime: number, sentAt: number, receivedAt: number): void {
    const ceiling = databaseTime - sentAt
    if (!Number.isFinite(ceiling)) return
    // Below the lower bound: the page's clock stepped forward since those samples, which no
    // longer hold. The round trip starts the estimate afresh.
    if (this.floor !== undefined && ceiling < this.floor) {
      this.floor = undefined
      this.ceiling = undefined
    }
    this.ceiling = this.ceiling === undefined ? ceiling : Math.min(this.ceiling, ceiling)
    this.observe(databaseTime, receivedAt)
  }

  /** A page time on the database's clock, never later than the truth; undefined: no sample. */
  toDatabase(pageTime: number): number | undefined {
    return this.floor === undefined ? undefined : pageTime + this.floor
  }

  /**
   * What latencies from commit add to the page's receive time to be on the database's clock.
   * One-way samples cannot tell a skew from the network's own delay, so the page's clock is
   * corrected only when it is surely off: behind (a commit seen before it happened), or ahead by
   * more than SKEW_SHOWN_MS (no delivery's fastest latency is that long).
   */
  latencyCorrectionMs(): number {
    return this.isCorrected() ? this.estimate()! : 0
  }

  /** What the panel shows; undefined until the first sample. */
  state(): DatabaseClockState | undefined {
    const estimate = this.estimate()
    if (estimate === undefined) return undefined
    return {
      pageAheadMs: -estimate,
      ...(this.ceiling === undefined ? {} : { uncertaintyMs: (this.ceiling - this.floor!) / 2 }),
      samples: this.sampleCount,
      corrected: this.isCorrected(),
    }
  }

  /** database − page: the middle of the bounds, or the lower bound alone. */
  private estimate(): number | undefined {
    if (this.floor === undefined) return undefined
    return this.ceiling === undefined ? this.floor : (this.floor + this.ceiling) / 2
  }

  private isCorrected(): boolean {
    const estimate = this.estimate()
    return estimate !== undefined && (this.floor! > 0 || Math.abs(estimate) > SKEW_SHOWN_MS)
  }

  clear(): void {
    this.floor = undefined
    this.ceiling = undefined
    this.sampleCount = 0
  }
}

/**
 * Below this the page's clock is taken as the database's: an offset this small is within what
 * one-way samples cannot tell from a delivery's own delay, and NTP keeps most clocks closer.
 */
export const SKEW_SHOWN_MS = 1_000

/** The page's clock against the database's, as the engine estimates it (engine-state). */
export interface DatabaseClockState {
  /**
   * How far the page's clock is ahead of the database's (negative: behind). Without a round trip
   * (no uncertaintyMs) it is at most this: the fastest delivery's own delay is in it.
   */
  pageAheadMs: number
  /** From a round trip: the truth is within ± this of pageAheadMs. */
  uncertaintyMs?: number
  /** Database times the estimate rests on. */
  samples: number
  /** Latencies from commit are moved onto the database's clock by pageAheadMs. */
  corrected: boolean
}
