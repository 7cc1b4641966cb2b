import type { TableChange } from './table-change'
import { rowKey } from './row-key'
import { TimeWindow } from './time-window'
import type { MatchRule, SyncEvent } from './types'

/** The facts of a change to a row this tab wrote: the write, how much later, and the rule. */
export interface WriteMatch {
  relatedSeq: number
  ageMs: number
  match: MatchRule
}

/**
 * Echo prevention: the rows this tab wrote recently (markLocalWrite), so the change event that
 * comes back for them is not applied over the optimistic state.
 *
 * An event is an echo only when this tab marked the row within the window AND the event's actor
 * is the current user: a teammate's change to the same row in those seconds is never dropped.
 * Without an actor_id column (older schema) it falls back to the row alone: any change to a row
 * this tab wrote within the window is an echo, whoever made it.
 */
export class LocalWrites {
  private readonly writes: TimeWindow<string>

  constructor(windowMs: number) {
    this.writes = new TimeWindow(windowMs)
  }

  set windowMs(ms: number) {
    this.writes.windowMs = ms
  }

  /**
   * Records the 'write' log entry of markLocalWrite() (its seq and time, not the entry): an echo
   * points back to its seq.
   */
  mark(write: Pick<SyncEvent, 'seq' | 'at'>, table: string, recordId: string): void {
    this.writes.set(rowKey(table, recordId), write.seq, write.at)
  }

  /**
   * The verdict for a change: an echo (drop it), a note explaining why a recent local write did
   * not make it one (a teammate's change), or undefined when this tab did not write the row.
   */
  check(
    change: TableChange,
    userId: string | null | undefined,
    now: number,
    key = rowKey(change.table, change.recordId),
  ): { echo: WriteMatch } | { note: WriteMatch } | undefined {
    const { writes } = this
    if (writes.size === 0) return undefined
    const slot = writes.find(key, now)
    if (slot === -1) return undefined
    const facts = (match: MatchRule): WriteMatch => ({
      relatedSeq: writes.seqAt(slot),
      ageMs: now - writes.timeAt(slot),
      match,
    })
    if (change.actorId === undefined) return { echo: facts('no-actor-column') }
    if (userId != null && change.actorId === userId) return { echo: facts('same-actor') }
    return { note: facts('other-actor') }
  }

  get size(): number {
    return this.writes.size
  }

  clear(): void {
    this.writes.clear()
  }
}
