import { describe, expect, it } from 'vitest'
import { MinuteMetricsRecorder } from '../../src/minute-metrics'

const minute = (n: number) => Date.UTC(2026, 10, 23, 12, n)

describe('MinuteMetricsRecorder', () => {
  it('counts into the minute of the event and rolls over at the minute boundary', () => {
    const metrics = new MinuteMetricsRecorder()
    metrics.add('received', minute(0))
    metrics.add('received', minute(0) + 59_999)
    metrics.add('processed', minute(0) + 59_999)
    metrics.add('received', minute(1))
    metrics.add('keysInvalidated', minute(1), 12)
    const [first, second] = metrics.snapshot()
    expect(first).toMatchObject({ minute: minute(0), received: 2, processed: 1 })
    expect(second).toMatchObject({ minute: minute(1), received: 1, keysInvalidated: 12 })
  })

  it('keeps at most maxMinutes, dropping the oldest', () => {
    const metrics = new MinuteMetricsRecorder(3)
    for (let n = 0; n < 5; n++) metrics.add('received', minute(n))
    expect(metrics.snapshot().map((m) => m.minute)).toEqual([minute(2), minute(3), minute(4)])
  })

  it('puts an event from a clock that stepped back into its own earlier minute', () => {
    const metrics = new MinuteMetricsRecorder()
    metrics.add('received', minute(5))
    metrics.add('received', minute(3))
    metrics.add('received', minute(5))
    expect(metrics.snapshot()).toMatchObject([
      { minute: minute(3), received: 1 },
      { minute: minute(5), received: 2 },
    ])
  })

  it('hands out copies: a reader cannot change the counters', () => {
    const metrics = new MinuteMetricsRecorder()
    metrics.add('received', minute(0))
    metrics.snapshot()[0]!.received = 99
    expect(metrics.snapshot()[0]!.received).toBe(1)
  })
})

describe('refetch duration percentiles', () => {
  it('keeps each minute its own p50 / p95, computed when the minute ends or is read', () => {
    const metrics = new MinuteMetricsRecorder()
    const t0 = 60_000 * 1_000
    for (let i = 1; i <= 20; i++) metrics.addDuration(t0 + i, i * 10)
    metrics.addDuration(t0 + 60_000, 7) // the next minute: the first one is done
    const [first, second] = metrics.snapshot()
    expect(first).toMatchObject({ refetchP50Ms: 100, refetchP95Ms: 190 })
    expect(second).toMatchObject({ refetchP50Ms: 7, refetchP95Ms: 7 })
    expect(first!.refetches).toBe(0) // durations alone count nothing: the engine counts refetches
  })
})
