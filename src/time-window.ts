/**
 * A map of keys to the moment they were first seen, forgetting keys older than the window.
 * Keys are kept in insertion order, which is time order (a re-seen expired key is re-inserted),
 * so pruning walks from the oldest end and stops at the first fresh key: amortized O(1).
 */
export class TimeWindow<K, V> {
  private readonly entries = new Map<K, { at: number; value: V }>()
  private nextPruneAt = 0

  constructor(
    public windowMs: number,
    private readonly pruneEveryMs = 30_000,
  ) {}

  get size(): number {
    return this.entries.size
  }

  /** The entry for key if it was recorded less than windowMs before now. */
  get(key: K, now: number): { at: number; value: V } | undefined {
    const entry = this.entries.get(key)
    return entry !== undefined && now - entry.at < this.windowMs ? entry : undefined
  }

  set(key: K, value: V, now: number): void {
    this.entries.delete(key)
    this.entries.set(key, { at: now, value })
    if (now >= this.nextPruneAt) this.prune(now)
  }

  prune(now: number): void {
    this.nextPruneAt = now + this.pruneEveryMs
    for (const [key, entry] of this.entries) {
      if (now - entry.at < this.windowMs) break
      this.entries.delete(key)
    }
  }

  clear(): void {
    this.entries.clear()
  }
}
