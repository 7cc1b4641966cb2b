import type { SyncEvent } from './types'

/**
 * Fills what the hot path leaves for readers: parsing the commit time costs as much as the rest
 * of the decision, and nobody needs it while DevTools is closed. The latency is on the database's
 * clock: `correctionMs` moves the receive time onto it (src/database-clock.ts).
 */
export function completeEvent(event: SyncEvent, correctionMs: number): SyncEvent {
  if (
    (event.kind === 'received' || event.kind === 'deduped' || event.kind === 'echo') &&
    event.latencyMs === undefined &&
    event.commitTimestamp !== undefined
  ) {
    const committedAt = parseCommitTime(event.commitTimestamp)
    if (Number.isNaN(committedAt)) return event
    const latency = event.at + correctionMs - committedAt
    // A corrected clock is known within a delivery's delay or half a round trip: never below 0.
    // The one field filled after the append, before any reader sees the event.
    ;(event as { latencyMs?: number }).latencyMs =
      correctionMs === 0 ? latency : Math.max(0, latency)
  }
  return event
}

/** The rows of one transaction share their commit time: a bulk change parses it once. */
let lastCommit = { text: '', time: Number.NaN }
export function parseCommitTime(text: string): number {
  if (text !== lastCommit.text) lastCommit = { text, time: Date.parse(text) }
  return lastCommit.time
}
