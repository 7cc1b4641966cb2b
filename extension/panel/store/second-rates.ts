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

/** The page's engine-state cadence under change (page-bridge's stateEveryMs, 1 s). */
const STATE_EVERY_MS = 1_000
/** Longer than this between two states, the page was quiet in between. */
const QUIET_MS = 2.5 * STATE_EVERY_MS

/**
 * Rates by the second, from the engine's per-minute counters: each engine-state carries the
 * current minute's counts so far, and the difference from the previous one over the time
 * between them is the rate. A minute that rolled over in between adds its last counts. Where a
 * per-minute chart has one point in a session's first minute, this has sixty.
 *
 * The page sends a state as soon as a count changes, then at most one per second, and none while
 * nothing changes: after a longer silence the new counts came in about the last second, so they
 * are a rate over that second, after a point at zero for the quiet before it (not spread over
 * the silence). Two states less than a second apart (one sent for a change other than a
 * count) are a second's counts, not a sub-second spike: one event reads 1/s, not 2/s. A state
 * before anything was counted (no minute yet) is a start at zero, so the first change of a
 * session is a point too.
 */
export class SecondRates {
  private last: { at: number; minute: number; counts: Record<RateName, number> } | undefined
  /** A new array whenever a point is added (memoized views compare by reference). */
  points: readonly RatePoint[] = []

  observe(at: number, metrics: readonly MinuteMetrics[]): void {
    const current = metrics.at(-1)
    const counts = current === undefined ? zeroCounts() : countsOf(current)
    const minute = current?.minute ?? at - (at % 60_000)
    const last = this.last
    this.last = { at, minute, counts }
    if (last === undefined || at <= last.at) return
    const quiet = at - last.at > QUIET_MS
    const seconds = (quiet ? STATE_EVERY_MS : Math.max(STATE_EVERY_MS, at - last.at)) / 1_000
    const point = { at } as RatePoint
    const rolledOver = last.minute !== minute
    const finished = rolledOver ? metrics.find((m) => m.minute === last.minute) : undefined
    for (const name of RATE_SERIES) {
      const before = rolledOver ? (finished?.[name] ?? last.counts[name]) - last.counts[name] : 0
      const now = rolledOver ? counts[name] : counts[name] - last.counts[name]
      point[name] = Math.max(0, before + now) / seconds
    }
    const added = quiet ? [{ ...zeroCounts(), at: at - STATE_EVERY_MS }, point] : [point]
    this.points = [...this.points, ...added].slice(-MAX_POINTS)
  }

  clear(): void {
    this.last = undefined
    this.points = []
  }
}

function zeroCounts(): Record<RateName, number> {
  const counts = {} as Record<RateName, number>
  for (const name of RATE_SERIES) counts[name] = 0
  return counts
}

function countsOf(minute: MinuteMetrics): Record<RateName, number> {
  const counts = {} as Record<RateName, number>
  for (const name of RATE_SERIES) counts[name] = minute[name]
  return counts
}
