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
  }
}

/**
 * Per-minute counters, oldest first, at most `maxMinutes` kept (a day by default).
 * Minutes with no activity are not stored: readers fill the holes with zeros.
 */
export class MinuteMetricsRecorder {
  private minutes: MinuteMetrics[] = []
  private current: MinuteMetrics | undefined

  constructor(private readonly maxMinutes = 24 * 60) {}

  add(name: MetricName, now: number, amount = 1): void {
    let current = this.current
    // Two comparisons on the hot path; the modulo runs once a minute.
    if (current === undefined || now < current.minute || now >= current.minute + MINUTE_MS) {
      current = this.roll(now - (now % MINUTE_MS))
    }
    current[name] += amount
  }

  snapshot(): MinuteMetrics[] {
    return this.minutes.map((m) => ({ ...m }))
  }

  clear(): void {
    this.minutes = []
    this.current = undefined
  }

  private roll(minute: number): MinuteMetrics {
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
