/**
 * The panel's state, framework-agnostic (React reads it through useSyncExternalStore): fed by a
 * PanelTransport, timed by an injected scheduler, unit-tested without a DOM.
 *
 * A map of this folder, from the facade down:
 *
 *   panel-store.ts     PanelStore: the one object components talk to; it routes each message
 *                      and action to the part below that owns it, and applies the rules that
 *                      span two parts (a reload settles pending commands; a new log drops the
 *                      selected row)
 *   page-session.ts    the inspected page: its page load (session), hello, connect / since,
 *                      pause / resume, reload markers, and the events and states it sends
 *   engine-list.ts     the engines met so far, which one the tabs show, the picker's summaries
 *   engine-log.ts      one engine's rows, seq continuity (gaps, ring losses), the panel's cap
 *   log-view.ts        what the user looks at: filters, filtered rows, menus, the selected row
 *     filtered-view.ts   the filtered rows, kept incrementally
 *     filters.ts         the filter predicate and the search text of a row
 *   option-commands.ts set-option: checked against src/options.ts, pending until answered,
 *                      timed out, or cut off by a reload or a disconnect
 *   import-export.ts   the imported file shown instead of the page, and the export file
 *   notifier.ts        listeners and the leading-edge notification throttle
 *   snapshot.ts        PanelSnapshot and the function that builds it from the parts
 *   rows.ts            the row types, and the read-only list the views read
 *   row-columns.ts     an engine log's rows in columns (change-columns.ts: a change's)
 *   trail.ts           the decision trail of one event, as sentences
 *   metrics.ts         per-minute metrics for the charts, and the tuning warnings
 *   format.ts          small text formatters (times, counts, plurals)
 */
import { errorMessage } from '../../../src/error-message'
import type { TunableName } from '../../../src/options'
import type { Scheduler } from '../../../src/scheduler'
import type { SyncEventKind } from '../../../src/types'
import type { PanelInbound, PanelTransport } from '../panel-connection'
import { DEFAULT_MAX_EVENTS, EngineLog } from './engine-log'
import { EngineList } from './engine-list'
import type { LogFilters } from './filters'
import {
  exportLog,
  exportLogPieces,
  type ExportOptions,
  type ExportResult,
  importedHeader,
  type ImportResult,
  ImportSlot,
  liveHeader,
} from './import-export'
import { LogView } from './log-view'
import { DEFAULT_NOTIFY_MS, Notifier } from './notifier'
import { type FaultAsk, type FaultCommandStatus, FaultCommands } from './fault-commands'
import { OptionCommands, type SendResult } from './option-commands'
import { PageSession } from './page-session'
import { type QueryActionStatus, QueryActions } from './query-actions'
import type { QueryAction } from '../../../bridge/query-actions'
import { type HistoryItem, queryHistory } from './query-history'
import type { EventRow, LogRow } from './rows'
import { buildSnapshot, type PanelSnapshot } from './snapshot'
import { decisionTrail, type TrailStep } from './trail'

export type { TunableName } from '../../../src/options'
export type { EngineSummary } from './engine-list'
export type { ExportResult, ImportedInfo } from './import-export'
export type { CommandStatus } from './option-commands'
export type { ConnectionStatus, RegistryMismatch, VersionMismatch } from './page-session'
export type { ActiveEngine, PanelSnapshot } from './snapshot'

export interface PanelStoreOptions {
  transport: PanelTransport
  scheduler: Scheduler
  /** Events held per engine; the oldest go first (default 200,000). */
  maxEventsPerEngine?: number
  /** The user picked another cap (main.tsx keeps it for the next time DevTools opens). */
  onMaxEvents?: (maxEvents: number) => void
  /**
   * The notification throttle's window (default 16 ms: a frame): while events stream, about one
   * notification per window; an ingested batch waits at most this long, and not at all after a
   * quiet window.
   */
  notifyMs?: number
}

/** Why a pending set-option will never be answered, for the Config tab. */
const RELOADED_BEFORE_ANSWER =
  "the page reloaded before answering: the new page's engine starts with the options in its code"
const DISCONNECTED_BEFORE_ANSWER =
  'the page disconnected before answering (a reload, a navigation or a closed tab)'

export class PanelStore {
  private readonly scheduler: Scheduler
  private maxEvents: number
  private readonly onMaxEvents: ((maxEvents: number) => void) | undefined
  private readonly engines: EngineList
  private readonly page: PageSession
  private readonly commands: OptionCommands
  private readonly queryActionsOf: QueryActions
  private readonly faultCommands: FaultCommands
  private readonly view = new LogView()
  private readonly imports: ImportSlot
  private readonly notifier: Notifier
  private readonly unsubscribeTransport: () => void
  private version = 0
  /** The Queries tab is open: the active engine's queries are watched. */
  private queriesWatched = false
  /** Views that show the page's socket records (Socket, Writes, the writes banner). */
  private socketWatchers = 0
  private snapshot: PanelSnapshot

  constructor(options: PanelStoreOptions) {
    const { transport, scheduler } = options
    this.scheduler = scheduler
    this.maxEvents = options.maxEventsPerEngine ?? DEFAULT_MAX_EVENTS
    this.onMaxEvents = options.onMaxEvents
    // One counter for every log, imported ones too: row ids are panel-unique.
    let rowIds = 0
    const nextRowId = () => ++rowIds
    this.engines = new EngineList({
      createLog: (id) => new EngineLog(id, nextRowId, this.maxEvents),
      onActiveEngineReplaced: () => this.forgetLiveSelection(),
    })
    this.page = new PageSession(transport, scheduler, this.engines)
    // One request id per command, whichever part sends it: command-result answers them all.
    let requestIds = 0
    const nextRequestId = () => ++requestIds
    this.commands = new OptionCommands(
      transport,
      scheduler,
      () => this.notifier.now(),
      nextRequestId,
    )
    this.faultCommands = new FaultCommands(transport, scheduler, nextRequestId, () =>
      this.notifier.now(),
    )
    this.queryActionsOf = new QueryActions(
      transport,
      scheduler,
      () => this.notifier.now(),
      nextRequestId,
    )
    this.imports = new ImportSlot((id, capacity) => new EngineLog(id, nextRowId, capacity))
    this.notifier = new Notifier(scheduler, options.notifyMs ?? DEFAULT_NOTIFY_MS, () => {
      this.snapshot = this.buildSnapshot()
    })
    this.snapshot = this.buildSnapshot()
    // Through `this.receive`, not a bound copy: benchmarks wrap it on the instance.
    this.unsubscribeTransport = transport.subscribe((message) => this.receive(message))
  }

  // ─── useSyncExternalStore ─────────────────────────────────────────────────────────────────

  subscribe = (listener: () => void): (() => void) => this.notifier.subscribe(listener)

  getSnapshot = (): PanelSnapshot => this.snapshot

  dispose(): void {
    this.unsubscribeTransport()
    this.commands.dispose()
    this.queryActionsOf.dispose()
    this.faultCommands.dispose()
    this.notifier.dispose()
  }

  // ─── inbound ──────────────────────────────────────────────────────────────────────────────

  /** One message from the transport. Never throws. */
  receive(message: PanelInbound): void {
    try {
      this.handle(message)
    } catch (error) {
      // A bug here must not kill the panel's message loop: count it like a bad message.
      this.page.reject(1, `the panel failed on a ${message.type} message: ${errorMessage(error)}`)
      this.notifier.changed()
    }
  }

  private handle(message: PanelInbound): void {
    switch (message.type) {
      case 'page-requested':
        this.page.requested()
        return
      case 'page-hello': {
        const outcome = this.page.hello(message)
        if (outcome.rowsReplaced) this.forgetLiveSelection()
        if (outcome.newSession) {
          this.commands.failPending(RELOADED_BEFORE_ANSWER)
          this.queryActionsOf.failPending(RELOADED_BEFORE_ANSWER)
          this.faultCommands.failPending(RELOADED_BEFORE_ANSWER)
        }
        // A new page load, or a bridge that reconnected, watches nothing until told.
        if (this.queriesWatched) this.sendWatchQueries(true)
        if (this.socketWatchers > 0) this.page.watchSocket(true)
        this.notifier.now()
        return
      }
      case 'events':
        if (this.page.events(message)) this.notifier.changed()
        return
      case 'engine-state':
        if (this.page.engineState(message)) this.notifier.changed()
        return
      case 'queries':
        if (this.page.queries(message)) this.notifier.changed()
        return
      case 'socket':
        if (this.page.socketRecords(message)) this.notifier.changed()
        return
      case 'command-result':
        if (this.commands.answer(message) || this.faultCommands.answer(message)) this.notifier.now()
        return
      case 'faults':
        if (this.page.faults(message)) this.notifier.changed()
        return
      case 'query-action-result':
        // Only this page load's: an answer from before a reload means nothing to this one.
        if (message.session === this.page.session && this.queryActionsOf.answer(message)) {
          this.notifier.now()
        }
        return
      case 'page-disconnected':
        this.page.disconnected()
        this.commands.failPending(DISCONNECTED_BEFORE_ANSWER)
        this.queryActionsOf.failPending(DISCONNECTED_BEFORE_ANSWER)
        this.faultCommands.failPending(DISCONNECTED_BEFORE_ANSWER)
        this.notifier.now()
        return
      case 'version-mismatch':
        if (this.page.noteForeignVersion(message.pageVersion)) this.notifier.now()
        return
    }
  }

  // ─── actions ──────────────────────────────────────────────────────────────────────────────

  selectEngine(id: string): void {
    const before = this.engines.active()?.info.id
    if (!this.engines.select(id)) return
    if (this.queriesWatched) {
      if (before !== undefined) this.page.watchQueries(before, false)
      this.sendWatchQueries(true)
    }
    this.view.select(undefined)
    this.notifier.now()
  }

  setPaused(paused: boolean): void {
    if (this.imports.active !== undefined || !this.page.setPaused(paused)) return
    this.notifier.now()
  }

  /** The panel's Clear (like the Network panel's): the view only; seq baselines are kept. */
  clear(): void {
    if (this.imports.active !== undefined) return
    this.engines.clearViews()
    this.view.select(undefined)
    this.page.clearRejects()
    this.notifier.now()
  }

  /** Clears the selected engine's ring in the page too (and the panel's view of it). */
  clearEngineBuffer(): void {
    const entry = this.engines.active()
    if (entry === undefined || this.imports.active !== undefined) return
    this.page.clearRing(entry)
    this.view.select(undefined)
    this.notifier.now()
  }

  setPreserveLog(preserve: boolean): void {
    this.page.preserveLog = preserve
    this.notifier.now()
  }

  setFilters(filters: Partial<LogFilters>): void {
    this.view.setFilters(filters)
    this.notifier.now()
  }

  setFilterText(text: string): void {
    this.setFilters({ text })
  }

  toggleKind(kind: SyncEventKind): void {
    this.view.toggleKind(kind)
    this.notifier.now()
  }

  clearFilters(): void {
    this.view.clearFilters()
    this.notifier.now()
  }

  select(row: LogRow | undefined): void {
    if (this.view.select(row)) this.notifier.now()
  }

  /** Selects the event `seq` of the selected row's page session; false when not held. */
  selectSeq(seq: number): boolean {
    const log = this.activeLog()
    const row = log === undefined ? undefined : this.view.rowOfSeq(log, seq)
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
    // The rows on screen: those of the last snapshot, not what arrived since.
    const row = this.view.rowAfterMove(this.snapshot.rows, delta)
    if (row !== undefined) this.select(row)
  }

  /** Sends `set-option` for the selected engine; the result arrives as a command-result. */
  setOption(name: TunableName, value: number): SendResult {
    const live = this.imports.active === undefined ? this.engines.active() : undefined
    const result = this.commands.send(live?.info.id, name, value)
    this.notifier.now()
    return result
  }

  /**
   * The Queries tab opened (true) or closed: the page sends the active engine's queries while it
   * is open, at most once a second.
   */
  watchQueries(on: boolean): void {
    if (on === this.queriesWatched) return
    this.queriesWatched = on
    this.sendWatchQueries(on)
  }

  /**
   * A view that shows the page's socket records (and writes) opened (true) or closed: the page
   * streams them while at least one is open. Each true is matched by one false.
   */
  watchSocket(on: boolean): void {
    const before = this.socketWatchers
    this.socketWatchers = Math.max(0, before + (on ? 1 : -1))
    if ((before === 0) !== (this.socketWatchers === 0)) this.page.watchSocket(on)
  }

  /** The store's clock (the page's, in epoch ms), for views that wait on it. */
  now(): number {
    return this.scheduler.now()
  }

  /** Calls `callback` after `ms` on the store's clock; returns the cancel. */
  after(ms: number, callback: () => void): () => void {
    const handle = this.scheduler.setTimeout(callback, ms)
    return () => this.scheduler.clearTimeout(handle)
  }

  private sendWatchQueries(on: boolean): void {
    const entry = this.engines.active()
    if (entry !== undefined && entry.live && this.imports.active === undefined) {
      this.page.watchQueries(entry.info.id, on)
    }
  }

  /** The log rows a delivery frame of the event row `eventId`, arrived `at`, became. */
  rowsOfFrame(eventId: string, at: number): EventRow[] {
    return this.activeLog()?.deliveredRows(eventId, at) ?? []
  }

  /** "Why?" for one query: what each held event of its table meant for it. */
  queryHistory(queryKey: readonly unknown[]): HistoryItem[] {
    const log = this.activeLog()
    return log === undefined ? [] : queryHistory(log, queryKey, this.recordScopesOf(log.engineId))
  }

  /** Refetch, invalidate, reset or remove one query of the page (live only). */
  queryAction(action: QueryAction, queryKey: readonly unknown[]): void {
    if (this.imports.active !== undefined || this.page.connection !== 'connected') return
    this.queryActionsOf.send(action, queryKey)
    this.notifier.now()
  }

  /** The newest action per query key (formatKey), for the Queries tab. */
  queryActions(): Readonly<Record<string, QueryActionStatus>> {
    return this.queryActionsOf.latest
  }

  /**
   * Starts a simulated fault on the page's Realtime sockets (live only): the page answers with
   * command-result, and its `faults` message says what is active.
   */
  startFault(fault: FaultAsk): void {
    if (this.imports.active !== undefined || this.page.connection !== 'connected') return
    this.faultCommands.start(fault)
    this.notifier.now()
  }

  /** Ends the fault `id`, or every active one. */
  endFault(id?: number): void {
    if (this.page.connection !== 'connected') return
    this.faultCommands.end(id)
    this.notifier.now()
  }

  /** The newest fault request and how the page answered it, for the Socket tab. */
  faultStatus(): FaultCommandStatus | undefined {
    return this.faultCommands.latest
  }

  /** The log the tabs show (the imported file's, else the active engine's), for the timeline. */
  shownLog(): EngineLog | undefined {
    return this.activeLog()
  }

  /** Selects the row `id` of the log on screen; false when it is no longer held. */
  selectRowId(id: number): boolean {
    const row = this.activeLog()?.rowById(id)
    if (row === undefined) return false
    this.select(row)
    return true
  }

  /** The decision trail of an event row, with links resolved in its own page session. */
  trail(row: EventRow): TrailStep[] {
    const log = this.logOf(row)
    return decisionTrail(row, {
      find: (seq) => log?.find(row.session, seq),
      echoesOf: (seq) => log?.echoesOf(row.session, seq) ?? [],
      refetchesOf: (batchId) => log?.refetchesOf(row.session, batchId) ?? [],
      recordScopes: this.recordScopesOf(row.engineId),
      faults: this.snapshot.socket.faults,
    })
  }

  // ─── export / import ──────────────────────────────────────────────────────────────────────

  /**
   * The export of the active engine: every event held for it (`filtered`: only the rows the
   * filters show), with the Socket tab's records. Redacted unless `redact` is false. A page
   * without an engine exports its socket records alone; nothing held, nothing to export.
   */
  exportLog(options: ExportOptions = {}): ExportResult | undefined {
    const source = this.exportSource()
    return source === undefined ? undefined : exportLog(source, options)
  }

  /**
   * exportLog for the Export JSON button: written in steps, the panel given back between them,
   * the text handed to `write` piece by piece. Resolves to the file's name (undefined: nothing
   * to export).
   */
  exportLogPieces(
    options: ExportOptions,
    write: (piece: string) => void,
  ): Promise<string | undefined> {
    const source = this.exportSource()
    return source === undefined
      ? Promise.resolve(undefined)
      : exportLogPieces(source, options, write)
  }

  /** How many events the panel holds per engine; a lower cap lets the oldest go at once. */
  setMaxEvents(maxEvents: number): void {
    if (!Number.isSafeInteger(maxEvents) || maxEvents < 1 || maxEvents === this.maxEvents) return
    this.maxEvents = maxEvents
    for (const entry of this.engines.values()) entry.log.setMaxEvents(maxEvents)
    this.onMaxEvents?.(maxEvents)
    this.notifier.changed()
  }

  private exportSource() {
    const log = this.activeLog()
    const imported = this.imports.active
    const header =
      imported === undefined
        ? liveHeader(this.page.page, this.engines.active(), this.page.socket.section())
        : importedHeader(imported.file)
    if (log === undefined && (header.socket?.records.length ?? 0) === 0) return undefined
    return { log, shown: this.snapshot.rows, header, now: this.scheduler.now() }
  }

  /**
   * Shows an exported log read-only (the live log keeps streaming behind it). On failure the
   * state is unchanged except for the error message.
   */
  importText(fileName: string, text: string): ImportResult {
    const result = this.imports.open(fileName, text, this.maxEvents)
    if (result.ok) this.view.select(undefined)
    this.notifier.now()
    return result
  }

  /** A file the panel could not read (too large, unreadable): reported like a bad import. */
  importFailed(fileName: string, error: string): { ok: false; error: string } {
    const result = this.imports.fail(fileName, error)
    this.notifier.now()
    return result
  }

  dismissImportError(): void {
    this.imports.dismissError()
    this.notifier.now()
  }

  closeImport(): void {
    if (!this.imports.close()) return
    this.view.select(undefined)
    this.notifier.now()
  }

  // ─── parts ────────────────────────────────────────────────────────────────────────────────

  /** The log on screen: the imported file's, else the active engine's. */
  private activeLog(): EngineLog | undefined {
    return this.imports.active?.log ?? this.engines.active()?.log
  }

  /** The engine's record scopes, from its config (or the imported file's): keys match as there. */
  private recordScopesOf(engineId: string): readonly string[] | undefined {
    const imported = this.imports.active
    if (imported !== undefined && imported.log.engineId === engineId) {
      return imported.file.engine.config?.recordScopes
    }
    return this.engines.get(engineId)?.state?.config.recordScopes
  }

  private logOf(row: EventRow): EngineLog | undefined {
    const imported = this.imports.active?.log
    if (imported !== undefined && imported.engineId === row.engineId) return imported
    return this.engines.get(row.engineId)?.log
  }

  /** The live rows changed under the selection; an imported file keeps its own. */
  private forgetLiveSelection(): void {
    if (this.imports.active === undefined) this.view.select(undefined)
  }

  private buildSnapshot(): PanelSnapshot {
    return buildSnapshot({
      version: ++this.version,
      now: this.scheduler.now(),
      page: this.page,
      engines: this.engines,
      view: this.view,
      imports: this.imports,
      commands: this.commands,
      log: this.activeLog(),
      maxEventsPerEngine: this.maxEvents,
    })
  }
}

export function createPanelStore(options: PanelStoreOptions): PanelStore {
  return new PanelStore(options)
}
