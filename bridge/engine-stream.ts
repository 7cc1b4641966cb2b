import type { DevtoolsEngine } from '../src/devtools-registry'
import type { EventLogSnapshot } from '../src/event-log'
import { errorMessage } from '../src/error-message'
import type { QuerySummary } from '../src/query-summaries'
import type { Scheduler } from '../src/scheduler'
import { createLeadingThrottle, type LeadingThrottle } from './throttle'
import type { SyncEvent } from '../src/types'
import {
  type EngineState,
  encodeEventBatch,
  MAX_EVENTS_PER_BATCH,
  MAX_QUERY_SUMMARIES,
  type QueryList,
  type ToPanel,
} from './protocol'
import { createLegacyUpgrader, type LegacySyncEvent, upgradeOrMark } from './protocol/legacy-events'

export interface EngineStreamsOptions {
  scheduler: Scheduler
  /** The page load's id, on every message. */
  session: string
  /** Live batches at most once per `flushMs` (see PageBridgeOptions.flushMs). */
  flushMs: number
  /** Engine state and query lists at most once per `stateEveryMs` under change. */
  stateEveryMs: number
  defer: (callback: () => void) => void
  warn: (message: string) => void
  /** Whether a panel listens (the bridge's connection state): state changes are sent only then. */
  listening: () => boolean
  post: (message: ToPanel) => void
}

/** The page's engines as the bridge streams them to a panel. */
export interface EngineStreams {
  /** The registered engines, in registration order. */
  engines(): DevtoolsEngine[]
  engine(engineId: string): DevtoolsEngine | undefined
  /** A newly registered engine: nothing is sent or subscribed until it is streamed. */
  add(engine: DevtoolsEngine): void
  /** An engine that left: what is pending goes first, then every subscription ends. */
  remove(engineId: string): boolean
  /** Its state and a snapshot of its ring after `since`, then live batches. */
  stream(engineId: string, since: number): void
  /** Every engine streamed, each after the panel's last seq for it (default 0). */
  start(since: Record<string, number>): void
  /** No live batches; state changes are still followed. */
  pause(): void
  /** The panel went away: no listener left on any engine. */
  stop(): void
  /** The panel's Clear: pending events go, then the engine's ring is emptied. */
  clear(engineId: string): void
  /** The panel's Queries tab opened or closed. */
  watchQueries(engineId: string, on: boolean): void
}

interface Stream {
  engine: DevtoolsEngine
  /** Reads the engine's ring after a seq, in the current contract (an old engine's upgraded). */
  read: (since: number) => EventLogSnapshot
  /** The last seq the panel was sent (snapshot or live). */
  sentSeq: number
  /** The engine's last seq, as its appends told. */
  appendedSeq: number
  /** The engine's bufferSize as its last state said: a live batch is read before it fills. */
  ringSize: number
  /** The live appends subscription, while streaming. */
  unsubscribe?: () => void
  /** The engine's state changes, while a panel listens (paused too). */
  unsubscribeState?: () => void
  /** While the panel watches this engine's queries: the cache subscription and its throttle. */
  queries?: { unsubscribe: () => void; sends: LeadingThrottle }
}

/**
 * How the bridge reads an engine's ring: as it is, or, for an engine of 0.2.0 (events of the
 * old form: one bag of optional fields, a sentence for every decision), upgraded to the current
 * contract as it streams (bridge/protocol/legacy-events.ts).
 */
function readerOf(engine: DevtoolsEngine): (since: number) => EventLogSnapshot {
  if (!/^0\.[0-2]\./.test(engine.version)) return (since) => engine.readEvents(since)
  const upgrader = createLegacyUpgrader(engine.getConfig())
  return (since) => {
    const snapshot = engine.readEvents(since)
    const old = snapshot.events as unknown as LegacySyncEvent[]
    return { ...snapshot, events: old.map((event) => upgradeOrMark(upgrader, event)) }
  }
}

/**
 * The page bridge's engine half (the bridge keeps the window, the panel's commands and the
 * registry): per engine, a snapshot of its ring after the panel's last seq, then live batches
 * (one string each in the form of event-codec.ts, at most MAX_EVENTS_PER_BATCH events: at the
 * end of the task when idle, else at most one per `flushMs`); its state as it changes; its
 * queries while the Queries tab watches. Live, an engine only tells its new last seq per event;
 * the events are read from its ring and encoded once per batch.
 */
export function createEngineStreams(options: EngineStreamsOptions): EngineStreams {
  const { scheduler, session, post, defer, stateEveryMs } = options
  const streams = new Map<string, Stream>()

  const sendState = (stream: Stream) => {
    const { engine } = stream
    const snapshot = engine.readEvents(Number.MAX_SAFE_INTEGER)
    const config = engine.getConfig()
    stream.ringSize = config.bufferSize
    const clock = engine.getDatabaseClock?.()
    const state: EngineState = {
      config,
      channels: engine.getChannels(),
      ...(clock === undefined ? {} : { clock }),
      metrics: engine.getMetrics(),
      dropped: snapshot.dropped,
      lastSeq: snapshot.lastSeq,
    }
    post({ type: 'engine-state', session, engineId: engine.id, data: JSON.stringify(state) })
  }

  const sendEvents = (stream: Stream, events: SyncEvent[], snapshot: boolean) => {
    const engineId = stream.engine.id
    for (let i = 0; i < events.length || (snapshot && i === 0); i += MAX_EVENTS_PER_BATCH) {
      // The ring's read is already a copy of its own: a batch that fits is sent as it is.
      const whole = i === 0 && events.length <= MAX_EVENTS_PER_BATCH
      const batch = whole ? events : events.slice(i, i + MAX_EVENTS_PER_BATCH)
      post({ type: 'events', session, engineId, snapshot, data: encodeEventBatch(batch) })
    }
  }

  /** What the engine appended since the last batch, read from its ring. */
  const sendLive = (stream: Stream) => {
    const { events } = stream.read(stream.sentSeq)
    stream.sentSeq = stream.appendedSeq
    if (events.length === 0) return
    stream.sentSeq = Math.max(stream.sentSeq, events[events.length - 1]!.seq)
    sendEvents(stream, events, false)
    // A live batch starts the throttle's window, whoever sent it; the metrics changed with it.
    flushes.markRun()
    stateChanged(stream)
  }

  /** Engines whose state changed since it was last sent. */
  const stateDirty = new Set<Stream>()
  const stateSends = createLeadingThrottle({
    scheduler,
    windowMs: stateEveryMs,
    run: () => {
      for (const entry of stateDirty) sendState(entry)
      stateDirty.clear()
    },
  })
  const stateChanged = (entry: Stream) => {
    if (!options.listening()) return
    stateDirty.add(entry)
    stateSends.request()
  }

  const sendPending = () => {
    for (const stream of streams.values()) {
      if (stream.appendedSeq > stream.sentSeq) sendLive(stream)
    }
  }

  /**
   * Idle (no batch in the last flushMs): flush once this task's events are in; otherwise at the
   * end of the window that started with the last batch, so none waits longer than flushMs.
   */
  const flushes = createLeadingThrottle({
    scheduler,
    windowMs: options.flushMs,
    run: sendPending,
    defer,
  })
  /** An explicit flush (clear, an engine leaving): what is pending goes now. */
  const flush = () => {
    flushes.cancel()
    sendPending()
  }

  const onAppend = (stream: Stream) => (lastSeq: number) => {
    stream.appendedSeq = lastSeq
    // Read before the ring overwrites what is unsent (a bufferSize below a batch).
    if (lastSeq - stream.sentSeq >= Math.min(MAX_EVENTS_PER_BATCH, stream.ringSize)) {
      sendLive(stream)
    } else flushes.request()
  }

  /** An engine of 0.2.0 has no subscribeAppends: its events tell their seq. */
  const watchAppends = (engine: DevtoolsEngine, listener: (lastSeq: number) => void) =>
    engine.subscribeAppends
      ? engine.subscribeAppends(listener)
      : engine.subscribeEvents((event) => listener(event.seq))

  /** Snapshot after `since`, then live: in one tick, so no event falls between the two. */
  const stream = (entry: Stream, since: number) => {
    entry.unsubscribe?.()
    sendState(entry)
    const snapshot = entry.read(since)
    sendEvents(entry, snapshot.events, true)
    entry.sentSeq = Math.max(since, snapshot.lastSeq)
    entry.appendedSeq = entry.sentSeq
    entry.unsubscribe = watchAppends(entry.engine, onAppend(entry))
    entry.unsubscribeState ??= entry.engine.subscribe(() => stateChanged(entry))
  }

  const sendQueries = (stream: Stream) => {
    const { engine } = stream
    let list: QueryList
    if (engine.getQueries === undefined) {
      list = { total: 0, queries: [], unsupported: true }
    } else {
      const all = engine.getQueries()
      list = { total: all.length, queries: mostRelevant(all, MAX_QUERY_SUMMARIES) }
    }
    post({ type: 'queries', session, engineId: engine.id, data: serializeQueries(list) })
  }

  /** Never inside the app's own cache notification, and never throwing into it. */
  const trySendQueries = (stream: Stream) => {
    try {
      sendQueries(stream)
    } catch (error) {
      options.warn(`[realtime-sync-devtools] could not list the queries: ${errorMessage(error)}`)
    }
  }

  /** The panel's Queries tab opened or closed: send now, then as the cache changes (≤ 1/s). */
  const watchQueries = (stream: Stream, on: boolean) => {
    stream.queries?.unsubscribe()
    stream.queries?.sends.cancel()
    stream.queries = undefined
    if (!on) return
    const sends = createLeadingThrottle({
      scheduler,
      windowMs: stateEveryMs,
      run: () => trySendQueries(stream),
      defer,
    })
    const unsubscribe = stream.engine.subscribeQueries?.(() => sends.request()) ?? (() => {})
    stream.queries = { unsubscribe, sends }
    sends.runNow()
  }

  const stopStreaming = () => {
    for (const entry of streams.values()) {
      entry.unsubscribe?.()
      entry.unsubscribe = undefined
    }
    flushes.cancel()
  }

  return {
    engines: () => [...streams.values()].map(({ engine }) => engine),
    engine: (engineId) => streams.get(engineId)?.engine,

    add(engine) {
      streams.set(engine.id, {
        engine,
        read: readerOf(engine),
        sentSeq: 0,
        appendedSeq: 0,
        ringSize: MAX_EVENTS_PER_BATCH,
      })
    },

    remove(engineId) {
      const entry = streams.get(engineId)
      if (!entry) return false
      flush()
      entry.unsubscribe?.()
      entry.unsubscribeState?.()
      watchQueries(entry, false)
      stateDirty.delete(entry)
      streams.delete(engineId)
      return true
    },

    stream(engineId, since) {
      const entry = streams.get(engineId)
      if (entry !== undefined) stream(entry, since)
    },

    start(since) {
      for (const entry of streams.values()) stream(entry, since[entry.engine.id] ?? 0)
    },

    pause: stopStreaming,

    stop() {
      stopStreaming()
      for (const entry of streams.values()) {
        entry.unsubscribeState?.()
        entry.unsubscribeState = undefined
        watchQueries(entry, false)
      }
      stateDirty.clear()
      stateSends.cancel()
    },

    clear(engineId) {
      const entry = streams.get(engineId)
      if (!entry) return
      flush()
      entry.engine.clear()
      sendState(entry)
      stateDirty.delete(entry)
    },

    watchQueries(engineId, on) {
      const entry = streams.get(engineId)
      if (entry !== undefined) watchQueries(entry, on)
    },
  }
}

/** Active queries first (they refetch on invalidation), then the most refetched. */
function mostRelevant(queries: QuerySummary[], limit: number): QuerySummary[] {
  return queries
    .slice()
    .sort(
      (a, b) =>
        Number(b.active) - Number(a.active) ||
        b.refetches - a.refetches ||
        (a.queryHash < b.queryHash ? -1 : a.queryHash > b.queryHash ? 1 : 0),
    )
    .slice(0, limit)
}

/** A key JSON cannot carry (a BigInt) costs that query its key, not the list. */
function serializeQueries(list: QueryList): string {
  try {
    return JSON.stringify(list)
  } catch {
    return JSON.stringify({
      ...list,
      queries: list.queries.map((query) => {
        try {
          JSON.stringify(query.queryKey)
          return query
        } catch {
          return { ...query, queryKey: ['[key not serializable]'] }
        }
      }),
    })
  }
}
