/**
 * Keys recorded with two numbers each (the seq and time of the log entry that recorded them),
 * forgotten once older than the window.
 *
 * It holds numbers, not the log's entries: at 100,000 keys in a 2 s window, keeping each entry
 * alive that long made every one of them outlive the young generation, and V8 then allocated
 * the next ones in the old generation (hot-path.bench.ts). The numbers sit in a ring of typed
 * arrays in insertion order, which is time order (a re-seen expired key is recorded again at
 * the newest end), and the map holds each key's position, a small integer: recording allocates
 * nothing but the map's entry.
 *
 * Invariant: a key in the map has its position in [head, tail) and its key in that slot; a slot
 * whose key was recorded again since holds undefined, so pruning forgets no newer entry.
 */
export class TimeWindow<K> {
  /** Each recorded key's position: its slot in the ring is position & mask. */
  private readonly positions = new Map<K, number>()
  private keys: (K | undefined)[] = []
  private seqs = new Float64Array(0)
  private ats = new Float64Array(0)
  private mask = 0
  /** Positions from `head` (the oldest entry) to `tail` (the next one) are held. */
  private head = 0
  private tail = 0

  constructor(public windowMs: number) {
    this.resize(MIN_CAPACITY)
  }

  get size(): number {
    return this.positions.size
  }

  /** The slot of key if it was recorded less than windowMs before now, else -1. */
  find(key: K, now: number): number {
    const position = this.positions.get(key)
    if (position === undefined) return -1
    const slot = position & this.mask
    return now - this.ats[slot]! < this.windowMs ? slot : -1
  }

  /**
   * The slot of key if it is fresh at `at`; otherwise records key with (seq, at) and returns -1.
   * The second lookup of a new key finds its bucket in the cache: cheaper than its code.
   */
  findOrRecord(key: K, seq: number, at: number): number {
    const slot = this.find(key, at)
    if (slot === -1) this.set(key, seq, at)
    return slot
  }

  /** Records key with (seq, at) at the newest position, replacing what it held. */
  set(key: K, seq: number, at: number): void {
    const { positions } = this
    const old = positions.get(key)
    // Its older entry stays in the ring, emptied: pruning it forgets nothing.
    if (old !== undefined) this.keys[old & this.mask] = undefined
    // One read of the oldest time per record: the map never holds more than the window's keys.
    if (this.head < this.tail && at - this.ats[this.head & this.mask]! >= this.windowMs) {
      this.prune(at)
    }
    if (this.tail - this.head === this.keys.length) this.resize(this.keys.length * 2)
    const position = this.tail++
    const slot = position & this.mask
    this.keys[slot] = key
    this.seqs[slot] = seq
    this.ats[slot] = at
    positions.set(key, position)
  }

  /** The seq recorded in a slot find() returned. */
  seqAt(slot: number): number {
    return this.seqs[slot]!
  }

  /** The time recorded in a slot find() returned. */
  timeAt(slot: number): number {
    return this.ats[slot]!
  }

  clear(): void {
    this.positions.clear()
    this.head = this.tail = 0
    this.resize(MIN_CAPACITY)
  }

  /** Forgets the entries older than the window, oldest first: amortized O(1) per record. */
  private prune(now: number): void {
    const { keys, ats, positions, mask } = this
    let { head } = this
    for (; head < this.tail; head++) {
      const slot = head & mask
      if (now - ats[slot]! < this.windowMs) break
      const key = keys[slot]
      if (key !== undefined) positions.delete(key)
      keys[slot] = undefined
    }
    // An empty window numbers from 0 again: positions stay V8's small integers (past 2^30, in a
    // stream that never pauses for a window, they are heap numbers: still exact, one allocation).
    if (head === this.tail) head = this.tail = 0
    this.head = head
    // After a burst, the ring gives back what a quarter of it no longer needs.
    const capacity = keys.length
    if (capacity > MIN_CAPACITY && (this.tail - head) * 4 <= capacity) this.resize(capacity / 2)
  }

  /**
   * Moves each held position to its slot under a new power-of-two capacity (at least the count
   * held): the map's positions stay as they are.
   */
  private resize(capacity: number): void {
    const { keys, seqs, ats, mask } = this
    this.keys = new Array<K | undefined>(capacity)
    this.seqs = new Float64Array(capacity)
    this.ats = new Float64Array(capacity)
    this.mask = capacity - 1
    for (let position = this.head; position < this.tail; position++) {
      const from = position & mask
      const to = position & this.mask
      this.keys[to] = keys[from]
      this.seqs[to] = seqs[from]!
      this.ats[to] = ats[from]!
    }
  }
}

/** A power of two, as every capacity: a position's slot is its low bits. */
const MIN_CAPACITY = 64
