export interface SerialQueueOptions<T> {
  /**
   * Handles one batch; the next batch starts once its promise settles, or at once when it
   * returns none (a drain of such batches runs to its end inside `push`).
   */
  process: (batch: T[]) => Promise<void> | void
  /** Told a batch's error (thrown or rejected); the queue goes on with the next batch. */
  onError: (error: unknown) => void
  /** Items handed to one `process` call, oldest first (default 1). */
  maxBatch?: number
}

/**
 * Items handled in order, one batch at a time, by one drain started on demand. The drain's flag
 * is cleared synchronously as its loop finds nothing left (not in a later `.finally()`), so an
 * item pushed at any moment is either taken by the running drain or starts a new one: none is
 * left behind, and `idle()` resolves only when nothing is queued or being processed.
 */
export class SerialQueue<T> {
  private readonly items: T[] = []
  private readonly maxBatch: number
  private running = false
  private drained: Promise<void> = Promise.resolve()

  constructor(private readonly options: SerialQueueOptions<T>) {
    this.maxBatch = options.maxBatch ?? 1
    if (!(this.maxBatch >= 1)) throw new RangeError(`maxBatch must be at least 1: ${this.maxBatch}`)
  }

  /** Items waiting, not counting the batch being processed. */
  get size(): number {
    return this.items.length
  }

  push(item: T): void {
    this.items.push(item)
    if (this.running) return
    this.running = true
    this.drained = this.drain()
  }

  /** Resolves once every item pushed so far, and any pushed meanwhile, has been processed. */
  async idle(): Promise<void> {
    while (this.running) await this.drained
  }

  private async drain(): Promise<void> {
    try {
      while (this.items.length > 0) {
        const batch = this.items.splice(0, this.maxBatch)
        try {
          const done = this.options.process(batch)
          if (done !== undefined) await done
        } catch (error) {
          this.report(error)
        }
      }
    } finally {
      this.running = false
    }
  }

  /** An onError that throws must not end the drain with items still queued. */
  private report(error: unknown): void {
    try {
      this.options.onError(error)
    } catch {
      // Nothing left to tell.
    }
  }
}
