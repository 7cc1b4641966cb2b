/** A JSON object: not null, not an array (what a payload, a row or a frame's envelope must be). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
