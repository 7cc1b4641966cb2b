import { errorMessage } from './error-message'
import type { EventLogReader, MissedEventsWindow } from './missed-events'
import type { Scheduler } from './scheduler'
import type { ResyncFacts } from './decision-facts'
import type { SyncPipeline } from './sync-pipeline'
import type { ChannelState } from './types'

export interface CatchUpOptions {
  /** false: every resync refetches (an app whose users cannot read realtime_table_events). */
  replay: boolean
  /** More missed events than this: refetch instead (a replay that large costs more). */
  maxReplay: number
  /**
   * How far before the last processed event a replay re-reads: the longest a transaction that
   * changes a tracked row stays open, plus one fetch on a first subscription.
   */
  overlapMs: number
  /** How long realtime_table_events keeps rows (prune_realtime_table_events' default). */
  retentionMs: number
  /** undefined: the client cannot read (no from()). */
  read: EventLogReader | undefined
}

export const CATCH_UP_DEFAULTS = {
  maxReplay: 2_000,
  overlapMs: 10_000,
  retentionMs: 3_600_000,
} as const

interface OrgMemory {
  /** When the channel was last live (engine clock); undefined: never in this engine. */
  liveAt?: number
  /** When it stopped being live after that; undefined: it has not. */
  downAt?: number
}

/**
 * What a channel missed, made good when it becomes live (replication ready), the first time
 * after queries were loaded or again after a gap. Realtime has no replay, but
 * realtime_table_events is an ordered, RLS-scoped log of every change: the engine reads what it
 * has not processed and sends it down the live path. It refetches the whole organization only
 * when it cannot: replay off, the gap reaches past retention, the read fails, or it would
 * exceed maxReplay. The window and why it loses nothing: docs/DESIGN.md, "Replay".
 */
export class CatchUp {
  private readonly memory = new Map<string, OrgMemory>()

  constructor(
    private readonly pipeline: SyncPipeline,
    private readonly scheduler: Scheduler,
    private readonly options: CatchUpOptions,
  ) {}

  /** Every channel status: leaving SUBSCRIBED after being live opens a gap. */
  status(state: ChannelState): void {
    if (state.status !== 'SUBSCRIBED') this.down(state.orgId)
  }

  /** The channel was removed: if the organization comes back, the time between is a gap. */
  removed(orgId: string): void {
    this.down(orgId)
  }

  private down(orgId: string): void {
    const memory = this.memory.get(orgId)
    if (memory?.liveAt !== undefined && memory.downAt === undefined) {
      memory.downAt = this.scheduler.now()
    }
  }

  /** Replication is ready on the organization's channel. */
  live(state: ChannelState): void {
    const now = this.scheduler.now()
    const memory = this.memory.get(state.orgId) ?? {}
    this.memory.set(state.orgId, memory)
    const first = memory.liveAt === undefined
    const previousLiveAt = memory.liveAt
    let gapStart: number | undefined
    if (first) {
      gapStart = this.pipeline.oldestLoadedAt(state.orgId)
      // Nothing on screen predates the channel: no change can be missing from it.
      if (gapStart === undefined) {
        memory.liveAt = now
        return
      }
    } else {
      // Live again without having left (a repeated system message): nothing was missed.
      if (memory.downAt === undefined) return
      gapStart = memory.downAt
    }
    memory.liveAt = now
    memory.downAt = undefined
    const gap: ResyncFacts = { gapMs: now - gapStart, first: first ? true : undefined }

    const cannot = this.cannotReplay(now, gapStart)
    if (cannot !== undefined) return this.refetch(state, { ...gap, ...cannot })
    // Without a cursor, read from the last point known to be live: the socket may have died
    // well before the client noticed (gapStart).
    void this.windowFor(state.orgId, first, first ? gapStart : previousLiveAt!)
      .then((window) => (window === undefined ? [] : this.options.read!.missed(window)))
      .then(
        (rows) => this.replay(state, gap, rows),
        (error: unknown) =>
          this.refetch(state, { ...gap, fallback: 'read-failed', error: errorMessage(error) }),
      )
  }

  /** Forget every organization (the engine stopped). */
  clear(): void {
    this.memory.clear()
  }

  private cannotReplay(now: number, gapStart: number): Partial<ResyncFacts> | undefined {
    const { replay, read, retentionMs, overlapMs } = this.options
    if (!replay) return { fallback: 'replay-off' }
    // The supabase client cannot read realtime_table_events (no from()).
    if (read === undefined) return { fallback: 'no-reader' }
    if (now - gapStart > retentionMs - overlapMs) {
      return { fallback: 'past-retention', retentionMs }
    }
    return undefined
  }

  /**
   * After the last event processed, or created within overlapMs before it (a transaction that
   * took a smaller id may commit after it); with none processed, from `coveredUntil`, the point
   * up to which nothing can be missing (the oldest loaded data, or the previous live point). On
   * the first subscription nothing before the channel was live was processed: the window also
   * reaches back to the oldest loaded data. Every bound is on the database's clock: a page time
   * is moved onto it first (databaseTimeOf). undefined: the organization's log is empty, so
   * nothing can be missing.
   */
  private async windowFor(
    orgId: string,
    first: boolean,
    coveredUntil: number,
  ): Promise<MissedEventsWindow | undefined> {
    const { overlapMs, maxReplay } = this.options
    const cursor = this.pipeline.cursors.get(orgId)
    const lastCreated =
      cursor?.lastCreatedAt === undefined ? Number.NaN : Date.parse(cursor.lastCreatedAt)
    let from: number
    if (!first && !Number.isNaN(lastCreated)) from = lastCreated
    else {
      const covered = await this.databaseTimeOf(orgId, coveredUntil)
      if (covered === undefined) return undefined
      from = Number.isNaN(lastCreated) ? covered : Math.min(lastCreated, covered)
    }
    return {
      orgId,
      afterId: cursor?.lastId,
      since: new Date(from - overlapMs).toISOString(),
      limit: maxReplay + 1,
    }
  }

  /**
   * A page time on the database's clock, never later than the truth (src/database-clock.ts).
   * The database's now() is asked first: a round trip, so the bound is within one. Without it
   * (an older migration), the organization's newest row is read: its created_at had passed when
   * the answer arrived, a bound as loose as that row is old, so a quiet organization's window
   * starts early and re-reads a little, never too late. undefined: the organization has no row,
   * so nothing can be missing.
   */
  private async databaseTimeOf(orgId: string, pageTime: number): Promise<number | undefined> {
    const read = this.options.read!
    const clock = this.pipeline.databaseClock
    const sentAt = this.scheduler.now()
    const databaseNow = await read.databaseNow()
    if (databaseNow !== undefined) {
      clock.observeRoundTrip(databaseNow, sentAt, this.scheduler.now())
    } else {
      const newest = await read.newestCreatedAt(orgId)
      if (newest === undefined) return undefined
      clock.observe(newest, this.scheduler.now())
    }
    return clock.toDatabase(pageTime)!
  }

  private replay(state: ChannelState, gap: ResyncFacts, rows: unknown[]): void {
    if (this.pipeline.isStopped) return
    const { maxReplay } = this.options
    if (rows.length > maxReplay) {
      return this.refetch(state, { ...gap, fallback: 'over-max-replay', maxReplay })
    }
    const seen = this.pipeline.cursors.recentIds()
    const missed = rows.filter((row) => !seen.has(Number(idOf(row))))
    this.pipeline.replayOrganization(
      state,
      {
        ...gap,
        replayedCount: missed.length,
        rereadCount: rows.length - missed.length,
        firstId: missed.length === 0 ? undefined : String(idOf(missed[0])),
        lastId: missed.length === 0 ? undefined : String(idOf(missed[missed.length - 1])),
      },
      missed,
    )
  }

  private refetch(state: ChannelState, facts: ResyncFacts): void {
    if (this.pipeline.isStopped) return
    this.pipeline.cursors.reset(state.orgId)
    this.pipeline.refetchOrganization(state, facts)
  }
}

function idOf(row: unknown): unknown {
  return (row as { id?: unknown } | null)?.id
}
