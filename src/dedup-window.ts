import type { TableChange } from './table-change'
import { TimeWindow } from './time-window'
import type { DedupBy, MatchRule } from './types'

/** The facts of a duplicate: the first delivery, how much later this one came, and the rule. */
export interface DuplicateOf {
  relatedSeq: number
  ageMs: number
  match: MatchRule
  windowMs: number
}

/** The log entry of a delivery: the window keeps these two numbers of it, not the entry. */
interface Seen {
  readonly seq: number
  readonly at: number
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
  private readonly seen: TimeWindow<string | number>

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
   * Records the seq and time of `event` (the log entry for `change`) unless the change is a
   * duplicate, in which case says of which earlier entry.
   */
  check(change: TableChange, event: Seen): DuplicateOf | undefined {
    const { seen } = this
    const first = seen.findOrRecord(this.identity(change), event.seq, event.at)
    if (first === -1) return undefined
    return {
      relatedSeq: seen.seqAt(first),
      ageMs: event.at - seen.timeAt(first),
      match:
        this.by === 'row' ? 'same-row' : change.eventId !== undefined ? 'event-id' : 'same-change',
      windowMs: seen.windowMs,
    }
  }

  clear(): void {
    this.seen.clear()
  }

  private identity(change: TableChange): string | number {
    if (this.by === 'row') return `${change.table}\u0001${change.recordId}`
    if (change.eventId !== undefined) return change.eventId
    return `${change.table}\u0001${change.recordId}\u0001${change.commitTimestamp}\u0001${change.op}`
  }
}
