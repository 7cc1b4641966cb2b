import type { TableChange } from './table-change'
import { TimeWindow } from './time-window'
import type { DedupBy, SyncEvent } from './types'

export interface DuplicateOf {
  seq: number
  ageMs: number
  reason: string
}

/**
 * Realtime delivers at least once: reconnects and rejoins can replay a change.
 *
 * 'event' (default): a change is a duplicate only when its identity was seen within the window:
 *   the realtime_table_events id, else table + record + commit_timestamp + op. A different
 *   change to the same row is never dropped.
 * 'row': any second change to the same row within the window is dropped, whatever it was,
 *   which can leave a screen stale until something else refetches.
 */
export class DedupWindow {
  private readonly seen: TimeWindow<string | number, SyncEvent>

  constructor(
    windowMs: number,
    public by: DedupBy = 'event',
  ) {
    this.seen = new TimeWindow(windowMs)
  }

  set windowMs(ms: number) {
    this.seen.windowMs = ms
  }

  get size(): number {
    return this.seen.size
  }

  /**
   * Records `event` (the log entry for `change`) unless the change is a duplicate, in which case
   * says of which earlier entry.
   */
  check(change: TableChange, event: SyncEvent): DuplicateOf | undefined {
    const first = this.seen.getOrRecord(this.identity(change), event)
    if (first === undefined) return undefined
    const ageMs = event.at - first.at
    return { seq: first.seq, ageMs, reason: this.reason(change, first.seq, ageMs) }
  }

  clear(): void {
    this.seen.clear()
  }

  private identity(change: TableChange): string | number {
    if (this.by === 'row') return `${change.table}\u0001${change.recordId}`
    if (change.eventId !== undefined) return change.eventId
    return `${change.table}\u0001${change.recordId}\u0001${change.commitTimestamp}\u0001${change.op}`
  }

  private reason(change: TableChange, seq: number, ageMs: number): string {
    const window = `${this.seen.windowMs} ms`
    if (this.by === 'row') {
      return `row rule (dedupBy: 'row'): ${change.table}/${change.recordId} already changed ${ageMs} ms earlier (#${seq}), inside the ${window} window`
    }
    if (change.eventId !== undefined) {
      return `same event id ${change.eventId} as #${seq}, delivered again ${ageMs} ms later (window ${window})`
    }
    return `same table, record, commit time and operation as #${seq}, ${ageMs} ms earlier (no event id; window ${window})`
  }
}
