import {
  type ExportFile,
  type ExportInput,
  parseExport,
  type SocketSection,
  writeExport,
  writeExportPieces,
} from '../../shared/export-format'
import type { EngineLog } from './engine-log'
import type { EngineEntry } from './engine-list'
import { eventPages, type RowList } from './rows'

export interface ImportedInfo {
  fileName: string
  url: string
  title: string
  exportedAt: string
  events: number
  /** A file of an older version (1 to 3) whose events were upgraded to the current contract. */
  upgradedFrom?: number
  /** Its old events that lacked what their kind always has: left out. */
  unusable?: number
}

export interface ExportResult {
  fileName: string
  text: string
  file: ExportFile
}

/** An exported log shown read-only in place of the page's. */
export interface ImportedLog {
  info: ImportedInfo
  file: ExportFile
  log: EngineLog
}

/**
 * What an export says besides its events: the page, the engine, its ring drops and metrics, and
 * the Socket tab's records.
 */
export type ExportHeader = Pick<ExportInput, 'page' | 'engine' | 'dropped' | 'metrics' | 'socket'>

export type ImportResult = { ok: true } | { ok: false; error: string }

/**
 * The one imported file the panel may show instead of the page (the live log keeps streaming
 * behind it), and why the last import failed, until dismissed.
 */
export class ImportSlot {
  private shown: ImportedLog | undefined
  private failure: string | undefined

  /** `createLog(engineId, capacity)`: a log whose row ids do not collide with the live ones. */
  constructor(private readonly createLog: (engineId: string, capacity: number) => EngineLog) {}

  get active(): ImportedLog | undefined {
    return this.shown
  }

  get error(): string | undefined {
    return this.failure
  }

  /** Shows the file; on failure nothing changes but the error message. */
  open(fileName: string, text: string, minCapacity: number): ImportResult {
    const result = parseExport(text)
    if (!result.ok) return this.fail(fileName, result.error)
    const { file } = result
    // Never drop events of the file: it is what the bug report is about.
    const log = this.createLog(
      `imported:${file.engine.name}`,
      Math.max(minCapacity, file.events.length),
    )
    // The file may start anywhere (the ring, or the panel's cap, dropped older events).
    log.startSession('import', (file.events[0]?.seq ?? 1) - 1)
    // A preserved log holds several page loads: a seq going back starts the next one.
    log.ingest(file.events, { snapshot: false, restartOnBackwards: true })
    this.shown = {
      file,
      log,
      info: {
        fileName,
        url: file.page.url,
        title: file.page.title,
        exportedAt: file.exportedAt,
        events: file.events.length,
        upgradedFrom: result.upgradedFrom,
        unusable: result.unusable,
      },
    }
    this.failure = undefined
    return { ok: true }
  }

  /** A file the panel could not read (too large, unreadable): reported like a bad import. */
  fail(fileName: string, error: string): { ok: false; error: string } {
    this.failure = `Import of ${fileName} failed: ${error}. Nothing was changed.`
    return { ok: false, error }
  }

  dismissError(): void {
    this.failure = undefined
  }

  /** Back to live; false when no file was shown. */
  close(): boolean {
    if (this.shown === undefined) return false
    this.shown = undefined
    return true
  }
}

/** An imported file exports as it came: its own page, engine, drops, metrics and socket. */
export function importedHeader(file: ExportFile): ExportHeader {
  const { page, engine, dropped, metrics, socket } = file
  return {
    page,
    engine: { name: engine.name, version: engine.version, config: engine.config },
    dropped,
    metrics,
    socket,
  }
}

/** A live engine's export header; no config when the engine never sent its state. */
export function liveHeader(
  page: { url: string; title: string } | undefined,
  entry: EngineEntry | undefined,
  socket: SocketSection,
): ExportHeader {
  return {
    page: page ?? { url: '', title: '' },
    engine: {
      name: entry?.info.name ?? '',
      version: entry?.info.version ?? '',
      config: entry?.state?.config,
    },
    dropped: entry?.state?.dropped ?? 0,
    metrics: entry?.state?.metrics ?? [],
    socket,
  }
}

export interface ExportOptions {
  /** False: the payloads as they are (default: redacted). */
  redact?: boolean
  /** Only the rows the filters show (default: every event held). */
  filtered?: boolean
}

/**
 * The export file of `log`, or of the rows of it on screen (`shown`) when `filtered`; a page
 * without an engine (no `log`) exports its socket records alone.
 */
export function exportLog(source: ExportSource, options: ExportOptions): ExportResult {
  return writeExport(exportInput(source, options))
}

/**
 * exportLog in steps, its text handed to `write` piece by piece (the panel's Export JSON: a
 * million events are more text than one string holds, and more work than one task should do).
 * Returns the file's name.
 */
export function exportLogPieces(
  source: ExportSource,
  options: ExportOptions,
  write: (piece: string) => void,
): Promise<string> {
  return writeExportPieces(exportInput(source, options), write)
}

interface ExportSource {
  log: EngineLog | undefined
  shown: RowList
  header: ExportHeader
  now: number
}

function exportInput(source: ExportSource, options: ExportOptions): ExportInput {
  const rows = options.filtered ? source.shown : source.log?.view()
  const events = rows === undefined ? [] : eventPages(rows)
  return { ...source.header, events, now: source.now, redact: options.redact }
}
