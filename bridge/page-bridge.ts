import {
  incompatibleRegistryVersion,
  REGISTRY_VERSION,
  watchEngines,
} from '../src/devtools-registry'
import { errorMessage } from '../src/error-message'
import type { Scheduler } from '../src/scheduler'
import { createEngineStreams } from './engine-stream'
import type { CacheRecord } from './query-cache-tap'
import { FaultController, type FaultRequest } from './faults/fault-controller'
import { installFaultConsole } from './faults/fault-console'
import type { SocketFaults } from './faults/socket-faults'
import { createSocketStream } from './socket/socket-stream'
import { createLeadingThrottle } from './throttle'
import type { TapRing } from './socket/socket-tap'
import type { WriteTapRecord } from './writes/write-tap'
import { type ActionableClient, runQueryAction } from './query-actions'
import {
  envelope,
  foreignVersion,
  isRelayChannel,
  PROTOCOL_VERSION,
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

/** The slice of a MessagePort the bridge posts on. */
export interface RelayPort {
  postMessage(message: unknown): void
  close(): void
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
  /** The page's PostgREST writes (writes/write-tap.ts), followed by the Writes tab. */
  writeTap?: TapRing<WriteTapRecord>
  /** The page's QueryClients the Queries tab may act on (refetch, invalidate, reset, remove). */
  queryClients?: () => readonly ActionableClient[]
  /** The socket tap's faults (bridge/faults): started by the panel or the registry's console API. */
  socketFaults?: SocketFaults
  /** Where a fault's start and end are said (default console.info). */
  log?: (line: string) => void
}

/** Fault records change with every frame a delay holds: sent at most this often. */
const FAULTS_EVERY_MS = 250

/**
 * The page end of the DevTools path, in the MAIN world. It does nothing until a panel sends
 * `connect`: no listener on any engine, nothing serialized or posted. Then it sends a snapshot of
 * each engine's ring after the panel's last seq, and live batches (one string each in the form of
 * event-codec.ts, at most MAX_EVENTS_PER_BATCH events: at the end of the task when idle, else at
 * most one per `flushMs`), until `disconnect`. Live, an engine only tells the bridge its new last
 * seq per event; the events are read from its ring and encoded once per batch (engine-stream.ts).
 * The bridge itself keeps the window's messages, the panel's commands and the registry.
 */
export function startPageBridge(options: PageBridgeOptions): { stop(): void } {
  const { window: page, scheduler } = options
  const flushMs = options.flushMs ?? 16
  const stateEveryMs = options.stateEveryMs ?? 1_000
  const defer = options.defer ?? queueMicrotask
  const session = options.session ?? newSessionId()
  const warn = options.warn ?? ((message: string) => console.warn(message))
  let listening = false
  let paused = false
  const warnedVersions = new Set<number>()

  /** The relay's own port (relay-channel), while a panel's Port is open; else the window. */
  let relay: RelayPort | undefined
  const post = (message: ToPanel) => {
    const wrapped = envelope('to-panel', message)
    if (relay === undefined) page.postMessage(wrapped, '*')
    else relay.postMessage(wrapped)
  }
  const dropRelay = () => {
    relay?.close()
    relay = undefined
  }

  const hello = () =>
    post({
      type: 'page-hello',
      session,
      url: page.location.href.slice(0, 4_096),
      title: page.document.title.slice(0, 1_024),
      engines: engineStreams.engines().map((engine) => ({
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

  // The engines' logs, state and queries, while a panel listens (engine-stream.ts).
  const engineStreams = createEngineStreams({
    scheduler,
    session,
    flushMs,
    stateEveryMs,
    defer,
    warn,
    listening: () => listening,
    post,
  })

  // The page's sockets, while the Socket tab watches (socket-stream.ts).
  const socketStream =
    options.socketTap === undefined
      ? undefined
      : createSocketStream({
          socketTap: options.socketTap,
          cacheTap: options.cacheTap,
          writeTap: options.writeTap,
          scheduler,
          flushMs,
          defer,
          post: (data, snapshot, dropped) =>
            post({ type: 'socket', session, snapshot, dropped, data }),
        })

  // The simulated faults, and the same actions on the registry for the console.
  const faults =
    options.socketFaults === undefined
      ? undefined
      : new FaultController({
          faults: options.socketFaults,
          scheduler,
          log: options.log ?? ((line) => console.info(line)),
          onChange: () => {
            if (listening) faultPosts.request()
          },
        })
  const faultPosts = createLeadingThrottle({
    scheduler,
    windowMs: FAULTS_EVERY_MS,
    run: () => {
      if (faults !== undefined && listening)
        post({ type: 'faults', session, records: [...faults.records()] })
    },
  })
  if (faults !== undefined && options.socketTap !== undefined) {
    const tap = options.socketTap
    installFaultConsole(options.host, faults, () => tap.read())
  }

  /** The panel went away: no listener left on any engine, and no fault it could no longer end. */
  const stopListening = () => {
    listening = false
    socketStream?.watch(false)
    engineStreams.stop()
    faultPosts.cancel()
    faults?.end(undefined, 'panel-closed')
  }

  const startStreaming = (since: Record<string, number>) => {
    listening = true
    paused = false
    hello()
    if (faults !== undefined && faults.records().length > 0) faultPosts.runNow()
    engineStreams.start(since)
  }

  /** A fault the panel asked for; the answer says why it could not start. */
  const startFault = (request: Extract<ToPage, { type: 'start-fault' }>): string | undefined => {
    if (faults === undefined)
      return 'this page has no socket tap (the extension was not loaded before it)'
    const { fault } = request
    let asked: FaultRequest
    if (fault.kind === 'deliver-again') {
      const frame = socketStream?.frameIn(fault.frameSeq)
      if (frame === undefined)
        return `frame #${fault.frameSeq} is no longer held: pick a newer delivery`
      asked = { kind: 'deliver-again', frame }
    } else {
      asked = fault
    }
    faults.start(asked, 'panel')
    return undefined
  }

  const answer = (requestId: number, run: () => string | undefined) => {
    let error: string | undefined
    try {
      error = run()
    } catch (cause) {
      error = errorMessage(cause)
    }
    post({
      type: 'command-result',
      session,
      requestId,
      ok: error === undefined,
      ...(error === undefined ? {} : { error: error.slice(0, 1_000) }),
    })
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
        dropRelay()
        return
      case 'pause':
        paused = true
        engineStreams.pause()
        return
      case 'clear':
        engineStreams.clear(message.engineId)
        return
      case 'watch-queries':
        if (listening) engineStreams.watchQueries(message.engineId, message.on)
        return
      case 'watch-socket':
        if (listening || !message.on) socketStream?.watch(message.on)
        return
      case 'query-action': {
        // Only for a listening panel: nothing acts on the page's queries unless one asked.
        if (!listening) return
        const { requestId, action, key } = message
        void runQueryAction(options.queryClients?.() ?? [], action, key).then((result) =>
          post({
            type: 'query-action-result',
            session,
            requestId,
            ok: result.matched > 0,
            ...(result.matched > 0 ? {} : { error: 'no QueryClient of the page holds this key' }),
            ...result,
            ...(result.error === undefined ? {} : { error: result.error.slice(0, 1_000) }),
          }),
        )
        return
      }
      case 'start-fault':
        // Only for a listening panel: nothing is injected unless one asked.
        if (listening) answer(message.requestId, () => startFault(message))
        return
      case 'end-fault':
        answer(message.requestId, () => {
          faults?.end(message.id, 'ended')
          return undefined
        })
        return
      case 'set-option':
        // The new config follows from the engine's own change notification.
        answer(message.requestId, () => {
          const engine = engineStreams.engine(message.engineId)
          if (!engine) return `no engine ${message.engineId} on this page`
          engine.setOption(message.name, message.value)
          return undefined
        })
        return
    }
  }

  const onMessage = (event: MessageEvent) => {
    // Only this window's own messages (the content relay posts into it), in our envelope.
    if ((event.source as unknown) !== (page as unknown)) return
    if (isRelayChannel(event.data)) {
      const offered = event.ports?.[0]
      if (offered !== undefined) {
        dropRelay()
        relay = offered
      }
      return
    }
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
      engineStreams.add(change.engine)
      if (listening) {
        hello()
        if (!paused) engineStreams.stream(change.engine.id, 0)
      }
    } else if (engineStreams.remove(change.engine.id) && listening) {
      hello()
    }
  }, options.host)

  // A panel already open hears about the new page (a reload or navigation) at once.
  hello()

  return {
    stop() {
      stopListening()
      dropRelay()
      stopWatching()
      page.removeEventListener('message', onMessage)
    },
  }
}

function newSessionId(): string {
  const crypto = globalThis.crypto
  if (crypto?.randomUUID) return crypto.randomUUID()
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
}
