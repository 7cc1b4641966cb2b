import { validateOption } from './options'
import { Subscribable } from './subscribable'
import type { SyncEvent } from './types'

/** An event before the log numbers it (a `seq` already present is overwritten). */
export type SyncEventInit = Omit<SyncEvent, 'seq'> & { seq?: number }
export type EventListener = (event: SyncEvent) => void
export type AppendListener = (lastSeq: number) => void

export interface EventLogSnapshot {
  events: SyncEvent[]
  /** Events that fell off the ring since the engine started (never silent loss). */
  dropped: number
  /** The seq the next event will get minus one. */
  lastSeq: number
}

/**
 * The engine's memory: a ring of the newest `capacity` events, seq strictly increasing.
 * Appending costs one slot write; listeners (the devtools bridge) are only called when present,
 * so with DevTools closed nothing is copied or serialized. An append listener is told the seq
 * only: a reader that batches pays per batch, not per event.
 */
export class EventLog extends Subscribable<EventListener> {
  private ring: (SyncEvent | undefined)[]
  /** Index of the oldest event. */
  private head = 0
  private count = 0
  private nextSeq = 1
  private droppedCount = 0
  private readonly appendListeners = new Set<AppendListener>()

  /**
   * @param complete fills derived fields (latency) when an event leaves the log: on read and
   *   before a listener sees it, never on append alone.
   */
  constructor(
    private capacity: number,
    private readonly complete: (event: SyncEvent) => SyncEvent = (event) => event,
  ) {
    super()
    assertCapacity(capacity)
    this.ring = new Array(capacity)
  }

  get dropped(): number {
    return this.droppedCount
  }

  get lastSeq(): number {
    return this.nextSeq - 1
  }

  append(init: SyncEventInit): SyncEvent {
    const event = init as SyncEvent
    event.seq = this.nextSeq++
    if (this.count < this.capacity) {
      this.ring[(this.head + this.count) % this.capacity] = event
      this.count++
    } else {
      this.ring[this.head] = event
      this.head = (this.head + 1) % this.capacity
      this.droppedCount++
    }
    if (this.listeners.size > 0) {
      this.complete(event)
      for (const listener of this.listeners) listener(event)
    }
    if (this.appendListeners.size > 0) {
      for (const listener of this.appendListeners) listener(event.seq)
    }
    return event
  }

  /** Told each new last seq; the event itself is read later (read), completed then. */
  subscribeAppends(listener: AppendListener): () => void {
    this.appendListeners.add(listener)
    return () => {
      this.appendListeners.delete(listener)
    }
  }

  /** Events with seq > sinceSeq still in the ring, oldest first. */
  read(sinceSeq = 0): SyncEvent[] {
    // The ring holds consecutive seqs, oldest at head: start at the first one wanted, so asking
    // for nothing new (the bridge's state refresh) costs nothing.
    const oldestSeq = this.nextSeq - this.count
    const out: SyncEvent[] = []
    for (let i = Math.max(0, sinceSeq - oldestSeq + 1); i < this.count; i++) {
      out.push(this.complete(this.ring[(this.head + i) % this.capacity]!))
    }
    return out
  }

  snapshot(sinceSeq = 0): EventLogSnapshot {
    return { events: this.read(sinceSeq), dropped: this.droppedCount, lastSeq: this.lastSeq }
  }

  /** Forget the held events; seq keeps counting so readers never see a number twice. */
  clear(): void {
    this.ring = new Array(this.capacity)
    this.head = 0
    this.count = 0
  }

  /** Change the capacity, keeping the newest events; the ones that do not fit count as dropped. */
  resize(capacity: number): void {
    assertCapacity(capacity)
    const kept = this.read().slice(-capacity)
    this.droppedCount += this.count - kept.length
    this.capacity = capacity
    this.ring = new Array(capacity)
    for (let i = 0; i < kept.length; i++) this.ring[i] = kept[i]
    this.head = 0
    this.count = kept.length
  }
}

function assertCapacity(capacity: number): void {
  validateOption('bufferSize', capacity)
}
