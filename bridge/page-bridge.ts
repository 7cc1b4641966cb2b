import { type DevtoolsEngine, watchEngines } from '../src/devtools-registry'
import type { Scheduler } from '../src/scheduler'
import type { SyncEvent } from '../src/types'
import type { EngineState } from './engine-state'
import { envelope, MAX_EVENTS_PER_BATCH, parseToPage, type ToPage, type ToPanel } from './protocol'

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
  /** How often engine state (metrics, channels) is refreshed while the panel listens. */
  stateEveryMs?: number
  /** Identifies this page load; a new one tells the panel the page reloaded or navigated. */
  session?: string
}

interface Stream {
  engine: DevtoolsEngine
  pending: SyncEvent[]
  unsubscribe?: () => void
}

/**
 * The page end of the DevTools path, in the MAIN world. It does nothing until a panel sends
 * `connect`: no listener on any engine, nothing serialized or posted. Then it sends a snapshot of
 * each engine's ring after the panel's last seq, and live batches (one JSON string each, at most
 * MAX_EVENTS_PER_BATCH events: at the end of the task when idle, else at most one per `flushMs`),
 * until `disconnect`.
 */
export function startPageBridge(options: PageBridgeOptions): { stop(): void } {
  const { window: page, scheduler } = options
  const flushMs = options.flushMs ?? 16
  const stateEveryMs = options.stateEveryMs ?? 1_000
  const defer = options.defer ?? queueMicrotask
  const session = options.session ?? newSessionId()
  const streams = new Map<string, Stream>()
  let listening = false
  let paused = false
  /** A flush is due: a scheduler timer, or DEFERRED (a `defer` callback). */
  let flushTimer: unknown
  /** When the last live batch was posted (the throttle's window starts there). */
  let flushedAt = Number.NEGATIVE_INFINITY
  let stateTimer: unknown

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
    })

  const sendState = (stream: Stream) => {
    const { engine } = stream
    const snapshot = engine.readEvents(Number.MAX_SAFE_INTEGER)
    const state: EngineState = {
      config: engine.getConfig(),
      channels: engine.readChannels(),
      metrics: engine.readMetrics(),
      dropped: snapshot.dropped,
      lastSeq: snapshot.lastSeq,
    }
    post({ type: 'engine-state', session, engineId: engine.id, data: JSON.stringify(state) })
  }

  const sendEvents = (engineId: string, events: SyncEvent[], snapshot: boolean) => {
    for (let i = 0; i < events.length || (snapshot && i === 0); i += MAX_EVENTS_PER_BATCH) {
      const batch = events.slice(i, i + MAX_EVENTS_PER_BATCH)
      post({ type: 'events', session, engineId, snapshot, data: serialize(batch) })
    }
    if (!snapshot) flushedAt = scheduler.now()
  }

  const flush = () => {
    cancelFlush()
    for (const stream of streams.values()) {
      if (stream.pending.length === 0) continue
      const events = stream.pending
      stream.pending = []
      sendEvents(stream.engine.id, events, false)
    }
  }

  const cancelFlush = () => {
    if (flushTimer !== undefined && flushTimer !== DEFERRED) scheduler.clearTimeout(flushTimer)
    flushTimer = undefined
  }

  /**
   * Leading-edge throttle: idle (no batch in the last flushMs), flush once this task's events
   * are in; otherwise at the end of the window that started with the last batch. Never
   * restarted by later events, so none waits longer than flushMs.
   */
  const scheduleFlush = () => {
    if (flushTimer !== undefined) return
    const wait = flushedAt + flushMs - scheduler.now()
    if (wait > 0) {
      flushTimer = scheduler.setTimeout(flush, wait)
      return
    }
    flushTimer = DEFERRED
    defer(() => {
      // Cancelled (stop, pause, an explicit flush) or already replaced by a timer.
      if (flushTimer === DEFERRED) flush()
    })
  }

  const onLiveEvent = (stream: Stream) => (event: SyncEvent) => {
    stream.pending.push(event)
    if (stream.pending.length >= MAX_EVENTS_PER_BATCH) {
      const events = stream.pending
      stream.pending = []
      sendEvents(stream.engine.id, events, false)
    } else {
      scheduleFlush()
    }
  }

  /** Snapshot after `since`, then live: in one tick, so no event falls between the two. */
  const stream = (entry: Stream, since: number) => {
    entry.unsubscribe?.()
    entry.pending = []
    sendState(entry)
    sendEvents(entry.engine.id, entry.engine.readEvents(since).events, true)
    entry.unsubscribe = entry.engine.subscribe(onLiveEvent(entry))
  }

  const stopStreaming = () => {
    for (const entry of streams.values()) {
      entry.unsubscribe?.()
      entry.unsubscribe = undefined
      entry.pending = []
    }
    cancelFlush()
  }

  const scheduleState = () => {
    if (stateTimer !== undefined) scheduler.clearTimeout(stateTimer)
    stateTimer = scheduler.setTimeout(() => {
      stateTimer = undefined
      if (!listening) return
      for (const entry of streams.values()) sendState(entry)
      scheduleState()
    }, stateEveryMs)
  }

  const startStreaming = (since: Record<string, number>) => {
    listening = true
    paused = false
    hello()
    for (const entry of streams.values()) stream(entry, since[entry.engine.id] ?? 0)
    scheduleState()
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
        listening = false
        stopStreaming()
        if (stateTimer !== undefined) scheduler.clearTimeout(stateTimer)
        stateTimer = undefined
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
        return
      }
      case 'set-option': {
        const entry = streams.get(message.engineId)
        let error: string | undefined
        try {
          if (!entry) throw new Error(`no engine ${message.engineId} on this page`)
          entry.engine.setOption(message.name, message.value)
        } catch (cause) {
          error = cause instanceof Error ? cause.message : String(cause)
        }
        post({ type: 'command-result', session, requestId: message.requestId, ok: !error, error })
        if (entry) sendState(entry)
        return
      }
    }
  }

  const onMessage = (event: MessageEvent) => {
    // Only this window's own messages (the content relay posts into it), in our envelope.
    if ((event.source as unknown) !== (page as unknown)) return
    const message = parseToPage(event.data)
    if (message) handle(message)
  }
  page.addEventListener('message', onMessage)

  const stopWatching = watchEngines((change) => {
    if (change.type === 'register') {
      const entry: Stream = { engine: change.engine, pending: [] }
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
      streams.delete(change.engine.id)
      if (listening) hello()
    }
  }, options.host)

  // A panel already open hears about the new page (a reload or navigation) at once.
  hello()

  return {
    stop() {
      stopStreaming()
      listening = false
      if (stateTimer !== undefined) scheduler.clearTimeout(stateTimer)
      stopWatching()
      page.removeEventListener('message', onMessage)
    },
  }
}

/** `flushTimer` while a deferred (idle) flush is due. */
const DEFERRED = Symbol('deferred flush')

/**
 * One JSON string per batch. A value JSON cannot carry (a BigInt in a payload) costs that
 * event its payload, not the batch.
 */
function serialize(events: SyncEvent[]): string {
  try {
    return JSON.stringify(events)
  } catch {
    return `[${events
      .map((event) => {
        try {
          return JSON.stringify(event)
        } catch {
          return JSON.stringify({ ...event, payload: '[payload not serializable]' })
        }
      })
      .join(',')}]`
  }
}

function newSessionId(): string {
  const crypto = globalThis.crypto
  if (crypto?.randomUUID) return crypto.randomUUID()
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
}
