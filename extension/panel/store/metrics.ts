/**
 * Per-minute metrics as the charts read them, and the tuning warning drawn from them, as the
 * requirements put it:
 *
 *   "A significant divergence between received and processed (too many events filtered) or
 *    between processed and invalidated (batching too aggressive) signals a tuning problem."
 *
 * Thresholds (documented in the warning itself), checked on the current minute and the one
 * before it, once a minute has at least MIN_RECEIVED events (a quiet minute proves nothing):
 *   - filtered: processed < 50% of received;
 *   - batching: more than 20 processed events per invalidation pass on average;
 * and once a minute has at least MIN_REFETCHES refetches:
 *   - identical: at least 50% of realtime refetches returned identical data (invalidation is
 *     broader than the screens need);
 *   - failing: at least 10% of them failed.
 */
import { emptyMinute } from '../../../src/minute-metrics'
import type { MinuteMetrics } from '../../../src/types'
import { MINUTE_MS } from '../../../src/minute-metrics'
import { formatMinute, plural } from './format'

export { MINUTE_MS }
export const MIN_RECEIVED = 20
export const MIN_PROCESSED_RATIO = 0.5
export const MAX_EVENTS_PER_PASS = 20
export const MIN_REFETCHES = 10
export const MAX_IDENTICAL_RATIO = 0.5
export const MAX_FAILED_RATIO = 0.1
/** The charts show at most this many minutes (the newest). */
export const CHART_MINUTES = 180

/** Minutes oldest first with the holes (minutes without activity) filled with zeros. */
export function denseMinutes(
  metrics: readonly MinuteMetrics[],
  limit = CHART_MINUTES,
): MinuteMetrics[] {
  if (metrics.length === 0) return []
  const sorted = [...metrics].sort((a, b) => a.minute - b.minute)
  const last = sorted[sorted.length - 1]!.minute
  const first = Math.max(sorted[0]!.minute, last - (limit - 1) * MINUTE_MS)
  const byMinute = new Map(sorted.map((m) => [m.minute, m]))
  const out: MinuteMetrics[] = []
  for (let minute = first; minute <= last; minute += MINUTE_MS) {
    out.push(byMinute.get(minute) ?? emptyMinute(minute))
  }
  return out
}

export interface Divergence {
  kind: 'filtered' | 'batching' | 'identical' | 'failing' | 'unconfirmed'
  minute: number
  title: string
  text: string
  advice: string
}

/**
 * Warnings for the current minute and the one before (see the module comment). `now`: the
 * current time (live); without it (an imported log), the newest minute of the metrics.
 */
export function divergences(
  metrics: readonly MinuteMetrics[],
  config?: { dedupWindowMs: number; echoWindowMs: number; batchMs: number; dedupBy?: string },
  now?: number,
): Divergence[] {
  if (metrics.length === 0) return []
  const newest =
    now === undefined
      ? metrics.reduce((max, m) => Math.max(max, m.minute), -Infinity)
      : now - (now % MINUTE_MS)
  const recent = metrics
    .filter((m) => m.minute >= newest - MINUTE_MS && m.minute <= newest)
    .sort((a, b) => b.minute - a.minute)
  const out: Divergence[] = []
  for (const m of recent) {
    const when = formatMinute(m.minute)
    if (
      m.received >= MIN_RECEIVED &&
      m.processed < m.received * MIN_PROCESSED_RATIO &&
      !out.some((d) => d.kind === 'filtered')
    ) {
      const filtered = m.received - m.processed
      const pct = Math.round((filtered / m.received) * 100)
      const biggest = Math.max(m.deduped, m.echo, m.malformed)
      let advice: string
      if (biggest === m.deduped) {
        advice =
          config?.dedupBy === 'row'
            ? `Most were deduped and dedupBy is 'row': every change to a row within dedupWindowMs (${config.dedupWindowMs} ms) after the first is dropped, including real ones. Use dedupBy: 'event', or shorten dedupWindowMs.`
            : `Most were deduped: Realtime delivered the same events again (reconnects, rejoins). If these were distinct changes, check that realtime_table_events.id reaches the payload, or shorten dedupWindowMs${config ? ` (${config.dedupWindowMs} ms)` : ''}.`
      } else if (biggest === m.echo) {
        advice = `Most were echoes of this tab's own writes: expected while this tab writes in bulk. If teammates' changes are missing, check that actor_id is recorded by the trigger, and shorten echoWindowMs${config ? ` (${config.echoWindowMs} ms)` : ''}.`
      } else {
        advice =
          'Most were malformed: the payloads miss table_name / record_id or have the wrong types. Check the trigger that writes realtime_table_events.'
      }
      out.push({
        kind: 'filtered',
        minute: m.minute,
        title: `Received and processed diverge (${when})`,
        text: `${pct}% of the ${m.received} events received were filtered out (deduped ${m.deduped}, echo ${m.echo}, malformed ${m.malformed}); only ${m.processed} were processed. Threshold: processed below ${MIN_PROCESSED_RATIO * 100}% of received, with at least ${MIN_RECEIVED} received in a minute.`,
        advice,
      })
    }
    if (
      m.processed >= MIN_RECEIVED &&
      m.processed > m.invalidations * MAX_EVENTS_PER_PASS &&
      !out.some((d) => d.kind === 'batching')
    ) {
      const perPass =
        m.invalidations === 0 ? m.processed : Math.round(m.processed / m.invalidations)
      out.push({
        kind: 'batching',
        minute: m.minute,
        title: `Processed and invalidations diverge (${when})`,
        text: `${m.processed} processed events led to ${plural(m.invalidations, 'invalidation pass', 'invalidation passes')}: about ${perPass} events per pass. Threshold: more than ${MAX_EVENTS_PER_PASS} events per pass, with at least ${MIN_RECEIVED} processed in a minute.`,
        advice: `Batching may be too aggressive: screens wait up to batchMs${config ? ` (${config.batchMs} ms)` : ''} for a refetch. Fine for bulk imports; if screens feel late, lower batchMs.`,
      })
    }
    // Any write that never came back is worth a look: it is the silence users ask about.
    if (m.unconfirmed > 0 && !out.some((d) => d.kind === 'unconfirmed')) {
      out.push({
        kind: 'unconfirmed',
        minute: m.minute,
        title: `Writes that never came back (${when})`,
        text: `${plural(m.unconfirmed, "of this tab's writes", "of this tab's writes")} got no change event back within writeConfirmMs: teammates' screens may not show ${m.unconfirmed === 1 ? 'it' : 'them'}. Threshold: any.`,
        advice:
          "Filter the log by kind 'unconfirmed': each one says why (the write failed, no live channel, the events table unreadable, the event not delivered, or the table not tracked) and which check of select * from realtime_sync_doctor(); to run.",
      })
    }
    // Counts an engine of 0.2.0 does not send read as 0 (the schema's default).
    const refetches = m.refetches ?? 0
    if (refetches < MIN_REFETCHES) continue
    const identical = m.unchangedRefetches ?? 0
    if (identical >= refetches * MAX_IDENTICAL_RATIO && !out.some((d) => d.kind === 'identical')) {
      out.push({
        kind: 'identical',
        minute: m.minute,
        title: `Refetches that changed nothing (${when})`,
        text: `${Math.round((identical / refetches) * 100)}% of realtime refetches returned identical data (${identical} of ${refetches}): the queries were refetched, and nothing on screen changed. Threshold: ${MAX_IDENTICAL_RATIO * 100}% or more, with at least ${MIN_REFETCHES} refetches in a minute.`,
        advice:
          'Invalidation is broader than the screens need: a change of one row refetches every list and wide key of its table. Give detail views record keys (QueryKeys.deals.record(id)), so they refetch only for their row, and check the Queries tab for the keys that refetch most.',
      })
    }
    const failed = m.refetchErrors ?? 0
    if (failed >= refetches * MAX_FAILED_RATIO && !out.some((d) => d.kind === 'failing')) {
      out.push({
        kind: 'failing',
        minute: m.minute,
        title: `Refetches failing (${when})`,
        text: `${failed} of ${refetches} realtime refetches failed: those screens kept their old data. Threshold: ${MAX_FAILED_RATIO * 100}% or more, with at least ${MIN_REFETCHES} refetches in a minute.`,
        advice:
          'Open a refetched event in the log for the error. A permission error after a change usually means a row-level security policy the refetch does not pass.',
      })
    }
  }
  return out
}
