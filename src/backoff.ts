/**
 * Retry delays that grow with each consecutive failure and stay at the last step, as
 * supabase-js backs off its rejoins; `reset()` after a success.
 */
export class Backoff {
  private failures = 0

  constructor(private readonly stepsMs: readonly [number, ...number[]]) {}

  /** The delay before the next attempt, counting the failure that asks for it. */
  next(): number {
    const delay = this.stepsMs[Math.min(this.failures, this.stepsMs.length - 1)]!
    this.failures++
    return delay
  }

  reset(): void {
    this.failures = 0
  }
}
