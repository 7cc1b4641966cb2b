/**
 * The exported log (docs/DESIGN.md "Export format"): one engine's events and per-minute metrics, with
 * the page and the engine's config, for a bug report. `ExportFileSchema` is the single source of
 * truth: import validates with it, and schema/realtime-sync-devtools.log.schema.json is generated
 * from it (npm run schema).
 */
import * as v from 'valibot'
import type { EngineConfig, MinuteMetrics, SyncEvent } from '../../src/types'
import { redact } from '../../bridge/protocol/redact'
import { describeIssues } from '../../bridge/protocol/issues'
import {
  EngineConfigSchema,
  MinuteMetricsSchema,
  SyncEventSchema,
} from '../../bridge/protocol/records'
import { errorMessage } from '../../src/error-message'

export const EXPORT_FORMAT = 'realtime-sync-devtools.log'
/** 2: the 'refetched' kind and its fields, refetch metrics. A version 1 file still imports. */
export const EXPORT_VERSION = 2
/** The versions this panel imports: each a subset of the current schema. */
export const IMPORTABLE_VERSIONS: readonly number[] = [1, 2]
/** Import reads at most this much (a 200,000-event log is about 70 MB). */
export const MAX_IMPORT_BYTES = 100 * 1024 * 1024
export const MAX_EXPORT_EVENTS = 1_000_000

export const ExportFileSchema = v.pipe(
  v.object({
    format: v.literal(EXPORT_FORMAT),
    version: v.picklist(IMPORTABLE_VERSIONS as [1, 2]),
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
    events: v.pipe(v.array(SyncEventSchema), v.maxLength(MAX_EXPORT_EVENTS)),
    metrics: v.pipe(v.array(MinuteMetricsSchema), v.maxLength(100_000)),
  }),
  v.title('Realtime Sync DevTools log export'),
  v.description(
    'One engine’s decision log (SyncEvent[]) and per-minute metrics, exported from the Realtime DevTools panel.',
  ),
)

export type ExportFile = v.InferOutput<typeof ExportFileSchema>

export interface ExportInput {
  page: { url: string; title: string }
  engine: {
    name: string
    version: string
    config: EngineConfig | ExportFile['engine']['config'] | undefined
  }
  dropped: number
  events: readonly SyncEvent[]
  metrics: readonly MinuteMetrics[]
  /** Epoch ms of the export. */
  now: number
  /** Replace JWTs, API keys and credential fields with "[redacted]" (default true). */
  redact?: boolean
}

export function buildExport(input: ExportInput): ExportFile {
  const file: ExportFile = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: new Date(input.now).toISOString(),
    page: { url: input.page.url, title: input.page.title },
    engine: {
      name: input.engine.name,
      version: input.engine.version,
      config: input.engine.config === undefined ? undefined : { ...input.engine.config },
    },
    dropped: input.dropped,
    events: input.events as SyncEvent[],
    metrics: input.metrics.map((m) => ({ ...m })),
  }
  return input.redact === false ? structuredCopy(file) : redact(file)
}

function structuredCopy(file: ExportFile): ExportFile {
  return { ...file, events: file.events.map((event) => ({ ...event })) }
}

/**
 * The file's text: the header pretty-printed, one event per line, so a bug report stays
 * readable and diffable without doubling the size of a large log.
 */
export function serializeExport(file: ExportFile): string {
  const lines: string[] = ['{']
  const entries = Object.entries(file)
  entries.forEach(([key, value], index) => {
    const comma = index < entries.length - 1 ? ',' : ''
    if (Array.isArray(value)) {
      if (value.length === 0) {
        lines.push(`  ${JSON.stringify(key)}: []${comma}`)
        return
      }
      lines.push(`  ${JSON.stringify(key)}: [`)
      value.forEach((item, i) => {
        lines.push(`    ${safeStringify(item)}${i < value.length - 1 ? ',' : ''}`)
      })
      lines.push(`  ]${comma}`)
    } else {
      lines.push(`  ${JSON.stringify(key)}: ${safeStringify(value)}${comma}`)
    }
  })
  lines.push('}')
  return `${lines.join('\n')}\n`
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null'
  } catch {
    return JSON.stringify('[not serializable]')
  }
}

/** `realtime-sync-<engine>-<timestamp>.json`, safe on every file system. */
export function exportFileName(engineName: string, now: number): string {
  const name = engineName.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'engine'
  const stamp = new Date(now)
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-')
  return `realtime-sync-${name.slice(0, 60)}-${stamp}.json`
}

export type ImportResult = { ok: true; file: ExportFile } | { ok: false; error: string }

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
      error: `unsupported export version ${describeValue(version)} (this panel reads versions ${IMPORTABLE_VERSIONS.join(' and ')})`,
    }
  }
  const result = v.safeParse(ExportFileSchema, json)
  if (result.success) return { ok: true, file: result.output }
  return { ok: false, error: describeIssues(result.issues) }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'missing'
  try {
    return JSON.stringify(value).slice(0, 60)
  } catch {
    return typeof value
  }
}
