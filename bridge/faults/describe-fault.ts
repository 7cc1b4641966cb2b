/**
 * The words of a fault record, for the page's console line and the panel: one place, so the
 * console and the panel say the same thing.
 */
import { plural } from '../../src/plural'
import type { FaultRecord } from './fault-records'

/** "500 ms", "8 s", "1.5 s". */
export function faultDuration(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${Number((ms / 1_000).toFixed(1))} s`
}

/** What was simulated: "simulated: offline for 8 s". */
export function describeFault(record: FaultRecord): string {
  switch (record.kind) {
    case 'drop':
      return `simulated: socket dropped${socketsText(record.dropped)}`
    case 'offline':
      return `simulated: offline for ${faultDuration(record.durationMs ?? 0)}`
    case 'delay':
      return `simulated: deliveries delayed by ${faultDuration(record.delayMs ?? 0)}`
    case 'deliver-again':
      return `simulated: a frame delivered again${record.socket === undefined ? '' : ` on socket #${record.socket}`}`
    case 'stall-heartbeats':
      return `simulated: heartbeats stalled for ${faultDuration(record.durationMs ?? 0)}`
  }
}

/** What it did, so far: "closed socket #2, refused 3 connections". Empty when nothing yet. */
export function describeFaultEffects(record: FaultRecord): string {
  const parts: string[] = []
  if (record.kind !== 'drop' && record.dropped !== undefined && record.dropped.length > 0)
    parts.push(`closed${socketsText(record.dropped)}`)
  if (record.refused) parts.push(`refused ${plural(record.refused, 'connection')}`)
  if (record.withheld) parts.push(`kept ${plural(record.withheld, 'heartbeat')} off the wire`)
  if (record.delayed) parts.push(`held ${plural(record.delayed, 'frame')}`)
  return parts.join(', ')
}

/** How it ended, or that it lasts. */
export function describeFaultEnd(record: FaultRecord): string {
  switch (record.endedBy) {
    case undefined:
      return 'active'
    case 'time':
      return 'its time was up'
    case 'ended':
      return 'ended by hand'
    case 'panel-closed':
      return 'ended: the panel closed'
    case 'replaced':
      return 'replaced by a new one'
  }
}

function socketsText(sockets: readonly number[] | undefined): string {
  if (sockets === undefined || sockets.length === 0) return ''
  return ` (socket ${sockets.map((socket) => `#${socket}`).join(', ')})`
}
