import {
  type DevtoolsEngine,
  incompatibleRegistryVersion,
  REGISTRY_VERSION,
  watchEngines,
} from '../src/devtools-registry'
import { errorMessage } from '../src/error-message'
import type { Scheduler } from '../src/scheduler'
import type { QuerySummary } from '../src/query-summaries'
import { createLeadingThrottle, type LeadingThrottle } from '../src/throttle'
import type { SyncEvent } from '../src/types'
import type { CacheRecord } from './query-cache-tap'
import { createSocketStream } from './socket/socket-stream'
import type { TapRing } from './socket/socket-tap'
import {
  type EngineState,
  encodeEventBatch,
  envelope,
  foreignVersion,
  MAX_EVENTS_PER_BATCH,
  MAX_QUERY_SUMMARIES,
  PROTOCOL_VERSION,
  type QueryList,
  parseToPage,
  type ToPage,
  type ToPanel,
} from './protocol'

/** The slice of `window` the bridge uses, so tests can hand it a stand-in. */
export interface BridgeWindow {
  postMessage(message: unknown, targetOrigin: string): void
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  readonly location: { readonly href: string }
  readonly document: { readonly title: string }
}

export interface PageBridgeOptions {
  window: BridgeWindow
  /** Where the engines' registry lives (the page's global object). */
  host: object
  scheduler: Scheduler
  /**
   * Live batches are posted at most once per `flushMs` (a frame; batches of
   * MAX_EVENTS_PER_BATCH go at once). An event after a quiet `flushMs` is posted at the end of
   * its task (`defer`); under load, events wait at most the rest of the window since the last
   * batch.
   */
  flushMs?: number
  /**
   * Runs the flush of an idle bridge once the current task's events are in (default: a
   * microtask), so events emitted together still share one batch.
   */
  defer?: (callback: () => void) => void
  /**
   * Engine state (config, channels, metrics) goes to the panel when it changes: at once after a
   * quiet window, else at most once per `stateEveryMs` (metrics change with every batch).
   */
  stateEveryMs?: number
  /** Where the bridge says what it cannot do (default console.warn). */
  warn?: (message: string) => void
  /** Identifies this page load; a new one tells the panel the page reloaded or navigated. */
  session?: string
  /** The page's socket tap (installed at document_start): the Socket tab reads it. */
  socketTap?: TapRing
  /** The page's QueryCache events (query-cache-tap.ts), shown beside the frames. */
  cacheTap?: TapRing<CacheRecord>
}

interface Stream {
  engine: DevtoolsEngine
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
 * The page end of the DevTools path, in the MAIN world. It does nothing until a panel sends
 * `connect`: no listener on any engine, nothing serialized or posted. Then it sends a snapshot of
 * each engine's ring after the panel's last seq, and live batches (one string each in the form of
 * event-codec.ts, at most MAX_EVENTS_PER_BATCH events: at the end of the task when idle, else at
 * most one per `flushMs`), until `disconnect`. Live, an engine only tells the bridge its new last
 * seq per event; the events are read from its ring and encoded once per batch.
 */
export function startPageBridge(options: PageBridgeOptions): { stop(): void } {
  const { window: page, scheduler } = options
  const flushMs = options.flushMs ?? 16
  const stateEveryMs = options.stateEveryMs ?? 1_000
  const defer = options.defer ?? queueMicrotask
  const session = options.session ?? newSessionId()
  const streams = new Map<string, Stream>()
  const warn = options.warn ?? ((message: string) => console.warn(message))
  let listening = false
  let paused = false
  const warnedVersions = new Set<number>()

  const post = (message: ToPanel) => page.postMessage(envelope('to-panel', message), '*')

  const hello = () =>
    post({
      type: 'page-hello',
      session,
      url: page.location.href.slice(0, 4_096),
      title: page.document.title.slice(0, 1_024),
      engines: [...streams.values()].map(({ engine }) => ({
        id: engine.id.slice(0, 200),
        name: engine.name.slice(0, 200),
        version: engine.version.slice(0, 50),
      })),
      ...incompatibleRegistry(),
    })

  const incompatibleRegistry = () => {
    const found = incompatibleRegistryVersion(options.host)
    return found === undefined
      ? {}
      : { incompatibleRegistry: { found, expected: REGISTRY_VERSION } }
  }

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
      const batch = events.slice(i, i + MAX_EVENTS_PER_BATCH)
      post({ type: 'events', session, engineId, snapshot, data: encodeEventBatch(batch) })
    }
  }

  /** What the engine appended since the last batch, read from its ring. */
  const sendLive = (stream: Stream) => {
    const events = stream.engine.readEvents(stream.sentSeq).events
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
    if (!listening) return
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
  const flushes = createLeadingThrottle({ scheduler, windowMs: flushMs, run: sendPending, defer })
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
    const snapshot = entry.engine.readEvents(since)
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
      warn(`[realtime-sync-devtools] could not list the queries: ${errorMessage(error)}`)
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

  // The page's sockets, while the Socket tab watches (socket-stream.ts).
  const socketStream =
    options.socketTap === undefined
      ? undefined
      : createSocketStream({
          socketTap: options.socketTap,
          cacheTap: options.cacheTap,
          scheduler,
          flushMs,
          defer,
          post: (data, snapshot, dropped) =>
            post({ type: 'socket', session, snapshot, dropped, data }),
        })

  /** The panel went away: no listener left on any engine. */
  const stopListening = () => {
    listening = false
    socketStream?.watch(false)
    stopStreaming()
    for (const entry of streams.values()) {
      entry.unsubscribeState?.()
      entry.unsubscribeState = undefined
      watchQueries(entry, false)
    }
    stateDirty.clear()
    stateSends.cancel()
  }

  const startStreaming = (since: Record<string, number>) => {
    listening = true
    paused = false
    hello()
    for (const entry of streams.values()) stream(entry, since[entry.engine.id] ?? 0)
  }

  const handle = (message: ToPage) => {
    switch (message.type) {
      case 'connect':
      case 'resume':
        startStreaming(message.session === session ? message.since : {})
        return
      case 'announce':
        hello()
        return
      case 'disconnect':
        stopListening()
        return
      case 'pause':
        paused = true
        stopStreaming()
        return
      case 'clear': {
        const entry = streams.get(message.engineId)
        if (!entry) return
        flush()
        entry.engine.clear()
        sendState(entry)
        stateDirty.delete(entry)
        return
      }
      case 'watch-queries': {
        const entry = streams.get(message.engineId)
        if (entry !== undefined && listening) watchQueries(entry, message.on)
        return
      }
      case 'watch-socket':
        if (listening || !message.on) socketStream?.watch(message.on)
        return
      case 'set-option': {
        const entry = streams.get(message.engineId)
        let error: string | undefined
        try {
          if (!entry) throw new Error(`no engine ${message.engineId} on this page`)
          entry.engine.setOption(message.name, message.value)
        } catch (cause) {
          error = errorMessage(cause).slice(0, 1_000)
        }
        // The new config follows from the engine's own change notification.
        post({ type: 'command-result', session, requestId: message.requestId, ok: !error, error })
        return
      }
    }
  }

  const onMessage = (event: MessageEvent) => {
    // Only this window's own messages (the content relay posts into it), in our envelope.
    if ((event.source as unknown) !== (page as unknown)) return
    const message = parseToPage(event.data)
    if (message) {
      handle(message)
      return
    }
    const version = foreignVersion(event.data, 'to-page')
    if (version !== undefined && !warnedVersions.has(version)) {
      warnedVersions.add(version)
      warn(
        `[realtime-sync-devtools] a DevTools panel speaking protocol version ${version} tried to ` +
          `connect; this page's bridge speaks version ${PROTOCOL_VERSION}. Two builds of the ` +
          'extension may be installed: keep one, then reload the page.',
      )
    }
  }
  page.addEventListener('message', onMessage)

  const stopWatching = watchEngines((change) => {
    if (change.type === 'register') {
      const entry: Stream = {
        engine: change.engine,
        sentSeq: 0,
        appendedSeq: 0,
        ringSize: MAX_EVENTS_PER_BATCH,
      }
      streams.set(change.engine.id, entry)
      if (listening) {
        hello()
        if (!paused) stream(entry, 0)
      }
    } else {
      const entry = streams.get(change.engine.id)
      if (!entry) return
      flush()
      entry.unsubscribe?.()
      entry.unsubscribeState?.()
      watchQueries(entry, false)
      stateDirty.delete(entry)
      streams.delete(change.engine.id)
      if (listening) hello()
    }
  }, options.host)

  // A panel already open hears about the new page (a reload or navigation) at once.
  hello()

  return {
    stop() {
      stopListening()
      stopWatching()
      page.removeEventListener('message', onMessage)
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

function newSessionId(): string {
  const crypto = globalThis.crypto
  if (crypto?.randomUUID) return crypto.randomUUID()
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
}
