import type { Scheduler } from './scheduler'
import type { BatchMode } from './types'

/**
 * Coalesces items into flushes at most one `delayMs` window apart. 'leading': an item after a
 * quiet window flushes at the end of the current task (a 0 ms timer, so items delivered
 * together still share it), and the items that follow within `delayMs` of that flush share one
 * flush at the window's end: a burst costs at most two flushes, a steady stream one per window,
 * and an isolated change does not wait. 'trailing': the window opens at the first item.
 * Either way the window does not slide, so a steady stream cannot starve it.
 */
export class Batcher<T> {
  private items: T[] = []
  private timer: unknown
  private lastFlushAt = Number.NEGATIVE_INFINITY
  /** The pending batch began after a quiet window, so it flushes at once. */
  private leading = false

  constructor(
    private readonly scheduler: Scheduler,
    public delayMs: number,
    private readonly onFlush: (items: T[], flush: { leading: boolean }) => void,
    public mode: BatchMode = 'leading',
  ) {}

  add(item: T): void {
    this.items.push(item)
    if (this.timer !== undefined) return
    let wait = this.delayMs
    if (this.mode === 'leading') {
      wait = Math.max(0, this.lastFlushAt + this.delayMs - this.scheduler.now())
      this.leading = wait === 0
    }
    this.timer = this.scheduler.setTimeout(() => this.flush(), wait)
  }

  flush(): void {
    this.cancelTimer()
    if (this.items.length === 0) return
    const items = this.items
    this.items = []
    const leading = this.leading
    this.leading = false
    this.lastFlushAt = this.scheduler.now()
    this.onFlush(items, { leading })
  }

  /** Drops what is pending without flushing (the engine is stopping). */
  cancel(): void {
    this.cancelTimer()
    this.items = []
    this.leading = false
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer)
    this.timer = undefined
  }
}
