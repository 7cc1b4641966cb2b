/** Small text formatters shared by the store's derived strings and the components. */
import { errorMessage } from '../../../src/error-message'

const pad2 = (n: number) => String(n).padStart(2, '0')

/** HH:MM:SS.mmm in local time, like the Network panel. */
export function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) return '—'
  const d = new Date(ms)
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`
}

/** HH:MM of a metrics minute. */
export function formatMinute(ms: number): string {
  const d = new Date(ms)
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—'
  return `${Math.round(ms).toLocaleString('en-US')} ms`
}

/** A span in the unit a person reads it by: 420 ms, 3.2 s, 45 s, 12 min, 5 h, 30 days. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`
  if (ms >= 2 * 86_400_000) return `${Math.round(ms / 86_400_000)} days`
  if (ms >= 2 * 3_600_000) return `${Math.round(ms / 3_600_000)} h`
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}

// One plural for the engine's sentences and the panel's.
export { plural } from '../../../src/plural'

/**
 * An id that fits a narrow column and still tells rows apart: time-ordered UUIDs share their
 * start (every demo deal reads `dea10000-00…` cut from the end), so the middle goes instead:
 * `dea1…000000001`. The whole id is the cell's title.
 */
export function shortId(id: string, max = 14): string {
  if (id.length <= max) return id
  const tail = max - 5
  return `${id.slice(0, 4)}…${id.slice(-tail)}`
}

/** A query key as compact JSON, e.g. ["deals","record","d1"]; never throws. */
export function formatKey(key: unknown): string {
  try {
    const json = JSON.stringify(key)
    if (json === undefined) return String(key)
    return json.length > 300 ? `${json.slice(0, 300)}…` : json
  } catch {
    return '[unprintable key]'
  }
}

/** Pretty JSON for "Copy as JSON"; never throws. */
export function toPrettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? 'undefined'
  } catch (error) {
    return `/* not serializable: ${errorMessage(error)} */`
  }
}
