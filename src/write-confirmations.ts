import { errorMessage } from './error-message'
import { rowKey } from './row-key'
import type { Scheduler } from './scheduler'
import type { UnconfirmedCause } from './types'

/** A write this tab marked (its 'write' event), waiting for a change event of its row. */
export interface PendingWrite {
  readonly seq: number
  readonly at: number
  readonly table: string
  readonly recordId: string
  timer?: unknown
}

/** Why a write was not confirmed, as the engine found out. */
export interface UnconfirmedFacts {
  cause: UnconfirmedCause
  /** not-delivered: the realtime_table_events row, replayed down the live path. */
  row?: unknown
  /** events-unreadable: why the read was refused. */
  error?: string
}

/** What the engine can ask to explain a write that never came back. */
export interface WriteChecks {
  /** Some channel of the user's organizations has been live since `since` (engine clock). */
  liveSince(since: number): boolean
  /**
   * The newest realtime_table_events row of the record created since `since` (engine clock),
   * read as this user (RLS decides, as it does for Realtime); undefined: none. Throws when the
   * read is refused; absent when the client cannot read the table.
   */
  eventFor?(table: string, recordId: string, since: number): Promise<unknown>
}

/**
 * The engine confirms its own writes: a write marked with markLocalWrite is confirmed when any
 * change event of its row arrives (its echo). One that none confirms within `windowMs` is
 * reported with the likeliest cause, in the order a developer would check: the write failed,
 * no channel was live, then a read of realtime_table_events as this user says whether the
 * trigger wrote the event row (Realtime did not deliver it) or not (the table is not tracked).
 * Costs nothing per received event while no write waits (one size check).
 */
export class WriteConfirmations {
  private readonly pending = new Map<string, PendingWrite>()
  private stopped = false

  constructor(
    private readonly scheduler: Scheduler,
    private readonly checks: WriteChecks,
    private readonly report: (write: PendingWrite, facts: UnconfirmedFacts) => void,
    /** 0: writes are not followed. */
    public windowMs: number,
  ) {}

  get size(): number {
    return this.pending.size
  }

  /** This tab wrote the row (its 'write' event): wait for its change event. */
  mark(seq: number, at: number, table: string, recordId: string): void {
    if (this.windowMs <= 0 || this.stopped) return
    const key = rowKey(table, recordId)
    this.cancel(key)
    const write: PendingWrite = { seq, at, table, recordId }
    write.timer = this.scheduler.setTimeout(() => {
      write.timer = undefined
      if (this.pending.get(key) !== write) return
      this.pending.delete(key)
      void this.explain(write)
    }, this.windowMs)
    this.pending.set(key, write)
  }

  /** A change event of the row (its rowKey) arrived: its write, if one waits, is confirmed. */
  arrived(key: string): void {
    this.cancel(key)
  }

  /** The write of the row failed: nothing will be delivered, said at once. */
  failed(table: string, recordId: string): void {
    const key = rowKey(table, recordId)
    const write = this.pending.get(key)
    if (write === undefined) return
    this.cancel(key)
    this.report(write, { cause: 'write-failed' })
  }

  clear(): void {
    this.stopped = true
    for (const key of [...this.pending.keys()]) this.cancel(key)
  }

  private cancel(key: string): void {
    const write = this.pending.get(key)
    if (write === undefined) return
    this.pending.delete(key)
    if (write.timer !== undefined) this.scheduler.clearTimeout(write.timer)
  }

  private async explain(write: PendingWrite): Promise<void> {
    const facts = await this.findCause(write)
    if (!this.stopped) this.report(write, facts)
  }

  private async findCause(write: PendingWrite): Promise<UnconfirmedFacts> {
    if (!this.checks.liveSince(write.at)) return { cause: 'no-live-channel' }
    const { eventFor } = this.checks
    if (eventFor === undefined) {
      return { cause: 'events-unreadable', error: 'the supabase client has no from()' }
    }
    try {
      const row = await eventFor(write.table, write.recordId, write.at)
      return row === undefined ? { cause: 'no-event-row' } : { cause: 'not-delivered', row }
    } catch (error) {
      return { cause: 'events-unreadable', error: errorMessage(error) }
    }
  }
}
