/**
 * Redaction of a whole value (bridge/protocol/redact.ts says what and why), with the string and
 * key rules of redact-text.ts: every export (export-log.ts, the panel's and the engine's
 * exportLog) and every frame the bridge posts. Not in the engine's bundle: exportLog loads it.
 */
import { isSecretKeyName, MAYBE_SECRET, REDACTED, redactString } from './redact-text'

/** A deep copy of `value` with secrets redacted. Never mutates. */
export function redact<T>(value: T, keys: KeyVerdicts = new Map()): T {
  return redactValue(value, 0, keys) as T
}

/**
 * Whether redact(value) would write the same JSON as `json`, its JSON.stringify: one pass that
 * copies nothing, so a log (ids, names, times) is written as it is and only what holds a secret
 * is copied. Its strings are read only when the text has a hint of one (MAYBE_SECRET, one test of
 * the whole text: escaping never splits a hint); its keys are judged by name every time.
 */
export function isSecretFree(value: unknown, json: string, keys: KeyVerdicts = new Map()): boolean {
  return freeOf(value, MAYBE_SECRET.test(json), keys, 0)
}

function freeOf(value: unknown, strings: boolean, keys: KeyVerdicts, depth: number): boolean {
  if (typeof value === 'string') return !strings || redactString(value) === value
  if (typeof value !== 'object' || value === null) return true
  // A toJSON (a Date) writes other JSON than the plain copy redact makes of it.
  if (depth > MAX_DEPTH || 'toJSON' in value) return false
  if (Array.isArray(value)) return value.every((item) => freeOf(item, strings, keys, depth + 1))
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue
    const item = (value as Record<string, unknown>)[key]
    const verdict = judgeKey(key, keys)
    if (verdict.name !== key || (verdict.secret && item !== null && item !== undefined)) {
      return false
    }
    if (!freeOf(item, strings, keys, depth + 1)) return false
  }
  return true
}

const MAX_DEPTH = 200

/** A key's name as written, and whether its value goes whole (a credential's name). */
interface KeyVerdict {
  name: string
  secret: boolean
}
/** The keys judged so far (a log repeats the same few in every event): one per export. */
export type KeyVerdicts = Map<string, KeyVerdict>

function judgeKey(key: string, keys: KeyVerdicts): KeyVerdict {
  let verdict = keys.get(key)
  if (verdict === undefined) {
    verdict = { name: redactString(key), secret: isSecretKeyName(key) }
    if (keys.size < 10_000) keys.set(key, verdict)
  }
  return verdict
}

function redactValue(value: unknown, depth: number, keys: KeyVerdicts): unknown {
  if (typeof value === 'string') return redactString(value)
  if (typeof value !== 'object' || value === null) return value
  if (depth > MAX_DEPTH) return REDACTED
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, keys))
  const out: Record<string, unknown> = {}
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue
    const item = (value as Record<string, unknown>)[key]
    const { name, secret } = judgeKey(key, keys)
    const redacted =
      secret && item !== null && item !== undefined ? REDACTED : redactValue(item, depth + 1, keys)
    if (name === '__proto__') {
      // A JSON key "__proto__" stays data, never a prototype.
      Object.defineProperty(out, name, {
        value: redacted,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    } else out[name] = redacted
  }
  return out
}
