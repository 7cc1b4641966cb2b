import { describe, expect, it } from 'vitest'
import { denseMinutes, divergences, MINUTE_MS } from '../../extension/panel/store/metrics'
import { minute } from './support/sync-events'

const M = Date.UTC(2026, 10, 23, 12, 0)
const config = { dedupWindowMs: 2000, echoWindowMs: 3000, batchMs: 200, dedupBy: 'event' }

describe('denseMinutes', () => {
  it('fills quiet minutes with zeros, oldest first', () => {
    const dense = denseMinutes([
      minute(M + 3 * MINUTE_MS, { received: 2 }),
      minute(M, { received: 1 }),
    ])
    expect(dense.map((m) => [m.minute - M, m.received])).toEqual([
      [0, 1],
      [MINUTE_MS, 0],
      [2 * MINUTE_MS, 0],
      [3 * MINUTE_MS, 2],
    ])
  })
})

describe('divergences (the tuning warning)', () => {
  it('is quiet below 20 events a minute or with processed ≥ 50% of received', () => {
    expect(divergences([minute(M, { received: 19, processed: 1 })], config, M)).toEqual([])
    expect(
      divergences([minute(M, { received: 100, processed: 50, invalidations: 5 })], config, M),
    ).toEqual([])
  })

  it('flags too many filtered events and names the filter that removed them', () => {
    const [echo] = divergences(
      [minute(M, { received: 40, processed: 10, echo: 30, invalidations: 2 })],
      config,
      M + 30_000,
    )
    expect(echo).toMatchObject({ kind: 'filtered' })
    expect(echo?.text).toContain('75% of the 40 events received were filtered out')
    expect(echo?.advice).toContain('echoWindowMs (3000 ms)')
    const [row] = divergences(
      [minute(M, { received: 40, processed: 10, deduped: 30, invalidations: 2 })],
      { ...config, dedupBy: 'row' },
      M,
    )
    expect(row?.advice).toContain("Use dedupBy: 'event'")
  })

  it('flags batching that serves more than 20 events per pass', () => {
    const [batching] = divergences(
      [minute(M, { received: 200, processed: 200, invalidations: 4 })],
      config,
      M,
    )
    expect(batching).toMatchObject({ kind: 'batching' })
    expect(batching?.text).toContain('about 50 events per pass')
    expect(batching?.advice).toContain('lower batchMs')
  })

  it('looks at the current and the last minute only', () => {
    const old = [minute(M, { received: 100, processed: 0, deduped: 100 })]
    expect(divergences(old, config, M + MINUTE_MS + 5)).toHaveLength(1)
    expect(divergences(old, config, M + 2 * MINUTE_MS)).toEqual([])
    // An imported log: its own newest minute.
    expect(divergences(old, config)).toHaveLength(1)
  })
})

describe('divergences of the refetches', () => {
  it('says when most realtime refetches returned identical data, and when many failed', () => {
    const warnings = divergences(
      [
        minute(M, {
          received: 12,
          processed: 12,
          invalidations: 12,
          refetches: 50,
          unchangedRefetches: 31,
          refetchErrors: 6,
        }),
      ],
      config,
      M,
    )
    expect(warnings.map((w) => w.kind)).toEqual(['identical', 'failing'])
    expect(warnings[0]?.text).toContain('62% of realtime refetches returned identical data')
    expect(warnings[1]?.text).toContain('6 of 50 realtime refetches failed')
  })

  it('is quiet below 10 refetches a minute, and for an engine that does not count them', () => {
    const few = minute(M, { refetches: 9, unchangedRefetches: 9, refetchErrors: 9 })
    expect(divergences([few], config, M)).toEqual([])
    const old = minute(M, { received: 5 }) as Partial<ReturnType<typeof minute>>
    delete old.refetches
    expect(divergences([old as ReturnType<typeof minute>], config, M)).toEqual([])
  })
})
