import type { Scheduler } from '../src/scheduler'

/** A clock the benchmark moves by hand; batch timers never fire (the bench flushes itself). */
export function benchScheduler() {
  let now = Date.UTC(2026, 10, 23, 12)
  const scheduler: Scheduler = {
    now: () => now,
    setTimeout: () => 0,
    clearTimeout: () => {},
  }
  return {
    scheduler,
    advance(ms: number) {
      now += ms
    },
  }
}
