import type { RowList } from './rows'

/** Dropped rows kept before a compaction: at least this many... */
const COMPACT_MIN = 1_024
/** ...and at least 1/COMPACT_FRACTION of the array. */
const COMPACT_FRACTION = 8

/**
 * An append-at-the-end, drop-at-the-front list in id order, O(1) amortized for both.
 *
 * `view()` returns a list that stays valid after later changes: appends go beyond its length,
 * dropping moves only this deque's head, and compaction or clear start a new array. So a
 * snapshot handed to React never changes under it.
 */
export class RowDeque<T extends { id: number }> {
  private items: T[] = []
  private head = 0

  get length(): number {
    return this.items.length - this.head
  }

  at(index: number): T | undefined {
    return index < 0 ? undefined : this.items[this.head + index]
  }

  first(): T | undefined {
    return this.items[this.head]
  }

  last(): T | undefined {
    return this.items[this.items.length - 1]
  }

  push(item: T): void {
    this.items.push(item)
  }

  /** Removes up to `count` rows from the front and returns them. */
  dropFront(count: number): T[] {
    const n = Math.min(count, this.length)
    const dropped = this.items.slice(this.head, this.head + n)
    this.head += n
    // Compact once the dropped prefix is an eighth of the array: the array never holds more than
    // 8/7 of the live rows (dropped rows, with their payloads, are not kept alive by it), and
    // each compaction copies at most 7 live rows per row dropped since the last one.
    if (this.head >= COMPACT_MIN && this.head * COMPACT_FRACTION >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return dropped
  }

  clear(): void {
    this.items = []
    this.head = 0
  }

  /** Index of the first row whose id is ≥ `id` (length when none). */
  lowerBound(id: number): number {
    return lowerBound(this.items, this.head, this.items.length, id) - this.head
  }

  /** The row whose `key` is `value`, in a deque that `key` orders too (as id does). */
  findBy(key: (item: T) => number, value: number): T | undefined {
    let lo = this.head
    let hi = this.items.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (key(this.items[mid]!) < value) lo = mid + 1
      else hi = mid
    }
    const found = this.items[lo]
    return found !== undefined && key(found) === value ? found : undefined
  }

  view(): RowList<T> {
    return new DequeView(this.items, this.head, this.length)
  }
}

class DequeView<T extends { id: number }> implements RowList<T> {
  constructor(
    private readonly items: readonly T[],
    private readonly start: number,
    readonly length: number,
  ) {}

  at(index: number): T | undefined {
    return index < 0 || index >= this.length ? undefined : this.items[this.start + index]
  }

  indexOfId(id: number): number {
    const end = this.start + this.length
    const i = lowerBound(this.items, this.start, end, id)
    return i < end && this.items[i]!.id === id ? i - this.start : -1
  }
}

function lowerBound<T extends { id: number }>(
  items: readonly T[],
  start: number,
  end: number,
  id: number,
): number {
  let lo = start
  let hi = end
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (items[mid]!.id < id) lo = mid + 1
    else hi = mid
  }
  return lo
}

export const EMPTY_ROWS: RowList<never> = {
  length: 0,
  at: () => undefined,
  indexOfId: () => -1,
}
