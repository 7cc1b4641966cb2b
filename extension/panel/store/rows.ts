import type { SteppedList } from '../../../src/export-log'
import type { SyncEvent } from '../../../src/types'

/** One engine event as the panel holds it. `id` is panel-unique and increases in arrival order. */
export interface EventRow {
  readonly type: 'event'
  readonly id: number
  /** The page load the event belongs to (seqs restart with every page load). */
  readonly session: string
  readonly engineId: string
  readonly event: SyncEvent
  /** Lowercase text the filter searches, built on first use. */
  search?: string
  /** The 'invalidated' row whose `causes` include this event: set when that row arrives. */
  servedBy?: EventRow
  /** This event's place in that row's `causes` (and `causeKeys`). */
  causeIndex?: number
}

export type MarkerKind = 'reload' | 'gap' | 'ring' | 'restart'

/** A line the panel adds itself: page reloads, gaps in seq, events lost to the engine's ring. */
export interface MarkerRow {
  readonly type: 'marker'
  readonly id: number
  readonly marker: MarkerKind
  readonly at: number
  readonly text: string
  /** gap / ring: how many events are missing, and which seqs. */
  readonly missing?: { count: number; from: number; to: number }
}

export type LogRow = EventRow | MarkerRow

/** A read-only, index-addressable list of rows (what the virtualized log renders). */
export interface RowList<T extends { id: number } = LogRow> {
  readonly length: number
  at(index: number): T | undefined
  /** Index of the row with this id, or -1 (binary search: rows are in id order). */
  indexOfId(id: number): number
}

/**
 * The events among `rows`, read a step at a time as an export writes them: a million held rows
 * never become a million event objects at once.
 */
export function eventPages(rows: RowList): SteppedList<SyncEvent> {
  return {
    length: rows.length,
    slice: (start, end) => eventsIn(rows, start, end),
  }
}

/** The events among `rows`, in their order, all at once (What if reads them so). */
export function eventsOf(rows: RowList): SyncEvent[] {
  return eventsIn(rows, 0, rows.length)
}

function eventsIn(rows: RowList, start: number, end: number): SyncEvent[] {
  const out: SyncEvent[] = []
  for (let i = start; i < Math.min(end, rows.length); i++) {
    const row = rows.at(i)!
    if (row.type === 'event') out.push(row.event)
  }
  return out
}

export const EMPTY_ROWS: RowList<never> = {
  length: 0,
  at: () => undefined,
  indexOfId: () => -1,
}
