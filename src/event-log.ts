import { validateOption } from './options'
import { RingBuffer } from './ring-buffer'
import { Subscribable } from './subscribable'
import type { SyncEvent } from './types'

/** An event before the log numbers it (a `seq` already present is overwritten). */
export type SyncEventInit = SyncEvent extends infer E
  ? E extends SyncEvent
    ? Omit<E, 'seq'> & { seq?: number }
    : never
  : never
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
  private ring: RingBuffer<SyncEvent>
  private nextSeq = 1
  private droppedCount = 0
  private readonly appendListeners = new Set<AppendListener>()

  /**
   * @param complete fills derived fields (latency) when an event leaves the log: on read and
   *   before a listener sees it, never on append alone.
   */
  constructor(
    capacity: number,
    private readonly complete: (event: SyncEvent) => SyncEvent = (event) => event,
  ) {
    super()
    assertCapacity(capacity)
    this.ring = new RingBuffer(capacity)
  }

  get dropped(): number {
    return this.droppedCount
  }

  get lastSeq(): number {
    return this.nextSeq - 1
  }

  /**
   * A DevTools panel reads the log: the bridge follows an engine with subscribeAppends. A
   * listener of subscribe() alone (an app's own sink, the OpenTelemetry instruments) is not one.
   */
  get panelListening(): boolean {
    return this.appendListeners.size > 0
  }

  append(init: SyncEventInit): SyncEvent {
    // Numbered once, before anyone can read it: a logged event is never changed afterwards.
    const event = init as SyncEvent & { seq: number }
    ;(event as { seq: number }).seq = this.nextSeq++
    if (this.ring.push(event)) this.droppedCount++
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
    const { ring } = this
    const oldestSeq = this.nextSeq - ring.size
    const out: SyncEvent[] = []
    for (let i = Math.max(0, sinceSeq - oldestSeq + 1); i < ring.size; i++) {
      out.push(this.complete(ring.at(i)))
    }
    return out
  }

  snapshot(sinceSeq = 0): EventLogSnapshot {
    return { events: this.read(sinceSeq), dropped: this.droppedCount, lastSeq: this.lastSeq }
  }

  /** Forget the held events; seq keeps counting so readers never see a number twice. */
  clear(): void {
    this.ring.clear()
  }

  /** Change the capacity, keeping the newest events; the ones that do not fit count as dropped. */
  resize(capacity: number): void {
    assertCapacity(capacity)
    const kept = this.read().slice(-capacity)
    this.droppedCount += this.ring.size - kept.length
    this.ring = new RingBuffer(capacity)
    for (const event of kept) this.ring.push(event)
  }
}

function assertCapacity(capacity: number): void {
  validateOption('bufferSize', capacity)
}
