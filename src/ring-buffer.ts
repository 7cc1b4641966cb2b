/**
 * The newest `capacity` items, oldest first: pushing costs one slot write, and a full ring
 * overwrites its oldest item (push says so, for the owner to count). Shared by the engine's
 * event log and the page bridge's socket and cache taps.
 */
export class RingBuffer<T> {
  private slots: (T | undefined)[]
  /** Index of the oldest item. */
  private head = 0
  private count = 0

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`a ring's capacity must be a positive integer: ${capacity}`)
    }
    this.slots = new Array(capacity)
  }

  /** Items held. */
  get size(): number {
    return this.count
  }

  /** Adds `item` as the newest; returns true when that overwrote the oldest. */
  push(item: T): boolean {
    if (this.count < this.capacity) {
      this.slots[(this.head + this.count) % this.capacity] = item
      this.count++
      return false
    }
    this.slots[this.head] = item
    this.head = (this.head + 1) % this.capacity
    return true
  }

  /** The item `index` places after the oldest (0: the oldest); `index` must be below size. */
  at(index: number): T {
    return this.slots[(this.head + index) % this.capacity]!
  }

  /** The held items from the `from`th oldest on, oldest first. */
  read(from = 0): T[] {
    const out: T[] = []
    for (let i = Math.max(0, from); i < this.count; i++) out.push(this.at(i))
    return out
  }

  /** Forgets every item (the slots too, so nothing held stays reachable). */
  clear(): void {
    this.slots = new Array(this.capacity)
    this.head = 0
    this.count = 0
  }
}
