import type { MinuteMetrics } from '../../../src/types'

/** The rates the Metrics tab draws by the second while the first minutes fill. */
export const RATE_SERIES = [
  'received',
  'processed',
  'deduped',
  'echo',
  'invalidations',
  'refetches',
] as const satisfies readonly (keyof MinuteMetrics)[]
export type RateName = (typeof RATE_SERIES)[number]

/** Events per second over the interval that ended at `at` (epoch ms). */
export type RatePoint = { at: number } & Record<RateName, number>

/** About three minutes of points, at the engine's state cadence (about one a second). */
const MAX_POINTS = 180

/**
 * Rates by the second, from the engine's per-minute counters: each engine-state carries the
 * current minute's counts so far, and the difference from the previous one over the time
 * between them is the rate. A minute that rolled over in between adds its last counts. Where a
 * per-minute chart has one point in a session's first minute, this has sixty.
 */
export class SecondRates {
  private last: { at: number; minute: number; counts: Record<RateName, number> } | undefined
  /** A new array whenever a point is added (memoized views compare by reference). */
  points: readonly RatePoint[] = []

  observe(at: number, metrics: readonly MinuteMetrics[]): void {
    const current = metrics.at(-1)
    if (current === undefined) return
    const counts = countsOf(current)
    const last = this.last
    this.last = { at, minute: current.minute, counts }
    if (last === undefined || at <= last.at) return
    const seconds = (at - last.at) / 1_000
    const point = { at } as RatePoint
    const rolledOver = last.minute !== current.minute
    const finished = rolledOver ? metrics.find((m) => m.minute === last.minute) : undefined
    for (const name of RATE_SERIES) {
      const before = rolledOver ? (finished?.[name] ?? last.counts[name]) - last.counts[name] : 0
      const now = rolledOver ? counts[name] : counts[name] - last.counts[name]
      point[name] = Math.max(0, before + now) / seconds
    }
    this.points = [...this.points.slice(1 - MAX_POINTS), point]
  }

  clear(): void {
    this.last = undefined
    this.points = []
  }
}

function countsOf(minute: MinuteMetrics): Record<RateName, number> {
  const counts = {} as Record<RateName, number>
  for (const name of RATE_SERIES) counts[name] = minute[name]
  return counts
}
