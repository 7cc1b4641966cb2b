import { describe, expect, it } from 'vitest'
import { SecondRates } from '../../extension/panel/store/second-rates'
import { minute } from './support/sync-events'

/** The Metrics tab's rates by the second, from the engine's per-minute counters. */
describe('rates by the second', () => {
  const M = 60_000 * 1_000

  it('is the difference between two states over the time between them', () => {
    const rates = new SecondRates()
    rates.observe(M + 1_000, [minute(M, { received: 4, processed: 4 })])
    expect(rates.points).toEqual([])
    rates.observe(M + 3_000, [minute(M, { received: 14, processed: 10, refetches: 2 })])
    expect(rates.points).toEqual([
      {
        at: M + 3_000,
        received: 5,
        processed: 3,
        deduped: 0,
        echo: 0,
        invalidations: 0,
        refetches: 1,
      },
    ])
  })

  it('adds the end of a minute that rolled over between two states', () => {
    const rates = new SecondRates()
    rates.observe(M + 59_000, [minute(M, { received: 10 })])
    rates.observe(M + 61_000, [minute(M, { received: 16 }), minute(M + 60_000, { received: 2 })])
    expect(rates.points.at(-1)!.received).toBe(4)
  })

  it('keeps about three minutes, in a new array for each point', () => {
    const rates = new SecondRates()
    let previous = rates.points
    for (let i = 0; i <= 200; i++) {
      rates.observe(M + i * 1_000, [minute(M, { received: i })])
      if (i > 0) expect(rates.points).not.toBe(previous)
      previous = rates.points
    }
    expect(rates.points).toHaveLength(180)
    expect(rates.points.every((p) => p.received === 1)).toBe(true)
  })

  it("starts from zero when the first state has nothing counted: a session's first change is a point", () => {
    const rates = new SecondRates()
    rates.observe(M + 1_000, [])
    rates.observe(M + 2_000, [minute(M, { received: 1, processed: 1 })])
    expect(rates.points).toEqual([
      {
        at: M + 2_000,
        received: 1,
        processed: 1,
        deduped: 0,
        echo: 0,
        invalidations: 0,
        refetches: 0,
      },
    ])
  })

  it('after a quiet stretch (no state), puts the new counts in the last second, after a zero', () => {
    const rates = new SecondRates()
    rates.observe(M + 1_000, [])
    // The page sends nothing while nothing changes: 40 s later, one change, sent at once.
    rates.observe(M + 41_000, [minute(M, { received: 1, refetches: 1 })])
    expect(rates.points.map((p) => [p.at, p.received, p.refetches])).toEqual([
      [M + 40_000, 0, 0],
      [M + 41_000, 1, 1],
    ])
    // The next state a second later: the usual difference over the time between them.
    rates.observe(M + 42_000, [minute(M, { received: 3, refetches: 1 })])
    expect(rates.points.at(-1)).toMatchObject({ at: M + 42_000, received: 2, refetches: 0 })
    // Half a second later (a state sent for something else came between): a second's counts.
    rates.observe(M + 42_500, [minute(M, { received: 4, refetches: 1 })])
    expect(rates.points.at(-1)).toMatchObject({ at: M + 42_500, received: 1 })
  })
})
