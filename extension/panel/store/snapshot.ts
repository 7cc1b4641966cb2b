import type { QueryList, ValidEngineConfig } from '../../../bridge/protocol'
import type { SocketSection } from '../../shared/export-format'
import type { TunableName } from '../../../src/options'
import type { DatabaseClockState } from '../../../src/database-clock'
import type { ChannelState, MinuteMetrics, UnconfirmedEvent } from '../../../src/types'
import type { EngineLog } from './engine-log'
import type { RatePoint } from './second-rates'
import type { EngineEntry, EngineSummary, EngineList } from './engine-list'
import { isFiltering, type LogFilters } from './filters'
import type { ImportedInfo, ImportedLog, ImportSlot } from './import-export'
import type { LogView } from './log-view'
import type { CommandStatus, OptionCommands } from './option-commands'
import type {
  ConnectionStatus,
  PageSession,
  RegistryMismatch,
  VersionMismatch,
} from './page-session'
import type { LogRow, RowList } from './rows'

/** The engine the log, metrics, channels and config tabs show. */
export interface ActiveEngine {
  id: string
  name: string
  version: string
  config?: ValidEngineConfig
  channels: readonly ChannelState[]
  /** The page's clock against the database's, as the engine estimates it (live only). */
  clock?: DatabaseClockState
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
  /** Its queries, while the Queries tab watches them (none for an imported log). */
  queries?: QueryList
  /** Rates by the second while the page is live (the Metrics tab's first minutes). */
  rates: readonly RatePoint[]
  /** Its `unconfirmed` events, for the Writes tab. */
  unconfirmed: readonly UnconfirmedEvent[]
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
  /**
   * A message of another build of the extension reached the panel: the protocol version it
   * speaks (`page`) and the one this panel speaks. Its messages are not shown.
   */
  versionMismatch?: VersionMismatch
  /** The page's engine registry is of a version the extension cannot read: no engine listed. */
  incompatibleRegistry?: RegistryMismatch
  /** The page's Realtime sockets since the Socket tab first watched them, or the file's. */
  socket: SocketSnapshot
}

/** `records` is a new array whenever a record arrives: what a memoized model keys on. */
export type SocketSnapshot = SocketSection

/** Everything a snapshot is read from. */
export interface SnapshotSources {
  version: number
  now: number
  page: PageSession
  engines: EngineList
  view: LogView
  imports: ImportSlot
  commands: OptionCommands
  /** The log on screen: the imported file's, else the active engine's. */
  log: EngineLog | undefined
  maxEventsPerEngine: number
}

/**
 * One picture of the store for React, rebuilt on every notification and never changed after.
 * The lists in it (rows, engines, filter values, commands) keep their identity while they do
 * not change, so memoized components compare by reference; rows are views that later appends
 * do not alter (row-columns.ts).
 */
export function buildSnapshot(sources: SnapshotSources): PanelSnapshot {
  const { page, engines, view, imports, log } = sources
  const imported = imports.active
  const rows = view.rows(log)
  const values = view.values(log)
  const selected = view.selectedIn(log)
  return {
    version: sources.version,
    builtAt: sources.now,
    mode: imported === undefined ? 'live' : 'imported',
    connection: page.connection,
    page: page.page,
    session: page.session,
    engines: engines.summaries(),
    selectedEngineId: engines.selectedEngineId,
    engine: imported === undefined ? liveEngine(engines.active()) : importedEngine(imported),
    rows,
    totalRows: log?.rows.length ?? 0,
    filtering: isFiltering(view.filters),
    filters: view.filters,
    tables: values.tables,
    orgs: values.orgs,
    selected,
    selectedHidden: selected !== undefined && rows.indexOfId(selected.id) === -1,
    paused: page.paused,
    preserveLog: page.preserveLog,
    rejected: page.rejected,
    rejectedReason: page.rejectedReason,
    commands: sources.commands.latest,
    imported: imported?.info,
    importError: imports.error,
    maxEventsPerEngine: sources.maxEventsPerEngine,
    versionMismatch: page.versionMismatch,
    incompatibleRegistry: page.incompatibleRegistry,
    socket: imported === undefined ? page.socket.section() : (imported.file.socket ?? NO_SOCKET),
  }
}

const NO_SOCKET: SocketSnapshot = { records: [], tapDropped: 0, capDropped: 0, missing: 0 }

function liveEngine(entry: EngineEntry | undefined): ActiveEngine | undefined {
  if (entry === undefined) return undefined
  return {
    id: entry.info.id,
    name: entry.info.name,
    version: entry.info.version,
    config: entry.state?.config,
    channels: entry.state?.channels ?? [],
    clock: entry.state?.clock,
    metrics: entry.state?.metrics ?? [],
    ringDropped: entry.state?.dropped ?? 0,
    queries: entry.queries,
    rates: entry.rates.points,
    ...logCounts(entry.log),
  }
}

/** An export carries no channel states: the file is a log, not a live connection. */
function importedEngine({ file, log }: ImportedLog): ActiveEngine {
  return {
    id: log.engineId,
    name: file.engine.name,
    version: file.engine.version,
    config: file.engine.config,
    channels: [],
    metrics: file.metrics,
    ringDropped: file.dropped,
    rates: [],
    ...logCounts(log),
  }
}

function logCounts(log: EngineLog) {
  return {
    held: log.heldEvents,
    capDropped: log.capDropped,
    gaps: log.gaps,
    gapMissing: log.gapMissing,
    ringMissing: log.ringMissing,
    unconfirmed: log.unconfirmed,
  }
}
