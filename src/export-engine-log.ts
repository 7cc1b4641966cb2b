/**
 * engine.exportLog(): the log as it is at the call (the ring's events, its drops, the minutes,
 * the options and the page), written by export-log.ts, the panel's own writer, which is imported
 * on the first call: the writer, the sentences and the deep redaction stay out of the engine's
 * bundle until an app exports. It writes in steps of 1,000 events, the page given back between
 * them (bench/export-log.bench.ts: the longest step on a full ring).
 */
import type { DevtoolsEngine } from './devtools-registry'
import type { ExportedLog } from './export-log'

export interface ExportLogOptions {
  /** False: the payloads as they are (default: JWTs, API keys and credential fields replaced). */
  redact?: boolean
}

/** `host`: the page (its location and title, when it has them). */
export async function exportEngineLog(
  engine: Pick<DevtoolsEngine, 'name' | 'version' | 'readEvents' | 'getConfig' | 'getMetrics'>,
  now: number,
  host: object,
  options: ExportLogOptions = {},
): Promise<ExportedLog> {
  const { events, dropped } = engine.readEvents()
  const { location, document } = host as {
    location?: { href?: unknown }
    document?: { title?: unknown }
  }
  const input = {
    page: { url: String(location?.href ?? ''), title: String(document?.title ?? '') },
    engine: { name: engine.name, version: engine.version, config: engine.getConfig() },
    dropped,
    events,
    metrics: engine.getMetrics(),
    now,
    redact: options.redact,
  }
  const writer = await import('./export-log')
  return writer.writeExportInSteps(input)
}
