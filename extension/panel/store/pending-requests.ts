import type { Scheduler } from '../../../src/scheduler'

/**
 * Requests sent to the page and not yet answered, each with its timeout: what the Config tab's
 * options, the Queries tab's actions and the fault switches share. Every request settles once:
 * by the page's answer (`take`), by its timeout (`onTimeout`), or cut off (`takeAll`).
 */
export class PendingRequests<T> {
  private readonly pending = new Map<number, { entry: T; timer: unknown }>()

  constructor(
    private readonly scheduler: Scheduler,
    private readonly timeoutMs: number,
    /** A request the page did not answer in time, already taken out. */
    private readonly onTimeout: (requestId: number, entry: T) => void,
  ) {}

  add(requestId: number, entry: T): void {
    const timer = this.scheduler.setTimeout(() => {
      const timedOut = this.take(requestId)
      if (timedOut !== undefined) this.onTimeout(requestId, timedOut)
    }, this.timeoutMs)
    this.pending.set(requestId, { entry, timer })
  }

  has(requestId: number): boolean {
    return this.pending.has(requestId)
  }

  /** The request `requestId`, no longer pending; undefined if it is not (settled, or not ours). */
  take(requestId: number): T | undefined {
    const pending = this.pending.get(requestId)
    if (pending === undefined) return undefined
    this.pending.delete(requestId)
    this.scheduler.clearTimeout(pending.timer)
    return pending.entry
  }

  /** Every pending request, taken out (no answer can come any more), oldest first. */
  takeAll(): [number, T][] {
    return [...this.pending.keys()].map((requestId) => [requestId, this.take(requestId)!])
  }

  dispose(): void {
    for (const { timer } of this.pending.values()) this.scheduler.clearTimeout(timer)
    this.pending.clear()
  }
}
