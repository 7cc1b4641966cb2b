import type { Query, QueryClient } from '@tanstack/query-core'
import { Batcher } from './batcher'
import { DatabaseClock } from './database-clock'
import { DedupWindow } from './dedup-window'
import { errorMessage } from './error-message'
import { EventLog } from './event-log'
import { invalidateQueries, type OnRefetch } from './invalidate-queries'
import { LocalWrites } from './local-writes'
import { MinuteMetricsRecorder } from './minute-metrics'
import { validateOption } from './options'
import { previewPayload } from './payload-preview'
import { plural } from './plural'
import { classifyQueryKey, type RecordId, recordScopesOf } from './query-keys'
import { QueryIndex } from './query-index'
import { RecentPasses } from './recent-passes'
import { ReplayCursors } from './replay-cursors'
import { type RefetchWatch, type SettledRefetch, watchRefetch } from './refetch-outcome'
import { type QueryRealtimeStats, type QuerySummary, summarizeQueries } from './query-summaries'
import type { Scheduler } from './scheduler'
import { parseTableChange, type TableChange } from './table-change'
import type { ChannelState, EngineConfig, SyncEvent } from './types'

export interface SyncPipelineOptions {
  queryClient: QueryClient
  scheduler: Scheduler
  config: EngineConfig
  userId: string | null | undefined
  /** Tables without realtime (no organization scope): a resync leaves them alone. */
  globalTables: ReadonlySet<string>
  /** Narrows a resync to the queries of one organization; default: every realtime query. */
  isOrganizationQuery: (queryKey: readonly unknown[], orgId: string) => boolean
  /** The app's realtime tables, when it said them: a key of another table is never reached. */
  tables?: ReadonlySet<string>
  /** false: no 'refetched' events (bench/flush.bench.ts prices the tracking against it). */
  trackRefetches?: boolean
}

/** What a batch holds: 'received' events (table, recordId) and 'resync' events (orgId). */
type Pending = SyncEvent

/**
 * The engine's decisions, without the channels: every change goes
 * parse → dedup window → echo filter → batch → granular invalidation,
 * and every decision is written to the event log and the per-minute metrics.
 */
export class SyncPipeline {
  readonly log: EventLog
  readonly metrics = new MinuteMetricsRecorder()
  /** What the engine has processed of each organization's event log (for replays). */
  readonly cursors = new ReplayCursors()
  /** The page's clock against the database's, from the commit times deliveries carry. */
  readonly databaseClock = new DatabaseClock()
  /** The next receive time at which a delivery's commit time is parsed for the clock. */
  private nextClockSampleAt = Number.NEGATIVE_INFINITY
  private readonly dedup: DedupWindow
  private readonly localWrites: LocalWrites
  private readonly index: QueryIndex
  private readonly batcher: Batcher<Pending>
  private readonly scheduler: Scheduler
  private readonly config: EngineConfig
  private batchCount = 0
  private stopped = false
  /** The running refetch of each query, by the pass that started it: a later pass supersedes it. */
  private readonly refetchWatches = new Map<Query, RefetchWatch>()
  /** What realtime's refetches did to each query, for the Queries tab. */
  private readonly queryStats = new WeakMap<Query, QueryRealtimeStats>()
  /** Which pass last invalidated a query, for the Queries tab. */
  private readonly recentPasses = new RecentPasses()
  /** Tables a realtime change has been seen of (learned per batch, not per event). */
  private readonly seenTables = new Set<string>()
  private readonly clock = () => this.scheduler.now()

  constructor(private readonly options: SyncPipelineOptions) {
    const { config, scheduler } = options
    this.scheduler = scheduler
    this.config = { ...config, recordScopes: recordScopesOf(config.recordScopes) }
    this.log = new EventLog(config.bufferSize, (event) =>
      completeEvent(event, this.databaseClock.latencyCorrectionMs()),
    )
    this.dedup = new DedupWindow(config.dedupWindowMs, config.dedupBy)
    this.localWrites = new LocalWrites(config.echoWindowMs)
    this.index = new QueryIndex(options.queryClient.getQueryCache(), this.config.recordScopes)
    this.index.start()
    this.batcher = new Batcher(
      scheduler,
      config.batchMs,
      (items, flush) => this.flushBatch(items, flush.leading),
      config.batchMode,
    )
  }

  getConfig(): EngineConfig {
    return { ...this.config }
  }

  setOption(name: unknown, value: unknown): EngineConfig {
    validateOption(name, value)
    const n = value as number
    this.config[name] = n
    switch (name) {
      case 'dedupWindowMs':
        this.dedup.windowMs = n
        break
      case 'echoWindowMs':
        this.localWrites.windowMs = n
        break
      case 'batchMs':
        this.batcher.delayMs = n
        break
      case 'bufferSize':
        this.log.resize(n)
        break
      default:
        // A new option in the table must say here what it changes.
        name satisfies never
    }
    return this.getConfig()
  }

  /**
   * A postgres_changes payload from an organization's channel, or (`replayed`) a row read back
   * from realtime_table_events after a gap, wrapped the same way. Never throws.
   */
  receive(orgId: string, payload: unknown, replayed?: true): void {
    try {
      const parsed = parseTableChange(payload, orgId)
      if (parsed.ok) this.ingest(parsed.change, replayed)
      else
        this.malformed(orgId, replayed ? `replayed row: ${parsed.reason}` : parsed.reason, payload)
    } catch (error) {
      this.malformed(orgId, `the engine failed on this payload: ${errorMessage(error)}`, payload)
    }
  }

  /** The hot path: dedup + echo + enqueue, one log entry whatever the verdict. */
  ingest(change: TableChange, replayed?: true): SyncEvent {
    const now = this.scheduler.now()
    const event = changeEvent(change, now, replayed)
    this.cursors.note(change.orgId, change.eventId, change.row.created_at)
    if (now >= this.nextClockSampleAt) this.sampleClock(change, now)
    this.metrics.add('received', now)
    const duplicate = this.dedup.check(change, event)
    if (duplicate !== undefined) {
      this.metrics.add('deduped', now)
      event.kind = 'deduped'
      event.reason = duplicate.reason
      event.relatedSeq = duplicate.seq
      return this.log.append(event)
    }
    const local = this.localWrites.check(change, this.options.userId, now)
    if (local !== undefined && 'echo' in local) {
      this.metrics.add('echo', now)
      event.kind = 'echo'
      event.reason = local.echo.reason
      event.relatedSeq = local.echo.writeSeq
      return this.log.append(event)
    }
    this.metrics.add('processed', now)
    event.reason = local?.note
    this.batcher.add(this.log.append(event))
    return event
  }

  /**
   * A commit time had passed when its delivery arrived: one sample of the page's clock against
   * the database's. Parsing costs as much as the rest of a decision, so one a second is taken.
   */
  private sampleClock(change: TableChange, now: number): void {
    const committed = change.commitTimestamp ?? change.row.created_at
    if (typeof committed !== 'string') return
    this.nextClockSampleAt = now + CLOCK_SAMPLE_INTERVAL_MS
    this.databaseClock.observe(parseCommitTime(committed), now)
  }

  /** This tab is writing the row: the change event that comes back for it is an echo. */
  markLocalWrite(table: string, recordId: string | number): void {
    checkWrite('markLocalWrite(table, id)', table, recordId)
    const now = this.scheduler.now()
    const id = String(recordId)
    this.localWrites.mark(
      this.log.append({ at: now, kind: 'write', table, recordId: id }),
      table,
      id,
    )
  }

  /**
   * This tab's write of these rows settled (succeeded or failed): refetch what a change of each
   * row touches (its record keys and every other key of its table, the matching rule) in one
   * pass, logged as 'invalidated'. The writer's screen shows what the database holds, optimistic
   * data included; the write's realtime echo is then dropped without loss. Resolves when the
   * refetches it started settled; never rejects.
   */
  refreshWrites(writes: readonly { table: string; id: RecordId }[]): Promise<void> {
    for (const { table, id } of writes) checkWrite('refreshWrites([{ table, id }])', table, id)
    if (writes.length === 0) return Promise.resolve()
    const matched = new Set<Query>()
    const tables = new Set<string>()
    const rows = new Set<string>()
    for (const { table, id } of writes) {
      const recordId = String(id)
      tables.add(table)
      rows.add(`${table}/${recordId}`)
      const entry = this.index.table(table)
      if (entry === undefined) continue
      for (const query of entry.wide) matched.add(query)
      for (const query of entry.records.get(recordId) ?? []) matched.add(query)
    }
    const fetches: Promise<unknown>[] = []
    this.invalidate(
      [...matched],
      {
        table: tables.size === 1 ? [...tables][0] : undefined,
        reason: `refresh after this tab's write of ${listRows([...rows])}`,
        batchId: ++this.batchCount,
        causes: [],
      },
      fetches,
    )
    return Promise.allSettled(fetches).then(noop)
  }

  /**
   * A resync the engine cannot replay: every query of the organization is refetched (a change
   * committed while the channel was not live may be anywhere).
   */
  refetchOrganization(state: ChannelState, reason: string): void {
    this.batcher.add(this.logResync(state, reason, undefined))
  }

  /**
   * A resync that replays: `rows` are what the channel missed (oldest id first, the overlap
   * already dropped). The resync entry comes first and serves the same pass as its rows, so it
   * lists the keys they matched; with no row, nothing is refetched.
   */
  replayOrganization(state: ChannelState, reason: string, rows: readonly unknown[]): void {
    const resync = this.logResync(state, reason, true)
    if (rows.length === 0) return
    this.batcher.add(resync)
    for (const row of rows) this.receive(state.orgId, { new: row }, true)
  }

  private logResync(state: ChannelState, reason: string, replayed: true | undefined): SyncEvent {
    return this.log.append({
      at: this.scheduler.now(),
      kind: 'resync',
      orgId: state.orgId,
      channel: { topic: state.topic, status: state.status },
      reason,
      ...(replayed ? { replayed } : {}),
    })
  }

  /**
   * When the oldest data of the organization's loaded queries arrived (engine clock): a change
   * committed after it may be missing from the screen. A query still on its first fetch counts
   * as now. undefined: nothing of the organization is loaded.
   */
  oldestLoadedAt(orgId: string): number | undefined {
    let oldest: number | undefined
    for (const [table, query] of this.index.queries()) {
      if (this.options.globalTables.has(table)) continue
      if (!this.options.isOrganizationQuery(query.queryKey, orgId)) continue
      const { dataUpdatedAt, fetchStatus } = query.state
      const at =
        dataUpdatedAt > 0
          ? dataUpdatedAt
          : fetchStatus === 'fetching'
            ? this.scheduler.now()
            : undefined
      if (at !== undefined && (oldest === undefined || at < oldest)) oldest = at
    }
    return oldest
  }

  get isStopped(): boolean {
    return this.stopped
  }

  channelStatus(state: ChannelState): void {
    this.log.append({
      at: this.scheduler.now(),
      kind: 'channel',
      orgId: state.orgId,
      channel: { topic: state.topic, status: state.status },
      reason: state.lastError,
    })
  }

  /** Manual invalidation for global tables (no realtime for them): call it in mutation hooks. */
  invalidateGlobal(table: string): void {
    const entry = this.index.table(table)
    const queries: Query[] = []
    if (entry !== undefined) {
      queries.push(...entry.wide)
      for (const set of entry.records.values()) queries.push(...set)
    }
    this.invalidate(queries, {
      table,
      reason: `manual: invalidateGlobal('${table}')`,
      batchId: ++this.batchCount,
      causes: [],
    })
  }

  /** Flushes the pending batch now instead of at the end of its window. */
  flush(): void {
    this.batcher.flush()
  }

  clearLog(): void {
    this.log.clear()
    this.metrics.clear()
  }

  stop(): void {
    this.stopped = true
    this.recentPasses.clear()
    this.refetchWatches.clear()
    this.batcher.cancel()
    this.index.stop()
    this.dedup.clear()
    this.localWrites.clear()
    this.cursors.clear()
    this.databaseClock.clear()
  }

  /**
   * Bad input from the organization's channel, a change payload or any other value supabase-js
   * handed the engine: logged with a bounded preview and counted, so it is seen and not thrown.
   */
  malformed(orgId: string, reason: string, payload: unknown): void {
    const now = this.scheduler.now()
    this.metrics.add('received', now)
    this.metrics.add('malformed', now)
    let preview: unknown
    try {
      preview = previewPayload(payload)
    } catch {
      preview = '[unreadable payload]'
    }
    this.log.append({ at: now, kind: 'malformed', orgId, reason, payload: preview })
  }

  private flushBatch(items: Pending[], leading: boolean): void {
    const batchId = ++this.batchCount
    const matched = new Set<Query>()
    const causes: number[] = []
    const tableKeys = new Map<string, unknown[][]>()
    const resyncs: Pending[] = []
    const tables = new Set<string>()
    for (const item of items) {
      causes.push(item.seq)
      item.batchId = batchId
      if (item.kind === 'resync') {
        resyncs.push(item)
        continue
      }
      const table = item.table!
      const recordId = item.recordId!
      tables.add(table)
      const entry = this.index.table(table)
      if (entry === undefined) {
        item.matchedKeys = []
        continue
      }
      let wideKeys = tableKeys.get(table)
      if (wideKeys === undefined) {
        wideKeys = []
        for (const query of entry.wide) {
          matched.add(query)
          wideKeys.push(query.queryKey as unknown[])
        }
        tableKeys.set(table, wideKeys)
      }
      const records = entry.records.get(recordId)
      if (records === undefined) {
        item.matchedKeys = wideKeys
        continue
      }
      const keys = wideKeys.slice()
      for (const query of records) {
        matched.add(query)
        keys.push(query.queryKey as unknown[])
      }
      item.matchedKeys = keys
    }
    for (const item of resyncs) {
      const keys: unknown[][] = []
      if (item.replayed === true) {
        // The replayed rows of this organization in this pass say what the replay touched.
        const seen = new Set<unknown[]>()
        for (const other of items) {
          if (other.replayed !== true || other.kind !== 'received' || other.orgId !== item.orgId)
            continue
          for (const key of other.matchedKeys ?? []) seen.add(key)
        }
        item.matchedKeys = [...seen]
        continue
      }
      for (const [table, query] of this.index.queries()) {
        if (this.options.globalTables.has(table)) continue
        if (!this.options.isOrganizationQuery(query.queryKey, item.orgId!)) continue
        matched.add(query)
        keys.push(query.queryKey as unknown[])
      }
      item.matchedKeys = keys
    }
    for (const table of tables) this.seenTables.add(table)
    this.invalidate([...matched], {
      table: tables.size === 1 ? [...tables][0] : undefined,
      reason: leading
        ? `batch #${batchId}, flushed at once (no pass in the last ${this.config.batchMs} ms): ${describeCauses(items.length, resyncs.length)}`
        : `batch #${batchId}: ${describeCauses(items.length, resyncs.length)}`,
      batchId,
      causes,
      ...(leading ? { leading } : {}),
    })
  }

  /** `fetches`: collects the refetches the pass starts (refreshWrites waits for them). */
  private invalidate(
    queries: Query[],
    event: Pick<SyncEvent, 'table' | 'reason' | 'batchId' | 'causes' | 'leading'>,
    fetches?: Promise<unknown>[],
  ): void {
    const now = this.scheduler.now()
    const tracking = this.options.trackRefetches !== false
    const watch = tracking ? this.watchRefetches(event.batchId, now) : undefined
    const result = invalidateQueries(
      queries,
      fetches === undefined ? watch : collectFetches(fetches, watch),
    )
    const markedStale = result.invalidated - result.refetched
    this.metrics.add('invalidations', now)
    this.metrics.add('keysInvalidated', now, result.invalidated)
    const pass = this.log.append({
      at: now,
      kind: 'invalidated',
      ...event,
      reason: `${event.reason} → ${plural(result.invalidated, 'query', 'queries')} marked stale, ${result.refetched} active refetched`,
      matchedKeys: queries.map((query) => query.queryKey as unknown[]),
      markedStale,
    })
    if (tracking) this.recentPasses.add({ seq: pass.seq, at: now }, queries)
  }

  /** Each refetch of the pass `batchId` is watched until it settles (a later pass supersedes it). */
  private watchRefetches(batchId: number | undefined, now: number): OnRefetch {
    const report = (settled: SettledRefetch) => {
      if (this.refetchWatches.get(settled.query) === settled.watch) {
        this.refetchWatches.delete(settled.query)
      }
      this.refetched(settled, batchId)
    }
    return (query, fetching, dataBefore) => {
      this.refetchWatches.get(query)?.supersede()
      this.refetchWatches.set(
        query,
        watchRefetch(query, fetching, dataBefore, now, this.clock, report),
      )
    }
  }

  private statsOf(query: Query): QueryRealtimeStats {
    let stats = this.queryStats.get(query)
    if (stats === undefined) {
      stats = { refetches: 0 }
      this.queryStats.set(query, stats)
    }
    return stats
  }

  /** Every query of the QueryClient, with how realtime reaches it and what it did to it. */
  summarizeQueries(): QuerySummary[] {
    return summarizeQueries(this.options.queryClient.getQueryCache(), {
      globalTables: this.options.globalTables,
      tables: this.options.tables,
      recordScopes: this.config.recordScopes,
      seenTables: this.seenTables,
      stats: this.queryStats,
      lastPass: this.recentPasses.lastPassOf(),
    })
  }

  /** A query a pass refetched settled: logged and counted, unless the engine stopped since. */
  private refetched(settled: SettledRefetch, batchId: number | undefined): void {
    if (this.stopped) return
    const now = this.scheduler.now()
    const { outcome, durationMs } = settled
    if (outcome !== 'cancelled') {
      const stats = this.statsOf(settled.query)
      stats.refetches++
      stats.lastRefetch = { at: now, durationMs, outcome, dataChanged: settled.dataChanged }
      this.metrics.add('refetches', now)
      this.metrics.addDuration(now, durationMs)
      if (outcome === 'error') this.metrics.add('refetchErrors', now)
      else if (settled.dataChanged === false) this.metrics.add('unchangedRefetches', now)
    }
    const queryKey = settled.query.queryKey as unknown[]
    const target = classifyQueryKey(queryKey)
    this.log.append({
      at: now,
      kind: 'refetched',
      table: target?.table,
      batchId,
      queryKey,
      durationMs,
      outcome,
      error: settled.error,
      dataChanged: settled.dataChanged,
      observers: settled.observers,
    })
  }
}

/** The log entry of a change, every field present so all entries share one shape. */
function changeEvent(change: TableChange, now: number, replayed: true | undefined): SyncEvent {
  return {
    seq: 0, // assigned by the log
    at: now,
    kind: 'received',
    orgId: change.orgId,
    table: change.table,
    op: change.op,
    recordId: change.recordId,
    eventId: change.eventId === undefined ? undefined : String(change.eventId),
    actorId: change.actorId,
    commitTimestamp: change.commitTimestamp,
    latencyMs: undefined, // computed when the event is read: see completeEvent()
    reason: undefined,
    relatedSeq: undefined,
    batchId: undefined,
    matchedKeys: undefined,
    replayed,
    payload: change.row,
  }
}

function noop() {}

/** The refetches a pass starts, collected (each still handed to the pass's watcher). */
function collectFetches(fetches: Promise<unknown>[], watch: OnRefetch | undefined): OnRefetch {
  return (query, fetching, dataBefore) => {
    fetches.push(fetching)
    if (watch === undefined) fetching.catch(noop)
    else watch(query, fetching, dataBefore)
  }
}

function checkWrite(call: string, table: unknown, id: unknown): void {
  if (typeof table !== 'string' || table.length === 0) {
    throw new TypeError(`${call}: table must be a non-empty string`)
  }
  if (typeof id !== 'string' && typeof id !== 'number') {
    throw new TypeError(`${call}: id must be a string or a number`)
  }
}

/** "deals/d1", "deals/d1, contacts/c2", "deals/d1, deals/d2, deals/d3 and 7 more". */
function listRows(rows: string[]): string {
  const shown = rows.slice(0, 3).join(', ')
  return rows.length > 3 ? `${shown} and ${rows.length - 3} more` : shown
}

/** How often a delivery's commit time is parsed to sample the database's clock. */
const CLOCK_SAMPLE_INTERVAL_MS = 1_000

/**
 * Fills what the hot path leaves for readers: parsing the commit time costs as much as the rest
 * of the decision, and nobody needs it while DevTools is closed. The latency is on the database's
 * clock: `correctionMs` moves the receive time onto it (src/database-clock.ts).
 */
function completeEvent(event: SyncEvent, correctionMs: number): SyncEvent {
  if (event.latencyMs === undefined && event.commitTimestamp !== undefined) {
    const committedAt = parseCommitTime(event.commitTimestamp)
    if (Number.isNaN(committedAt)) return event
    const latency = event.at + correctionMs - committedAt
    // A corrected clock is known within a delivery's delay or half a round trip: never below 0.
    event.latencyMs = correctionMs === 0 ? latency : Math.max(0, latency)
  }
  return event
}

/** The rows of one transaction share their commit time: a bulk change parses it once. */
let lastCommit = { text: '', time: Number.NaN }
function parseCommitTime(text: string): number {
  if (text !== lastCommit.text) lastCommit = { text, time: Date.parse(text) }
  return lastCommit.time
}

function describeCauses(items: number, resyncs: number): string {
  const changes = items - resyncs
  const parts: string[] = []
  if (changes > 0) parts.push(`${plural(changes, 'change')} coalesced`)
  if (resyncs > 0) parts.push(plural(resyncs, 'resync'))
  return parts.join(' + ')
}
