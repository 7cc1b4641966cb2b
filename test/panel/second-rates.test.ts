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
})
