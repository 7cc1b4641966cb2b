/** Longest message kept: an error's text goes into the ring and the panel, and may be hostile. */
const MAX_MESSAGE_CHARS = 512

/**
 * What was thrown, in words, for a log line. Anything can be thrown, including values whose
 * every read throws again (an `Object.create(null)` object, a throwing `toString` or
 * `Symbol.toPrimitive`, an Error with a throwing `message` getter, a revoked Proxy): this
 * function is the error path, so it never throws itself.
 */
export function errorMessage(error: unknown): string {
  try {
    const text = messageOf(error)
    return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text
  } catch {
    // typeof never throws, not even on a revoked Proxy.
    return `[unprintable ${typeof error}]`
  }
}

function messageOf(error: unknown): string {
  if (typeof error === 'string') return error
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const message = (error as { message: unknown }).message
    if (typeof message === 'string') return message
  }
  return String(error)
}
