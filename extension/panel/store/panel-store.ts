/**
 * The panel's state, framework-agnostic (React reads it through useSyncExternalStore): fed by a
 * PanelTransport, timed by an injected scheduler, unit-tested without a DOM.
 *
 * Protocol duties (bridge/protocol.ts, bridge/page-bridge.ts):
 *   - `page-requested` → `connect { session, since: { engineId: last seq held } }`;
 *   - `page-hello` of a new session → a "Page reloaded" marker, the log cleared unless Preserve
 *     log is on, and (after a reload with the panel open) `connect` for the new session; a hello
 *     of the session already streamed is the bridge answering our connect: no reply (no loop);
 *   - `events` → validated, seq continuity checked per (session, engine) (engine-log.ts);
 *   - pause / resume (resume asks for the ring's events since the last one held: nothing lost).
 *
 * Ingest is cheap and notifications are throttled on the leading edge: a batch after a quiet
 * `notifyMs` notifies at once; batches within `notifyMs` of the last notification share one
 * notification at the end of that window. So while events stream, listeners hear about once per
 * `notifyMs` (100k events/s do not re-render per message; never more than twice in a window),
 * and a lone batch is not held back. User actions notify at once.
 */
import type { EngineInfo, ToPage } from '../../../bridge/protocol'
import { TUNABLE_OPTIONS } from '../../../bridge/protocol'
import type { Scheduler } from '../../../src/scheduler'
import type { ChannelState, MinuteMetrics, SyncEvent, SyncEventKind } from '../../../src/types'
import {
  buildExport,
  type ExportFile,
  type ExportInput,
  exportFileName,
  parseExport,
  serializeExport,
} from '../../shared/export-format'
import type { ValidEngineConfig, ValidEngineState } from '../../shared/sync-event-schema'
import type { PanelInbound, PanelTransport } from '../panel-connection'
import { DEFAULT_MAX_EVENTS, EngineLog } from './engine-log'
import { FilteredView } from './filtered-view'
import { isFiltering, type LogFilters, NO_FILTERS } from './filters'
import { parseEngineState, parseEventBatch } from './inbound'
import { EMPTY_ROWS } from './row-deque'
import type { EventRow, LogRow, RowList } from './rows'
import { decisionTrail, type TrailStep } from './trail'

export type TunableName = (typeof TUNABLE_OPTIONS)[number]
export type ConnectionStatus = 'connecting' | 'connected' | 'page-disconnected'

export interface EngineSummary {
  id: string
  name: string
  version: string
  /** In the page's latest hello (false: kept only for its preserved rows). */
  live: boolean
}

export interface CommandStatus {
  requestId: number
  engineId: string
  name: TunableName
  value: number
  state: 'pending' | 'ok' | 'error'
  error?: string
}

/** The engine the log, metrics, channels and config tabs show. */
export interface ActiveEngine {
  id: string
  name: string
  version: string
  config?: ValidEngineConfig
  channels: readonly ChannelState[]
  metrics: readonly MinuteMetrics[]
  /** Events that fell off the engine's ring since it started (engine-state). */
  ringDropped: number
  /** Events the panel holds for it. */
  held: number
  /** Oldest events the panel let go of (its own cap). */
  capDropped: number
  gaps: number
  gapMissing: number
  ringMissing: number
}

export interface ImportedInfo {
  fileName: string
  url: string
  title: string
  exportedAt: string
  events: number
}

export interface PanelSnapshot {
  /** Increases with every notification. */
  version: number
  /** The store's clock when this snapshot was built (for "current minute" checks). */
  builtAt: number
  mode: 'live' | 'imported'
  connection: ConnectionStatus
  /** The inspected page, from its latest hello. */
  page?: { url: string; title: string }
  session?: string
  engines: readonly EngineSummary[]
  selectedEngineId?: string
  engine?: ActiveEngine
  /** The log's rows after the filters, oldest first. */
  rows: RowList
  /** All rows held for the active engine (before filters). */
  totalRows: number
  filtering: boolean
  filters: LogFilters
  /** Filter values found in the held events. */
  tables: readonly string[]
  orgs: readonly string[]
  selected?: LogRow
  /** The selected row is held but hidden by the filters. */
  selectedHidden: boolean
  paused: boolean
  preserveLog: boolean
  /** Events (or batches) that failed validation: never rendered. */
  rejected: number
  rejectedReason?: string
  commands: Readonly<Partial<Record<TunableName, CommandStatus>>>
  imported?: ImportedInfo
  importError?: string
  maxEventsPerEngine: number
}

export interface PanelStoreOptions {
  transport: PanelTransport
  scheduler: Scheduler
  /** Events held per engine; the oldest go first (default 200,000). */
  maxEventsPerEngine?: number
  /**
   * The notification throttle's window (default 16 ms: a frame): while events stream, about one
   * notification per window; an ingested batch waits at most this long, and not at all after a
   * quiet window.
   */
  notifyMs?: number
}

export interface ExportResult {
  fileName: string
  text: string
  file: ExportFile
}

interface EngineEntry {
  info: EngineInfo
  live: boolean
  log: EngineLog
  state?: ValidEngineState
  /** The page load whose reload marker this log already shows. */
  markedReload?: string
}

/** A reload seen by the panel: engines of that page load show it as their first row. */
interface ReloadMarker {
  session: string
  at: number
  text: string
}

interface ImportedLog {
  info: ImportedInfo
  file: ExportFile
  log: EngineLog
}

/** Used in an export when the engine never sent its state (it always does before events). */
const UNKNOWN_CONFIG: ValidEngineConfig = {
  dedupWindowMs: 0,
  echoWindowMs: 0,
  batchMs: 0,
  bufferSize: 0,
}

const MAX_OPTION_VALUE = 1_000_000

export class PanelStore {
  private readonly transport: PanelTransport
  private readonly scheduler: Scheduler
  private readonly maxEvents: number
  private readonly notifyMs: number
  private readonly listeners = new Set<() => void>()
  private readonly unsubscribeTransport: () => void
  private notifyTimer: unknown
  /** The store's clock at the last notification, and at the last ingest: see changed(). */
  private notifiedAt = Number.NEGATIVE_INFINITY
  private changedAt = Number.NEGATIVE_INFINITY
  private version = 0
  private snapshot: PanelSnapshot
  private rowIds = 0
  private readonly nextRowId = () => ++this.rowIds

  private session: string | undefined
  private reload: ReloadMarker | undefined
  private page: { url: string; title: string } | undefined
  private connection: ConnectionStatus = 'connecting'
  private readonly engines = new Map<string, EngineEntry>()
  private selectedEngineId: string | undefined
  private paused = false
  private preserveLog = false
  private filters: LogFilters = NO_FILTERS
  private selected: LogRow | undefined
  private rejected = 0
  private rejectedReason: string | undefined
  private readonly commands = new Map<number, CommandStatus>()
  private latestCommand: Partial<Record<TunableName, CommandStatus>> = {}
  private nextRequestId = 1
  private imported: ImportedLog | undefined
  private importError: string | undefined
  private readonly filteredView = new FilteredView()
  private valuesCache: { log: EngineLog; key: string; tables: string[]; orgs: string[] } | undefined
  private enginesCache: EngineSummary[] | undefined

  constructor(options: PanelStoreOptions) {
    this.transport = options.transport
    this.scheduler = options.scheduler
    this.maxEvents = options.maxEventsPerEngine ?? DEFAULT_MAX_EVENTS
    this.notifyMs = options.notifyMs ?? 16
    this.snapshot = this.buildSnapshot()
    this.unsubscribeTransport = this.transport.subscribe((message) => this.receive(message))
  }

  // ─── useSyncExternalStore ─────────────────────────────────────────────────────────────────

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  getSnapshot = (): PanelSnapshot => this.snapshot

  dispose(): void {
    this.unsubscribeTransport()
    if (this.notifyTimer !== undefined) this.scheduler.clearTimeout(this.notifyTimer)
    this.notifyTimer = undefined
    this.listeners.clear()
  }

  // ─── inbound ──────────────────────────────────────────────────────────────────────────────

  /** One message from the transport. Never throws. */
  receive(message: PanelInbound): void {
    try {
      this.handle(message)
    } catch (error) {
      // A bug here must not kill the panel's message loop: count it like a bad message.
      this.reject(1, `the panel failed on a ${message.type} message: ${String(error)}`)
      this.changed()
    }
  }

  private handle(message: PanelInbound): void {
    switch (message.type) {
      case 'page-requested':
        this.sendConnect(this.session)
        return
      case 'page-hello':
        this.hello(message)
        return
      case 'events':
        this.events(message)
        return
      case 'engine-state':
        this.engineState(message)
        return
      case 'command-result': {
        const command = this.commands.get(message.requestId)
        if (command === undefined) return
        this.commands.delete(message.requestId)
        const done: CommandStatus = {
          ...command,
          state: message.ok ? 'ok' : 'error',
          error: message.ok ? undefined : (message.error ?? 'the page refused the option'),
        }
        if (this.latestCommand[command.name]?.requestId === command.requestId) {
          this.latestCommand = { ...this.latestCommand, [command.name]: done }
        }
        this.emit()
        return
      }
      case 'page-disconnected':
        this.connection = 'page-disconnected'
        this.emit()
        return
    }
  }

  private sendConnect(session: string | undefined): void {
    this.transport.send({
      type: 'connect',
      session,
      since: session === undefined ? {} : this.since(),
    })
    // A reconnect restarts streaming in the bridge: keep it paused if the user paused.
    if (this.paused) this.transport.send({ type: 'pause' })
  }

  /** engineId → newest seq held of the current session (for connect / resume). */
  private since(): Record<string, number> {
    const since: Record<string, number> = {}
    let n = 0
    for (const [id, entry] of this.engines) {
      if (entry.log.session !== this.session || entry.log.lastSeq === 0) continue
      if (id.length === 0 || id.length > 200 || n++ >= 100) continue
      since[id] = entry.log.lastSeq
    }
    return since
  }

  private hello(message: Extract<PanelInbound, { type: 'page-hello' }>): void {
    const previous = this.session
    const isNew = message.session !== previous
    this.connection = 'connected'
    this.page = { url: message.url, title: message.title }
    const inHello = new Set(message.engines.map((engine) => engine.id))
    if (isNew) {
      this.session = message.session
      if (previous !== undefined && !this.preserveLog) {
        for (const [id, entry] of this.engines) {
          if (!inHello.has(id)) this.engines.delete(id)
          else entry.log.clearView()
        }
        if (this.imported === undefined) this.selected = undefined
      }
      for (const entry of this.engines.values()) entry.log.startSession(message.session)
    }
    for (const info of message.engines) {
      const entry = this.ensureEngine(info.id)
      entry.info = info
      entry.live = true
    }
    for (const [id, entry] of this.engines) {
      if (inHello.has(id)) continue
      entry.live = false
      if (entry.log.heldEvents === 0) this.engines.delete(id)
    }
    if (isNew && previous !== undefined) {
      // The new page's first hello usually lists no engine yet (they register moments later):
      // remember the reload and show it in every engine's log of this page load.
      this.reload = {
        session: message.session,
        at: this.scheduler.now(),
        text: `Page reloaded / navigated to ${message.url}`,
      }
    }
    for (const entry of this.engines.values()) this.markReload(entry)
    this.fixSelectedEngine()
    this.enginesCache = undefined
    // The bridge's own hello after a reload: it streams nothing until asked.
    if (isNew && previous !== undefined) this.sendConnect(message.session)
    this.emit()
  }

  private events(message: Extract<PanelInbound, { type: 'events' }>): void {
    // A batch of another page load (in flight during a reload) or arriving while paused: the
    // ring keeps it, and connect / resume asks for it again.
    if (message.session !== this.session || this.paused) return
    const entry = this.ensureEngine(message.engineId)
    const parsed = parseEventBatch(message.data)
    if (parsed.rejected > 0) this.reject(parsed.rejected, parsed.error)
    const ring = { bufferSize: entry.state?.config.bufferSize, dropped: entry.state?.dropped }
    if (parsed.events.length > 0) {
      entry.log.ingest(parsed.events, { snapshot: message.snapshot, ring })
    } else if (message.snapshot && parsed.rejected === 0 && entry.state !== undefined) {
      entry.log.noteEmptySnapshot(entry.state.lastSeq, this.scheduler.now(), ring)
    }
    this.changed()
  }

  private engineState(message: Extract<PanelInbound, { type: 'engine-state' }>): void {
    if (message.session !== this.session) return
    const parsed = parseEngineState(message.data)
    if (!parsed.ok) {
      this.reject(1, parsed.error)
      this.changed()
      return
    }
    this.ensureEngine(message.engineId).state = parsed.state
    this.changed()
  }

  private markReload(entry: EngineEntry): void {
    const reload = this.reload
    if (reload === undefined || reload.session !== this.session) return
    if (entry.markedReload === reload.session) return
    entry.markedReload = reload.session
    entry.log.addMarker('reload', reload.at, reload.text)
  }

  private ensureEngine(id: string): EngineEntry {
    let entry = this.engines.get(id)
    if (entry === undefined) {
      entry = {
        info: { id, name: id, version: '' },
        live: true,
        log: new EngineLog(id, this.nextRowId, this.maxEvents),
      }
      if (this.session !== undefined) entry.log.startSession(this.session)
      this.markReload(entry)
      this.engines.set(id, entry)
      this.enginesCache = undefined
      this.fixSelectedEngine()
    }
    return entry
  }

  private fixSelectedEngine(): void {
    if (this.selectedEngineId !== undefined && this.engines.has(this.selectedEngineId)) return
    const first =
      [...this.engines.values()].find((entry) => entry.live) ?? this.engines.values().next().value
    this.selectedEngineId = first?.info.id
    // An imported log keeps its selection: it does not depend on the live engines.
    if (this.imported === undefined) this.selected = undefined
  }

  private reject(count: number, reason: string | undefined): void {
    this.rejected += count
    if (reason !== undefined) this.rejectedReason = reason.slice(0, 500)
  }

  // ─── actions ──────────────────────────────────────────────────────────────────────────────

  selectEngine(id: string): void {
    if (!this.engines.has(id) || id === this.selectedEngineId) return
    this.selectedEngineId = id
    this.selected = undefined
    this.emit()
  }

  setPaused(paused: boolean): void {
    if (paused === this.paused || this.imported !== undefined) return
    this.paused = paused
    if (paused) this.transport.send({ type: 'pause' })
    else this.transport.send({ type: 'resume', session: this.session, since: this.since() })
    this.emit()
  }

  /** The panel's Clear (like the Network panel's): the view only; seq baselines are kept. */
  clear(): void {
    if (this.imported !== undefined) return
    for (const entry of this.engines.values()) entry.log.clearView()
    this.selected = undefined
    this.rejected = 0
    this.rejectedReason = undefined
    this.emit()
  }

  /** Clears the selected engine's ring in the page too (and the panel's view of it). */
  clearEngineBuffer(): void {
    const entry = this.activeEntry()
    if (entry === undefined || this.imported !== undefined) return
    this.transport.send({ type: 'clear', engineId: entry.info.id })
    entry.log.clearView()
    this.selected = undefined
    this.emit()
  }

  setPreserveLog(preserve: boolean): void {
    this.preserveLog = preserve
    this.emit()
  }

  setFilters(filters: Partial<LogFilters>): void {
    this.filters = { ...this.filters, ...filters }
    this.emit()
  }

  setFilterText(text: string): void {
    this.setFilters({ text })
  }

  toggleKind(kind: SyncEventKind): void {
    const kinds = this.filters.kinds.includes(kind)
      ? this.filters.kinds.filter((k) => k !== kind)
      : [...this.filters.kinds, kind]
    this.setFilters({ kinds })
  }

  clearFilters(): void {
    this.filters = NO_FILTERS
    this.emit()
  }

  select(row: LogRow | undefined): void {
    if (row === this.selected) return
    this.selected = row
    this.emit()
  }

  /** Selects the event `seq` of the selected row's page session; false when not held. */
  selectSeq(seq: number): boolean {
    const log = this.activeLog()
    if (log === undefined) return false
    const session = this.selected?.type === 'event' ? this.selected.session : log.session
    const row = log.find(session, seq)
    if (row === undefined) return false
    this.select(row)
    return true
  }

  /** Whether a trail link from `row` to `seq` leads to a row the panel holds. */
  canSelectSeq(row: EventRow, seq: number): boolean {
    return this.logOf(row)?.find(row.session, seq) !== undefined
  }

  /** Keyboard navigation in the filtered log: -1 up, +1 down; Home/End with ±Infinity. */
  moveSelection(delta: number): void {
    const rows = this.snapshot.rows
    if (rows.length === 0) return
    const current = this.selected === undefined ? -1 : rows.indexOfId(this.selected.id)
    let index: number
    if (current === -1) index = delta > 0 ? 0 : rows.length - 1
    else index = Math.min(rows.length - 1, Math.max(0, current + delta))
    if (!Number.isFinite(delta)) index = delta > 0 ? rows.length - 1 : 0
    this.select(rows.at(index))
  }

  /** Sends `set-option` for the selected engine; the result arrives as a command-result. */
  setOption(
    name: TunableName,
    value: number,
  ): { ok: true; requestId: number } | { ok: false; error: string } {
    const entry = this.activeEntry()
    const fail = (error: string) => {
      const status: CommandStatus = {
        requestId: 0,
        engineId: entry?.info.id ?? '',
        name,
        value,
        state: 'error',
        error,
      }
      this.latestCommand = { ...this.latestCommand, [name]: status }
      this.emit()
      return { ok: false as const, error }
    }
    if (entry === undefined || this.imported !== undefined) return fail('no live engine selected')
    if (!TUNABLE_OPTIONS.includes(name)) return fail(`unknown option ${String(name)}`)
    if (!Number.isInteger(value) || value < 0 || value > MAX_OPTION_VALUE) {
      return fail(
        `${name} must be a whole number from 0 to ${MAX_OPTION_VALUE.toLocaleString('en-US')}`,
      )
    }
    const requestId = this.nextRequestId++
    const status: CommandStatus = {
      requestId,
      engineId: entry.info.id,
      name,
      value,
      state: 'pending',
    }
    this.commands.set(requestId, status)
    this.latestCommand = { ...this.latestCommand, [name]: status }
    const message: ToPage = { type: 'set-option', requestId, engineId: entry.info.id, name, value }
    this.transport.send(message)
    this.emit()
    return { ok: true, requestId }
  }

  /** The decision trail of an event row, with links resolved in its own page session. */
  trail(row: EventRow): TrailStep[] {
    const log = this.logOf(row)
    return decisionTrail(row, {
      find: (seq) => log?.find(row.session, seq),
      echoesOf: (seq) => log?.echoesOf(row.session, seq) ?? [],
    })
  }

  // ─── export / import ──────────────────────────────────────────────────────────────────────

  /**
   * The export of the active engine: every event held for it (`filtered`: only the rows the
   * filters show). Redacted unless `redact` is false.
   */
  exportLog(options: { redact?: boolean; filtered?: boolean } = {}): ExportResult | undefined {
    const log = this.activeLog()
    if (log === undefined) return undefined
    let events: SyncEvent[]
    if (options.filtered) {
      events = []
      const rows = this.snapshot.rows
      for (let i = 0; i < rows.length; i++) {
        const row = rows.at(i)!
        if (row.type === 'event') events.push(row.event)
      }
    } else {
      events = log.events()
    }
    const now = this.scheduler.now()
    const file = buildExport({ ...this.exportHeader(), events, now, redact: options.redact })
    return { fileName: exportFileName(file.engine.name, now), text: serializeExport(file), file }
  }

  /** Page, engine, dropped and metrics of what the panel shows: the page's, or the file's. */
  private exportHeader(): Pick<ExportInput, 'page' | 'engine' | 'dropped' | 'metrics'> {
    if (this.imported !== undefined) {
      const { page, engine, dropped, metrics } = this.imported.file
      return { page, engine, dropped, metrics }
    }
    const entry = this.activeEntry()
    return {
      page: this.page ?? { url: '', title: '' },
      engine: {
        name: entry?.info.name ?? '',
        version: entry?.info.version ?? '',
        config: entry?.state?.config ?? UNKNOWN_CONFIG,
      },
      dropped: entry?.state?.dropped ?? 0,
      metrics: entry?.state?.metrics ?? [],
    }
  }

  /**
   * Shows an exported log read-only (the live log keeps streaming behind it). On failure the
   * state is unchanged except for the error message.
   */
  importText(fileName: string, text: string): { ok: true } | { ok: false; error: string } {
    const result = parseExport(text)
    if (!result.ok) return this.importFailed(fileName, result.error)
    const { file } = result
    const log = new EngineLog(
      `imported:${file.engine.name}`,
      this.nextRowId,
      Math.max(this.maxEvents, file.events.length),
    )
    log.startSession('import', (file.events[0]?.seq ?? 1) - 1)
    log.ingest(file.events, { snapshot: false, restartOnBackwards: true })
    this.imported = {
      file,
      log,
      info: {
        fileName,
        url: file.page.url,
        title: file.page.title,
        exportedAt: file.exportedAt,
        events: file.events.length,
      },
    }
    this.importError = undefined
    this.selected = undefined
    this.emit()
    return { ok: true }
  }

  /** A file the panel could not read (too large, unreadable): reported like a bad import. */
  importFailed(fileName: string, error: string): { ok: false; error: string } {
    this.importError = `Import of ${fileName} failed: ${error}. Nothing was changed.`
    this.emit()
    return { ok: false, error }
  }

  dismissImportError(): void {
    this.importError = undefined
    this.emit()
  }

  closeImport(): void {
    if (this.imported === undefined) return
    this.imported = undefined
    this.selected = undefined
    this.emit()
  }

  // ─── snapshot ─────────────────────────────────────────────────────────────────────────────

  private activeEntry(): EngineEntry | undefined {
    return this.selectedEngineId === undefined ? undefined : this.engines.get(this.selectedEngineId)
  }

  private activeLog(): EngineLog | undefined {
    return this.imported?.log ?? this.activeEntry()?.log
  }

  private logOf(row: EventRow): EngineLog | undefined {
    if (this.imported !== undefined && this.imported.log.engineId === row.engineId) {
      return this.imported.log
    }
    return this.engines.get(row.engineId)?.log
  }

  /**
   * Ingest happened. Leading-edge throttle: notify now if the last notification is at least
   * notifyMs old, or if nothing was ingested for notifyMs; otherwise one notification at the end
   * of the window that started with the last notification, however many batches arrive meanwhile
   * (the timer is never restarted, so no batch waits longer than notifyMs).
   *
   * The quiet test matters: batches come once per bridge flush, itself at most one per 16 ms.
   * Held back once (a batch a little early), the next notification is late, and by the last one
   * alone every later batch would land inside the window again and wait, phase-locked, about half
   * a window each. Under sustained load nothing is quiet: one notification per notifyMs.
   */
  private changed(): void {
    const now = this.scheduler.now()
    const quiet = now - this.changedAt >= this.notifyMs
    this.changedAt = now
    if (this.notifyTimer !== undefined) return
    const wait = this.notifiedAt + this.notifyMs - now
    if (quiet || wait <= 0) {
      this.emit()
      return
    }
    this.notifyTimer = this.scheduler.setTimeout(() => {
      this.notifyTimer = undefined
      this.emit()
    }, wait)
  }

  /** Rebuilds the snapshot and notifies now. */
  private emit(): void {
    if (this.notifyTimer !== undefined) {
      this.scheduler.clearTimeout(this.notifyTimer)
      this.notifyTimer = undefined
    }
    this.notifiedAt = this.scheduler.now()
    this.snapshot = this.buildSnapshot()
    for (const listener of [...this.listeners]) listener()
  }

  private filterValues(log: EngineLog): { tables: string[]; orgs: string[] } {
    const key = `${log.generation}:${log.tables.size}:${log.orgs.size}`
    if (this.valuesCache?.log === log && this.valuesCache.key === key) return this.valuesCache
    const sort = (values: Set<string>) => [...values].sort((a, b) => a.localeCompare(b))
    this.valuesCache = { log, key, tables: sort(log.tables), orgs: sort(log.orgs) }
    return this.valuesCache
  }

  private engineSummaries(): EngineSummary[] {
    this.enginesCache ??= [...this.engines.values()].map((entry) => ({
      id: entry.info.id,
      name: entry.info.name,
      version: entry.info.version,
      live: entry.live,
    }))
    return this.enginesCache
  }

  private buildSnapshot(): PanelSnapshot {
    const imported = this.imported
    const entry = this.activeEntry()
    const log = this.activeLog()
    let engine: ActiveEngine | undefined
    if (imported !== undefined) {
      const { file } = imported
      engine = {
        id: imported.log.engineId,
        name: file.engine.name,
        version: file.engine.version,
        config: file.engine.config,
        channels: [],
        metrics: file.metrics,
        ringDropped: file.dropped,
        ...logCounts(imported.log),
      }
    } else if (entry !== undefined) {
      engine = {
        id: entry.info.id,
        name: entry.info.name,
        version: entry.info.version,
        config: entry.state?.config,
        channels: entry.state?.channels ?? [],
        metrics: entry.state?.metrics ?? [],
        ringDropped: entry.state?.dropped ?? 0,
        ...logCounts(entry.log),
      }
    }
    const rows = log === undefined ? EMPTY_ROWS : this.filteredView.rows(log, this.filters)
    const values = log === undefined ? { tables: [], orgs: [] } : this.filterValues(log)
    const selected = this.selected
    return {
      version: ++this.version,
      builtAt: this.scheduler.now(),
      mode: imported === undefined ? 'live' : 'imported',
      connection: this.connection,
      page: this.page,
      session: this.session,
      engines: this.engineSummaries(),
      selectedEngineId: this.selectedEngineId,
      engine,
      rows,
      totalRows: log?.rows.length ?? 0,
      filtering: isFiltering(this.filters),
      filters: this.filters,
      tables: values.tables,
      orgs: values.orgs,
      selected,
      selectedHidden: selected !== undefined && rows.indexOfId(selected.id) === -1,
      paused: this.paused,
      preserveLog: this.preserveLog,
      rejected: this.rejected,
      rejectedReason: this.rejectedReason,
      commands: this.latestCommand,
      imported: imported?.info,
      importError: this.importError,
      maxEventsPerEngine: this.maxEvents,
    }
  }
}

function logCounts(log: EngineLog) {
  return {
    held: log.heldEvents,
    capDropped: log.capDropped,
    gaps: log.gaps,
    gapMissing: log.gapMissing,
    ringMissing: log.ringMissing,
  }
}

export function createPanelStore(options: PanelStoreOptions): PanelStore {
  return new PanelStore(options)
}
