/**
 * Items recorded under keys, forgotten once older than the window. Items carry their own time
 * (`at`), so recording allocates nothing: the engine stores its log events here directly.
 * Keys are kept in insertion order, which is time order (a re-seen expired key is re-inserted),
 * so pruning walks from the oldest end and stops at the first fresh item: amortized O(1).
 */
export class TimeWindow<K, T extends { readonly at: number }> {
  private readonly items = new Map<K, T>()
  private nextPruneAt = 0

  constructor(
    public windowMs: number,
    private readonly pruneEveryMs = 30_000,
  ) {}

  get size(): number {
    return this.items.size
  }

  /** The item under key if it was recorded less than windowMs before now. */
  get(key: K, now: number): T | undefined {
    const item = this.items.get(key)
    return item !== undefined && now - item.at < this.windowMs ? item : undefined
  }

  /**
   * The fresh item under key, if any; otherwise records `item` under key and returns undefined.
   * One lookup for a new key: this is the hot path.
   */
  getOrRecord(key: K, item: T): T | undefined {
    const existing = this.items.get(key)
    if (existing !== undefined) {
      if (item.at - existing.at < this.windowMs) return existing
      this.items.delete(key) // re-inserted below, at the end: keeps time order
    }
    this.items.set(key, item)
    if (item.at >= this.nextPruneAt) this.prune(item.at)
    return undefined
  }

  set(key: K, item: T): void {
    this.items.delete(key)
    this.items.set(key, item)
    if (item.at >= this.nextPruneAt) this.prune(item.at)
  }

  prune(now: number): void {
    // At least once per window: the map then holds at most two windows of keys, not 30 s of
    // them (150,000 entries at 5,000 events/s). Walking from the oldest end keeps it O(1).
    this.nextPruneAt = now + Math.min(this.pruneEveryMs, Math.max(1, this.windowMs))
    for (const [key, item] of this.items) {
      if (now - item.at < this.windowMs) break
      this.items.delete(key)
    }
  }

  clear(): void {
    this.items.clear()
  }
}
