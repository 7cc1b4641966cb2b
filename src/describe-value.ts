/**
 * An untrusted value in a few words for a reason sentence: its kind, a number's value, a
 * string's length. Never its contents, so a reason stays short whatever arrived.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return `a string of ${value.length} chars`
    case 'number':
    case 'boolean':
      return `${typeof value} ${value}`
    case 'undefined':
      return 'undefined'
    case 'object':
      try {
        return Array.isArray(value) ? 'an array' : 'an object'
      } catch {
        // The one object Array.isArray throws on, and nothing more can be read of it.
        return 'a revoked proxy'
      }
    default:
      // A function's source or a bigint's digits can be any length.
      return `a ${typeof value}`
  }
}
