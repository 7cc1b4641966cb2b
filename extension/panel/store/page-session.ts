import {
  type Parsed,
  parseEngineState,
  parseEventBatch,
  parseQueryList,
  PROTOCOL_VERSION,
} from '../../../bridge/protocol'
import type { Scheduler } from '../../../src/scheduler'
import type { PanelInbound, PanelTransport } from '../panel-connection'
import type { EngineEntry, EngineList } from './engine-list'
import { SocketLog } from './socket-log'

export type ConnectionStatus = 'connecting' | 'connected' | 'page-disconnected'

type Inbound<T extends PanelInbound['type']> = Extract<PanelInbound, { type: T }>

/** The page's engine registry is of a version the extension cannot read (page-hello). */
export interface RegistryMismatch {
  found: string
  expected: number
}

/** Another build's bridge speaks protocol `page`; this panel speaks `panel`. */
export interface VersionMismatch {
  page: number
  panel: number
}

/** A reload seen by the panel: engines of that page load show it as their first row. */
interface ReloadMarker {
  session: string
  at: number
  text: string
}

/** Longest rejection reason kept: it comes from page data and is shown in the status line. */
const MAX_REASON_CHARS = 500

export interface HelloOutcome {
  /** Another page load than the one streamed so far (its first hello, or a reload). */
  newSession: boolean
  /** The live rows were dropped (a reload without Preserve log): the selected row went too. */
  rowsReplaced: boolean
}

/**
 * The inspected page as the panel follows it: which page load (session) it streams, what the
 * page said about itself in its hello, what the panel asked it to send (connect, pause, resume),
 * and what arrived from it, validated, into the engines' logs.
 *
 * Protocol duties (bridge/protocol/messages.ts, bridge/page-bridge.ts):
 *   - `page-requested` → `connect { session, since: { engineId: last seq held } }`;
 *   - `page-hello` of a new session → a "Page reloaded" marker, the logs cleared unless Preserve
 *     log is on, and (after a reload with the panel open) `connect` for the new session; a hello
 *     of the session already streamed is the bridge answering our connect: no reply (no loop);
 *   - `events` → validated, seq continuity checked per (session, engine) (engine-log.ts);
 *   - pause / resume (resume asks for the ring's events since the last one held: nothing lost).
 */
export class PageSession {
  private status: ConnectionStatus = 'connecting'
  private current: string | undefined
  private pageInfo: { url: string; title: string } | undefined
  private reload: ReloadMarker | undefined
  private registry: RegistryMismatch | undefined
  private mismatch: VersionMismatch | undefined
  private pausedNow = false
  /** Keep the rows of earlier page loads across reloads (the Network panel's Preserve log). */
  preserveLog = false
  /** The page's Realtime sockets, while the Socket tab watches them. */
  readonly socket = new SocketLog()
  /** Events (or batches) that failed validation, and why the last one did. */
  private rejectedCount = 0
  private lastRejection: string | undefined

  constructor(
    private readonly transport: PanelTransport,
    private readonly scheduler: Scheduler,
    private readonly engines: EngineList,
  ) {}

  get connection(): ConnectionStatus {
    return this.status
  }
  get session(): string | undefined {
    return this.current
  }
  get page(): { url: string; title: string } | undefined {
    return this.pageInfo
  }
  get paused(): boolean {
    return this.pausedNow
  }
  get incompatibleRegistry(): RegistryMismatch | undefined {
    return this.registry
  }
  /**
   * Set once a message of another protocol version arrived, and kept for the panel's life: that
   * build may well send nothing more, and the advice (keep one build) still holds.
   */
  get versionMismatch(): VersionMismatch | undefined {
    return this.mismatch
  }
  get rejected(): number {
    return this.rejectedCount
  }
  get rejectedReason(): string | undefined {
    return this.lastRejection
  }

  /** The background is reaching the page (again): ask it to stream what the panel lacks. */
  requested(): void {
    this.sendConnect(this.current)
  }

  hello(message: Inbound<'page-hello'>): HelloOutcome {
    const previous = this.current
    const newSession = message.session !== previous
    const reloaded = newSession && previous !== undefined
    let rowsReplaced = false
    this.status = 'connected'
    this.pageInfo = { url: message.url, title: message.title }
    this.registry = message.incompatibleRegistry
    const inHello = new Set(message.engines.map((engine) => engine.id))
    if (newSession) {
      this.current = message.session
      this.socket.reset()
      if (reloaded && !this.preserveLog) {
        this.engines.keepOnly(inHello)
        rowsReplaced = true
      }
      for (const entry of this.engines.values()) entry.log.startSession(message.session)
    }
    for (const info of message.engines) {
      const entry = this.engine(info.id)
      entry.info = info
      entry.live = true
    }
    this.engines.retireAbsent(inHello)
    if (reloaded) {
      // The new page's first hello usually lists no engine yet (they register moments later):
      // remember the reload and show it in every engine's log of this page load.
      this.reload = {
        session: message.session,
        at: this.scheduler.now(),
        text: `Page reloaded / navigated to ${message.url}`,
      }
    }
    for (const entry of this.engines.values()) this.markReload(entry)
    this.engines.changed()
    // The bridge's own hello after a reload: it streams nothing until asked.
    if (reloaded) this.sendConnect(message.session)
    return { newSession, rowsReplaced }
  }

  /** A batch into its engine's log; false when it is not for this page load or arrives paused. */
  events(message: Inbound<'events'>): boolean {
    // A batch of another page load (in flight during a reload) or arriving while paused: the
    // ring keeps it, and connect / resume asks for it again.
    if (message.session !== this.current || this.pausedNow) return false
    const entry = this.engine(message.engineId)
    const parsed = parseEventBatch(message.data)
    if (parsed.rejected > 0) this.reject(parsed.rejected, parsed.error)
    const ring = { bufferSize: entry.state?.config.bufferSize, dropped: entry.state?.dropped }
    if (parsed.events.length > 0) {
      entry.log.ingest(parsed.events, { snapshot: message.snapshot, ring })
    } else if (message.snapshot && parsed.rejected === 0 && entry.state !== undefined) {
      entry.log.noteEmptySnapshot(entry.state.lastSeq, this.scheduler.now(), ring)
    }
    return true
  }

  /** An engine's state; false when it belongs to another page load. A bad one keeps the last. */
  engineState(message: Inbound<'engine-state'>): boolean {
    return this.adopt(message, parseEngineState, (entry, state) => {
      entry.state = state
      entry.rates.observe(this.scheduler.now(), state.metrics)
    })
  }

  /** An engine's query list; false when it belongs to another page load. A bad one keeps the last. */
  queries(message: Inbound<'queries'>): boolean {
    return this.adopt(message, parseQueryList, (entry, list) => (entry.queries = list))
  }

  /** One `data` message of this page load into its engine's entry; a bad one is counted. */
  private adopt<T>(
    message: { session: string; engineId: string; data: string },
    parse: (data: string) => Parsed<T>,
    keep: (entry: EngineEntry, value: T) => void,
  ): boolean {
    if (message.session !== this.current) return false
    const parsed = parse(message.data)
    if (parsed.ok) keep(this.engine(message.engineId), parsed.value)
    else this.reject(1, parsed.error)
    return true
  }

  /** The page's socket records; false when they belong to another page load. */
  socketRecords(message: Inbound<'socket'>): boolean {
    if (message.session !== this.current) return false
    const { rejected, error } = this.socket.ingest(message.data, message.snapshot, message.dropped)
    if (rejected > 0) this.reject(rejected, error)
    return true
  }

  /** The page's simulated faults; false when they belong to another page load. */
  faults(message: Inbound<'faults'>): boolean {
    if (message.session !== this.current) return false
    this.socket.setFaults(message.records)
    return true
  }

  /** Ask the page for its socket records as they come, or stop. */
  watchSocket(on: boolean): void {
    this.transport.send({ type: 'watch-socket', on })
  }

  /** Ask the page for an engine's queries as they change, or stop. */
  watchQueries(engineId: string, on: boolean): void {
    this.transport.send({ type: 'watch-queries', engineId, on })
  }

  disconnected(): void {
    this.status = 'page-disconnected'
  }

  /**
   * A message of ours in another protocol version reached the panel (panel-connection.ts);
   * false when that version is already known.
   */
  noteForeignVersion(pageVersion: number): boolean {
    if (this.mismatch?.page === pageVersion) return false
    this.mismatch = { page: pageVersion, panel: PROTOCOL_VERSION }
    return true
  }

  /** False when already so. */
  setPaused(paused: boolean): boolean {
    if (paused === this.pausedNow) return false
    this.pausedNow = paused
    if (paused) this.transport.send({ type: 'pause' })
    else {
      this.transport.send({
        type: 'resume',
        session: this.current,
        since: this.engines.since(this.current),
      })
    }
    return true
  }

  /** Clears the engine's ring in the page, and the panel's view of it. */
  clearRing(entry: EngineEntry): void {
    this.transport.send({ type: 'clear', engineId: entry.info.id })
    entry.log.clearView()
  }

  reject(count: number, reason: string | undefined): void {
    this.rejectedCount += count
    if (reason !== undefined) this.lastRejection = reason.slice(0, MAX_REASON_CHARS)
  }

  clearRejects(): void {
    this.rejectedCount = 0
    this.lastRejection = undefined
  }

  private sendConnect(session: string | undefined): void {
    this.transport.send({
      type: 'connect',
      session,
      since: session === undefined ? {} : this.engines.since(this.current),
    })
    // A reconnect restarts streaming in the bridge: keep it paused if the user paused.
    if (this.pausedNow) this.transport.send({ type: 'pause' })
  }

  /** The entry of `id`, created on first sight and tied to this page load. */
  private engine(id: string): EngineEntry {
    const known = this.engines.get(id)
    if (known !== undefined) return known
    const entry = this.engines.add(id)
    if (this.current !== undefined) entry.log.startSession(this.current)
    this.markReload(entry)
    return entry
  }

  private markReload(entry: EngineEntry): void {
    const reload = this.reload
    if (reload === undefined || reload.session !== this.current) return
    if (entry.markedReload === reload.session) return
    entry.markedReload = reload.session
    entry.log.addMarker('reload', reload.at, reload.text)
  }
}
