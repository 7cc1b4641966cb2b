/**
 * The exported log (docs/DESIGN.md "Export format"): one engine's events and per-minute metrics, with
 * the page and the engine's config, for a bug report. `ExportFileSchema` is the single source of
 * truth: import validates with it, and schema/realtime-sync-devtools.log.schema.json is generated
 * from it (npm run schema).
 */
import * as v from 'valibot'
import type { FaultRecord } from '../../bridge/faults/fault-records'
import { FaultRecordsSchema } from '../../bridge/protocol/fault-record-schema'
import type { SocketRecord } from '../../bridge/socket/socket-records'
import { describeIssues } from '../../bridge/protocol/issues'
import {
  EngineConfigSchema,
  MinuteMetricsSchema,
  SocketRecordSchema,
  SyncEventSchema,
} from '../../bridge/protocol/records'
import { errorMessage } from '../../src/error-message'
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportedLog,
  type LogFileInput,
  writeExport as writeLogFile,
  writeExportInSteps,
} from '../../src/export-log'
import { LegacySyncEventSchema, upgradeLegacyEvents } from '../../bridge/protocol/legacy-events'

// The file is written by src/export-log.ts, the one writer the engine's exportLog() shares (the
// panel adds its Socket tab's records). Files of versions 1 to 3 still import: their events are
// upgraded (legacy-events.ts).
export { EXPORT_FORMAT, EXPORT_VERSION }
export { exportFileName, serializeExport } from '../../src/export-log'
/** The versions this panel imports. */
export const IMPORTABLE_VERSIONS: readonly number[] = [1, 2, 3, 4]
const LEGACY_VERSIONS = [1, 2, 3] as const
/** Import reads at most this much (a 200,000-event log is about 70 MB). */
export const MAX_IMPORT_BYTES = 100 * 1024 * 1024
export const MAX_EXPORT_EVENTS = 1_000_000
/** More than the panel holds (socket-log.ts MAX_SOCKET_RECORDS). */
export const MAX_EXPORT_SOCKET_RECORDS = 100_000

const recordCount = v.pipe(v.number(), v.integer(), v.minValue(0))

const SocketSectionSchema = v.pipe(
  v.object({
    records: v.pipe(v.array(SocketRecordSchema), v.maxLength(MAX_EXPORT_SOCKET_RECORDS)),
    tapDropped: v.pipe(
      recordCount,
      v.description("Records the page's tap let go of before the panel listened."),
    ),
    capDropped: v.pipe(recordCount, v.description('Records the panel let go of (its own cap).')),
    missing: v.pipe(recordCount, v.description('Records lost between the page and the panel.')),
    faults: v.optional(
      v.pipe(
        FaultRecordsSchema,
        v.description(
          'The faults simulated on the page from the panel or its console (drop, offline, delay, deliver again, stalled heartbeats).',
        ),
      ),
    ),
  }),
  v.description(
    "The page's Realtime socket frames (decoded, tokens redacted in the page) and its QueryCache events, as the Socket tab held them.",
  ),
)

/** The file's form around its events: the same in every version (sections it lacks are optional). */
function exportFileSchema<E extends v.GenericSchema, V extends v.GenericSchema>(
  version: V,
  event: E,
) {
  return v.object({
    format: v.literal(EXPORT_FORMAT),
    version,
    exportedAt: v.pipe(
      v.string(),
      v.maxLength(64),
      v.description('ISO 8601 time of the export, e.g. 2026-11-23T16:23:18.774Z'),
    ),
    page: v.object({
      url: v.pipe(v.string(), v.maxLength(4_096)),
      title: v.pipe(v.string(), v.maxLength(1_024)),
    }),
    engine: v.object({
      name: v.pipe(v.string(), v.maxLength(200)),
      version: v.pipe(v.string(), v.maxLength(50)),
      config: v.pipe(
        v.optional(EngineConfigSchema),
        v.description("Absent when the panel never received the engine's state."),
      ),
    }),
    dropped: v.pipe(
      v.number(),
      v.integer(),
      v.minValue(0),
      v.description("Events that fell off the engine's ring before the export (never silent)."),
    ),
    events: v.pipe(v.array(event), v.maxLength(MAX_EXPORT_EVENTS)),
    metrics: v.pipe(v.array(MinuteMetricsSchema), v.maxLength(100_000)),
    socket: v.optional(SocketSectionSchema),
  })
}

/** A file of the current version (its JSON Schema: npm run schema). */
export const ExportFileSchema = v.pipe(
  exportFileSchema(v.literal(EXPORT_VERSION), SyncEventSchema),
  v.title('Realtime Sync DevTools log export'),
  v.description(
    'One engine’s decision log (SyncEvent[]) and per-minute metrics, and the page’s socket and QueryCache records, exported from the Realtime DevTools panel.',
  ),
)

export type ExportFile = v.InferOutput<typeof ExportFileSchema>

/** A file of versions 1 to 3, before its events are upgraded. */
const LegacyExportFileSchema = exportFileSchema(v.picklist(LEGACY_VERSIONS), LegacySyncEventSchema)

export interface SocketSection {
  records: readonly SocketRecord[]
  tapDropped: number
  capDropped: number
  missing: number
  /** The page's simulated faults (bridge/faults/fault-records.ts); absent when none. */
  faults?: readonly FaultRecord[]
}

/** What the panel exports: the engine's log, the page, and the Socket tab's records. */
export type ExportInput = LogFileInput<SocketRecord, FaultRecord>

/** The panel's file, with its text and name (src/export-log.ts, engine.exportLog()'s writer). */
export function writeExport(input: ExportInput): ExportedLog<SocketRecord, FaultRecord> {
  return writeLogFile(input)
}

/** writeExport in steps, its text handed to `write` piece by piece; returns the file's name. */
export function writeExportPieces(
  input: ExportInput,
  write: (piece: string) => void,
): Promise<string> {
  return writeExportInSteps(input, write).then((file) => file.fileName)
}

/** The panel's file as written (writeExport's text, parsed). */
export function buildExport(input: ExportInput): ExportFile {
  return writeExport(input).file
}

export type ImportResult =
  | {
      ok: true
      file: ExportFile
      /** The version of a file whose events were upgraded to this one's (1 to 3). */
      upgradedFrom?: number
      /** Old events that lacked the facts their kind always has: left out. */
      unusable?: number
    }
  | { ok: false; error: string }

/**
 * Parses and validates an exported log. Never throws: a failure says which field is wrong and
 * how, so the user can fix or report the file.
 */
export function parseExport(text: string): ImportResult {
  if (text.length > MAX_IMPORT_BYTES) {
    return {
      ok: false,
      error: `the file is larger than ${Math.round(MAX_IMPORT_BYTES / 1024 / 1024)} MB`,
    }
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return {
      ok: false,
      error: `not valid JSON: ${errorMessage(error)}`,
    }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, error: 'not a Realtime DevTools export: the file is not a JSON object' }
  }
  const format = (json as { format?: unknown }).format
  if (format !== EXPORT_FORMAT) {
    return {
      ok: false,
      error: `not a Realtime DevTools export: "format" is ${describeValue(format)}, expected "${EXPORT_FORMAT}"`,
    }
  }
  const version = (json as { version?: unknown }).version
  if (typeof version !== 'number' || !IMPORTABLE_VERSIONS.includes(version)) {
    return {
      ok: false,
      error: `unsupported export version ${describeValue(version)} (this panel reads versions ${IMPORTABLE_VERSIONS.join(', ')})`,
    }
  }
  if (version !== EXPORT_VERSION) return parseLegacy(json)
  const result = v.safeParse(ExportFileSchema, json)
  if (result.success) return { ok: true, file: result.output }
  return { ok: false, error: describeIssues(result.issues) }
}

/** A file of versions 1 to 3: checked in its own form, then its events upgraded. */
function parseLegacy(json: unknown): ImportResult {
  const result = v.safeParse(LegacyExportFileSchema, json)
  if (!result.success) return { ok: false, error: describeIssues(result.issues) }
  const legacy = result.output
  const { events, unusable } = upgradeLegacyEvents(legacy.events, legacy.engine.config)
  return {
    ok: true,
    file: { ...legacy, version: EXPORT_VERSION, events },
    upgradedFrom: legacy.version,
    unusable,
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'missing'
  try {
    return JSON.stringify(value).slice(0, 60)
  } catch {
    return typeof value
  }
}
