/**
 * The exported log (docs/DESIGN.md "Contract: the export format"), written once: the DevTools
 * panel's Export JSON and the engine's `exportLog()` write the same file with this code. One
 * engine's events (each with its sentence) and per-minute metrics, with the page and the
 * engine's config, for a bug report; the panel adds its Socket tab's records. What a file may
 * hold, and so what import accepts, is `ExportFileSchema` (extension/shared/export-format.ts,
 * the source of the JSON Schema): this side only writes.
 *
 * Not in the engine's bundle: engine.exportLog() imports this module (and with it the sentences
 * and the deep redaction) when first called, so an app pays for it only when it exports.
 */
import { describeEvent } from './describe-event'
import { EVENT_LAYOUTS } from './event-fields'
import { isObject } from './is-object'
import { isSecretFree, type KeyVerdicts, redact } from './redact'
import { redactUrlSecrets } from './redact-text'
import type { EngineConfig, MinuteMetrics, SyncEvent } from './types'

export const EXPORT_FORMAT = 'realtime-sync-devtools.log'
/**
 * 2: the 'refetched' kind and its fields, refetch metrics. 3: the page's socket and QueryCache
 * records (`socket`). 4: the typed event contract (src/event-fields.ts): each kind with its facts,
 * `reason` the rendered sentence for people.
 */
export const EXPORT_VERSION = 4

/** The engine's options as a file gives them (an upgraded file of 0.2.0 may lack the modes). */
export type ExportConfig = Omit<EngineConfig, 'dedupBy' | 'batchMode'> &
  Partial<Pick<EngineConfig, 'dedupBy' | 'batchMode'>>

/**
 * The Socket tab's part of a file (the panel's only): the page's socket and QueryCache records,
 * what was lost of them, and the faults simulated on the page. `R` and `F` are the bridge's
 * record types.
 */
export interface ExportSocket<R, F> {
  records: R[]
  tapDropped: number
  capDropped: number
  missing: number
  /** Absent when none. */
  faults?: F[]
}

/** One exported log, as its JSON says it (an engine's export has no `socket`). */
export interface LogFile<R = never, F = never> {
  format: typeof EXPORT_FORMAT
  version: typeof EXPORT_VERSION
  /** ISO 8601. */
  exportedAt: string
  page: { url: string; title: string }
  engine: {
    name: string
    version: string
    /** Absent when the panel never received the engine's state. */
    config?: Omit<ExportConfig, 'recordScopes'> & { recordScopes?: string[] }
  }
  /** Events that fell off the engine's ring before the export. */
  dropped: number
  events: SyncEvent[]
  metrics: MinuteMetrics[]
  socket?: ExportSocket<R, F>
}

/**
 * Items read a step at a time instead of held at once: the panel's log of a million events keeps
 * them in columns and builds each step's events as it writes them. A slice may hold fewer items
 * than asked (the panel's markers are no events), even none.
 */
export interface SteppedList<T> {
  readonly length: number
  slice(start: number, end: number): readonly T[]
}

export interface LogFileInput<R = never, F = never> {
  page: { url: string; title: string }
  engine: { name: string; version: string; config: ExportConfig | undefined }
  dropped: number
  events: readonly SyncEvent[] | SteppedList<SyncEvent>
  metrics: readonly MinuteMetrics[]
  /** The Socket tab's records (the panel's only); left out when it holds none. */
  socket?: {
    records: readonly R[]
    tapDropped: number
    capDropped: number
    missing: number
    faults?: readonly F[]
  }
  /** Epoch ms of the export. */
  now: number
  /** Replace JWTs, API keys and credential fields with "[redacted]" (default true). */
  redact?: boolean
}

/** An exported log: its file name, its text (what is saved), and the file its text says. */
export interface ExportedLog<R = never, F = never> {
  /** `realtime-sync-<engine>-<time>.json`, as the panel names it. */
  fileName: string
  text: string
  /** `text` parsed, when first read (a getter: reading it costs a JSON.parse of the text). */
  file: LogFile<R, F>
}

/** Events (or records) written per step: engine.exportLog() gives the page back between steps. */
const STEP = 1_000

/**
 * The file of `input`: its text (what is saved), its name, and the file as the text says it
 * (parsed when first read). Redacted unless `redact` is false. Each event is written on its line
 * in the contract's field order (seq, at, kind, then its kind's layout) with its sentence
 * (`reason`, last: for people reading the file, no code reads it back), as the page bridge's
 * codec hands events to the panel: the same line whoever writes the file. Only an event that
 * holds something to redact is copied again, redacted. In one go (a small log; the panel's
 * Export JSON and exportLog() write in steps: writeExportInSteps).
 */
export function writeExport<R = never, F = never>(input: LogFileInput<R, F>): ExportedLog<R, F> {
  return finish(writeSteps(input))
}

/**
 * writeExport in steps of STEP events, the page given back between them (a new task each):
 * engine.exportLog(), so that a full ring never holds up the app's page in one long task. With
 * `pieces`, for a file too large to be one string (a string holds at most about 512 MB; a
 * million events with their sentences are about 480 MB), the text is handed to it piece by
 * piece, in order, and `text` is empty (the panel's Export JSON, into a Blob).
 */
export async function writeExportInSteps<R = never, F = never>(
  input: LogFileInput<R, F>,
  pieces?: (piece: string) => void,
): Promise<ExportedLog<R, F>> {
  const steps = writeSteps(input, pieces)
  for (;;) {
    const step = steps.next()
    if (step.done) return step.value
    await nextTask()
  }
}

/**
 * A new task, through a MessageChannel: a hidden tab's timers may wait a second or a minute, and
 * an app's tests may fake them, but a message is delivered at once.
 */
function nextTask(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0))
  return new Promise((resolve) => {
    const channel = new MessageChannel()
    channel.port1.onmessage = () => {
      channel.port1.close()
      resolve()
    }
    channel.port2.postMessage(null)
  })
}

function* writeSteps<R, F>(
  input: LogFileInput<R, F>,
  pieces?: (piece: string) => void,
): Generator<void, ExportedLog<R, F>> {
  const { engine, socket } = input
  const redacting = input.redact !== false
  const keys: KeyVerdicts = new Map()
  const shown = <T>(value: T): T => (redacting ? redact(value, keys) : value)
  const head = shown({
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: new Date(input.now).toISOString(),
    // The schema's bounds (the page bridge sends them cut so already).
    page: {
      url: redacting
        ? redactUrlSecrets(input.page.url.slice(0, 4_096))
        : input.page.url.slice(0, 4_096),
      title: input.page.title.slice(0, 1_024),
    },
    engine: {
      name: engine.name.slice(0, 200),
      version: engine.version.slice(0, 50),
      config: engine.config,
    },
    dropped: input.dropped,
  })
  // Socket records left the page with their tokens already replaced (frame-redaction.ts):
  // `redact: false` gives the engine's payloads as they are, never the page's tokens.
  const empty = socket === undefined || (socket.records.length === 0 && socket.faults === undefined)
  const tail = shown({ metrics: input.metrics, socket: empty ? undefined : socket })
  const eventLine = (event: SyncEvent): string => {
    const fields = event as unknown as Record<string, unknown>
    const out: Record<string, unknown> = { seq: event.seq, at: event.at, kind: event.kind }
    for (const name of EVENT_LAYOUTS[event.kind].fields) {
      // An old event imported keeps the sentence its engine wrote (describeEvent returns it).
      const value = name === 'reason' ? describeEvent(event) : fields[name]
      if (value !== undefined) out[name] = value
    }
    const json = safeStringify(out)
    return !redacting || (json !== UNSERIALIZABLE && isSecretFree(out, json, keys))
      ? json
      : safeStringify(redact(out, keys))
  }
  const text = yield* serialize(
    { ...head, events: input.events, ...tail },
    (key, item) => (key === 'events' ? eventLine(item as SyncEvent) : safeStringify(item)),
    pieces,
  )
  let file: LogFile<R, F> | undefined
  return {
    fileName: exportFileName(head.engine.name, input.now),
    text,
    get file() {
      return (file ??= JSON.parse(text) as LogFile<R, F>)
    },
  }
}

/** Runs the steps to their end. */
function finish<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next()
    if (step.done) return step.value
  }
}

/**
 * The text of a file: the header pretty-printed, one event per line, so a bug report stays
 * readable and diffable without doubling the size of a large log.
 */
export function serializeExport(file: object): string {
  return finish(serialize(file, (_key, item) => safeStringify(item)))
}

/** `file` as text, each item of its arrays written by `line(the array's key, item)`. */
function* serialize(
  file: object,
  line: (key: string, item: unknown) => string,
  pieces?: (piece: string) => void,
): Generator<void, string> {
  if (pieces !== undefined) {
    yield* writeObject(
      { push: (part) => pieces(`${part}\n`) },
      file as Record<string, unknown>,
      '',
      line,
    )
    return ''
  }
  const parts: string[] = []
  yield* writeObject(parts, file as Record<string, unknown>, '', line)
  // Appended, not joined: the text is copied into one piece once, by whoever reads it first.
  let text = ''
  for (const part of parts) text += `${part}\n`
  return text
}

/**
 * An object's keys one per line; an array's items one per line, one level down (`socket`), a
 * step after every STEP of them.
 */
function* writeObject(
  parts: { push(part: string): void },
  object: Record<string, unknown>,
  indent: string,
  line: (key: string, item: unknown) => string,
  head = '',
  tail = '',
): Generator<void, void> {
  parts.push(`${indent}${head}{`)
  const entries = Object.entries(object).filter(([, value]) => value !== undefined)
  for (let index = 0; index < entries.length; index++) {
    const [key, value] = entries[index]!
    const comma = index < entries.length - 1 ? ',' : ''
    const inner = `${indent}  `
    const name = `${JSON.stringify(key)}: `
    // An array, or a list read a step at a time (an object with a slice method).
    if (
      typeof (value as SteppedList<unknown> | undefined)?.slice === 'function' &&
      typeof value !== 'string'
    ) {
      const list = value as SteppedList<unknown>
      if (list.length === 0) {
        parts.push(`${inner}${name}[]${comma}`)
        continue
      }
      parts.push(`${inner}${name}[`)
      // A step's lines wait for the next step's: a stepped list's last slices may hold none,
      // and the comma between two steps goes after the first.
      let pending: string | undefined
      for (let start = 0; start < list.length; start += STEP) {
        const items = list.slice(start, start + STEP).map((item: unknown) => line(key, item))
        if (items.length > 0) {
          if (pending !== undefined) parts.push(`${pending},`)
          pending = `${inner}  ${items.join(`,\n${inner}  `)}`
        }
        yield
      }
      if (pending !== undefined) parts.push(pending)
      parts.push(`${inner}]${comma}`)
    } else if (indent === '' && isObject(value) && Object.values(value).some(Array.isArray)) {
      yield* writeObject(parts, value, inner, line, name, comma)
    } else {
      parts.push(`${inner}${name}${safeStringify(value)}${comma}`)
    }
  }
  parts.push(`${indent}}${tail}`)
}

const UNSERIALIZABLE = JSON.stringify('[not serializable]')

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null'
  } catch {
    return UNSERIALIZABLE
  }
}

/**
 * `realtime-sync-<engine>-<timestamp>.json`, safe on every file system; `socket` for a page
 * without an engine (its socket records alone).
 */
export function exportFileName(engineName: string, now: number): string {
  const name = engineName.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'socket'
  const stamp = new Date(now)
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-')
  return `realtime-sync-${name.slice(0, 60)}-${stamp}.json`
}
