import type { MetricName, MinuteMetrics } from './types'

export const MINUTE_MS = 60_000

/** A minute with nothing counted (readers fill the minutes the recorder did not store). */
export function emptyMinute(minute: number): MinuteMetrics {
  return {
    minute,
    received: 0,
    processed: 0,
    deduped: 0,
    echo: 0,
    malformed: 0,
    invalidations: 0,
    keysInvalidated: 0,
    refetches: 0,
    refetchErrors: 0,
    unchangedRefetches: 0,
    unconfirmed: 0,
  }
}

/** Refetch durations kept per minute for its percentiles: the latest this many. */
const MAX_DURATIONS_PER_MINUTE = 10_000

/**
 * Per-minute counters, oldest first, at most `maxMinutes` kept (a day by default).
 * Minutes with no activity are not stored: readers fill the holes with zeros.
 */
export class MinuteMetricsRecorder {
  private minutes: MinuteMetrics[] = []
  private current: MinuteMetrics | undefined
  /** Refetch durations of the current minute (its percentiles are computed when read or done). */
  private durations = new Map<MinuteMetrics, { samples: number[]; count: number }>()

  constructor(private readonly maxMinutes = 24 * 60) {}

  add(name: MetricName, now: number, amount = 1): void {
    let current = this.current
    // Two comparisons on the hot path; the modulo runs once a minute.
    if (current === undefined || now < current.minute || now >= current.minute + MINUTE_MS) {
      current = this.roll(now - (now % MINUTE_MS))
    }
    current[name] += amount
  }

  /** One refetch's duration, for the minute's p50 / p95 (computed when read). */
  addDuration(now: number, ms: number): void {
    this.add('refetches', now, 0) // selects (or opens) the minute of `now`
    const bucket = this.current!
    let entry = this.durations.get(bucket)
    if (entry === undefined) {
      entry = { samples: [], count: 0 }
      this.durations.set(bucket, entry)
    }
    entry.samples[entry.count++ % MAX_DURATIONS_PER_MINUTE] = ms
  }

  snapshot(): MinuteMetrics[] {
    // Past minutes were computed when they ended; the current one is computed as it fills.
    for (const bucket of this.durations.keys()) this.computePercentiles(bucket)
    return this.minutes.map((m) => ({ ...m }))
  }

  /**
   * The minute starting at `minute` (a copy, its percentiles computed), with zeros when nothing
   * was counted in it: what onMetrics hands out when the minute ends.
   */
  read(minute: number): MinuteMetrics {
    // The minute that just ended is the last one stored, or the one before.
    for (let i = this.minutes.length - 1; i >= 0; i--) {
      const bucket = this.minutes[i]!
      if (bucket.minute < minute) break
      if (bucket.minute > minute) continue
      this.computePercentiles(bucket)
      return { ...bucket }
    }
    return emptyMinute(minute)
  }

  private computePercentiles(bucket: MinuteMetrics): void {
    const entry = this.durations.get(bucket)
    if (entry === undefined) return
    const sorted = entry.samples.slice().sort((a, b) => a - b)
    bucket.refetchP50Ms = percentile(sorted, 0.5)
    bucket.refetchP95Ms = percentile(sorted, 0.95)
  }

  clear(): void {
    this.minutes = []
    this.current = undefined
    this.durations.clear()
  }

  private roll(minute: number): MinuteMetrics {
    // The minute that ends keeps its percentiles, not its samples: memory stays one minute's,
    // whether or not anyone reads the metrics.
    if (this.current !== undefined) {
      this.computePercentiles(this.current)
      this.durations.delete(this.current)
    }
    // Runs once per minute of activity. A clock that stepped back lands in its earlier bucket.
    let bucket = this.minutes.find((m) => m.minute === minute)
    if (bucket === undefined) {
      bucket = emptyMinute(minute)
      const last = this.minutes[this.minutes.length - 1]
      this.minutes.push(bucket)
      if (last !== undefined && last.minute > minute)
        this.minutes.sort((a, b) => a.minute - b.minute)
      if (this.minutes.length > this.maxMinutes) this.minutes.shift()
    }
    this.current = bucket
    return bucket
  }
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}
