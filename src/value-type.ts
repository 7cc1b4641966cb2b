import type { ValueType } from './types'

/** The type of an untrusted value, never its contents: what a malformed event says it found. */
export function valueTypeOf(value: unknown): ValueType {
  if (value === null) return 'null'
  const type = typeof value
  if (type !== 'object') return type
  try {
    return Array.isArray(value) ? 'array' : 'object'
  } catch {
    // The one object Array.isArray throws on (a revoked proxy): nothing more can be read of it.
    return 'object'
  }
}
