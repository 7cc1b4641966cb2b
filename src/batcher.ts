import type { Scheduler } from './scheduler'

/**
 * Coalesces items arriving within `delayMs` of the first one into a single flush.
 * The window opens at the first item and does not slide, so a steady stream cannot starve it.
 */
export class Batcher<T> {
  private items: T[] = []
  private timer: unknown

  constructor(
    private readonly scheduler: Scheduler,
    public delayMs: number,
    private readonly onFlush: (items: T[]) => void,
  ) {}

  add(item: T): void {
    this.items.push(item)
    if (this.timer === undefined) {
      this.timer = this.scheduler.setTimeout(() => this.flush(), this.delayMs)
    }
  }

  flush(): void {
    this.cancelTimer()
    if (this.items.length === 0) return
    const items = this.items
    this.items = []
    this.onFlush(items)
  }

  /** Drops what is pending without flushing (the engine is stopping). */
  cancel(): void {
    this.cancelTimer()
    this.items = []
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer)
    this.timer = undefined
  }
}
