import type { Query, QueryClient } from '@tanstack/query-core'
import { Batcher } from './batcher'
import { DatabaseClock } from './database-clock'
import { diffData } from './data-diff'
import { DedupWindow } from './dedup-window'
import { completeEvent, parseCommitTime } from './commit-latency'
import type { MalformedFacts, ResyncFacts } from './decision-facts'
import { errorMessage } from './error-message'
import { EventLog, type SyncEventInit } from './event-log'
import { invalidateQueries, type OnRefetch } from './invalidate-queries'
import { isObject } from './is-object'
import { LocalWrites } from './local-writes'
import { MinuteMetricsRecorder } from './minute-metrics'
import { validateOption } from './options'
import { matchPass } from './pass-matching'
import { previewPayload } from './payload-preview'
import { QueryActivity } from './query-activity'
import { classifyQueryKey, type RecordId, recordScopesOf } from './query-keys'
import { QueryIndex } from './query-index'
import { ReplayCursors } from './replay-cursors'
import { rowKey } from './row-key'
import { type RefetchWatch, type SettledRefetch, watchRefetch } from './refetch-outcome'
import type { QuerySummary } from './query-summaries'
import type { Scheduler } from './scheduler'
import {
  type PendingWrite,
  type UnconfirmedFacts,
  type WriteChecks,
  WriteConfirmations,
} from './write-confirmations'
import { parseTableChange, type TableChange } from './table-change'
import type {
  ChangeEvent,
  ChannelNoteFacts,
  ChannelState,
  DiffsMode,
  EngineConfig,
  EventOfKind,
  ReceivedEvent,
  ResyncEvent,
} from './types'

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
  /**
   * Whether a refetch whose data changed records what changed (`changes`): 'devtools' only while
   * a DevTools panel reads the log (subscribeAppends), true always, false never.
   */
  diffs?: DiffsMode
  /** What explains a write no change event confirmed (default: channels live, no read). */
  writeChecks?: WriteChecks
}

/** What a batch holds: the changes and resyncs its pass serves. */
type Pending = ReceivedEvent | ResyncEvent

/** A change's log entry while the pipeline decides its kind: one object shape for all three. */
type ChangeDraft = { -readonly [K in keyof ChangeFields]: ChangeFields[K] }
type ChangeFields = Omit<
  EventOfKind<'deduped'>,
  'kind' | 'relatedSeq' | 'ageMs' | 'match' | 'windowMs'
> &
  Partial<Pick<EventOfKind<'deduped'>, 'relatedSeq' | 'ageMs' | 'match' | 'windowMs'>> & {
    kind: ChangeEvent['kind']
  }

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
  /** This tab's writes waiting for their change event (writeConfirmMs). */
  private readonly confirmations: WriteConfirmations
  private readonly index: QueryIndex
  private readonly batcher: Batcher<Pending>
  private readonly scheduler: Scheduler
  private readonly config: EngineConfig
  private batchCount = 0
  private stopped = false
  /** The running refetch of each query, by the pass that started it: a later pass supersedes it. */
  private readonly refetchWatches = new Map<Query, RefetchWatch>()
  /** What realtime did to each query, for the Queries tab. */
  private readonly activity: QueryActivity
  private readonly clock = () => this.scheduler.now()

  constructor(private readonly options: SyncPipelineOptions) {
    const { config, scheduler } = options
    this.scheduler = scheduler
    const recordScopes = recordScopesOf(config.recordScopes)
    this.config = { ...config, recordScopes }
    this.log = new EventLog(config.bufferSize, (event) =>
      completeEvent(event, this.databaseClock.latencyCorrectionMs()),
    )
    this.dedup = new DedupWindow(config.dedupWindowMs, config.dedupBy)
    this.localWrites = new LocalWrites(config.echoWindowMs)
    this.confirmations = new WriteConfirmations(
      scheduler,
      options.writeChecks ?? { liveSince: () => true },
      (write, facts) => this.unconfirmed(write, facts),
      config.writeConfirmMs ?? 0,
    )
    this.index = new QueryIndex(options.queryClient.getQueryCache(), recordScopes)
    this.index.start()
    this.activity = new QueryActivity({
      globalTables: options.globalTables,
      tables: options.tables,
      recordScopes,
    })
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
      case 'writeConfirmMs':
        this.confirmations.windowMs = n
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
      else {
        const { problem, field, found } = parsed
        this.malformed(orgId, { input: 'change', problem, field, found, replayed }, payload)
      }
    } catch (error) {
      const facts = {
        input: 'change',
        problem: 'engine-error',
        error: errorMessage(error),
      } as const
      this.malformed(orgId, { ...facts, replayed }, payload)
    }
  }

  /** The hot path: dedup + echo + enqueue, one log entry whatever the verdict. */
  ingest(change: TableChange, replayed?: true): ChangeEvent {
    const now = this.scheduler.now()
    const event = changeEvent(change, now, replayed)
    this.cursors.note(change.orgId, change.eventId, change.row.created_at)
    if (now >= this.nextClockSampleAt) this.sampleClock(change, now)
    this.metrics.add('received', now)
    // The row's key, built once while this tab has writes to match (none: two size checks).
    const key =
      this.localWrites.size > 0 || this.confirmations.size > 0
        ? rowKey(change.table, change.recordId)
        : undefined
    // Any change of a row this tab wrote confirms the write.
    if (key !== undefined && this.confirmations.size > 0) this.confirmations.arrived(key)
    // The verdict is written into the entry before it is logged: never changed afterwards. The
    // dedup window keeps the entry's seq, not the entry, so the entry takes now the seq the log's
    // append below gives it (nothing is logged in between).
    event.seq = this.log.lastSeq + 1
    const duplicate = this.dedup.check(change, event)
    if (duplicate !== undefined) {
      this.metrics.add('deduped', now)
      event.kind = 'deduped'
      event.relatedSeq = duplicate.relatedSeq
      event.ageMs = duplicate.ageMs
      event.match = duplicate.match
      event.windowMs = duplicate.windowMs
      return this.log.append(event as ChangeEvent) as ChangeEvent
    }
    const local =
      key === undefined ? undefined : this.localWrites.check(change, this.options.userId, now, key)
    const write = local === undefined ? undefined : 'echo' in local ? local.echo : local.note
    if (write !== undefined) {
      event.relatedSeq = write.relatedSeq
      event.ageMs = write.ageMs
      event.match = write.match
    }
    if (local !== undefined && 'echo' in local) {
      this.metrics.add('echo', now)
      event.kind = 'echo'
      return this.log.append(event as ChangeEvent) as ChangeEvent
    }
    this.metrics.add('processed', now)
    const received = this.log.append(event as ReceivedEvent) as ReceivedEvent
    this.batcher.add(received)
    return received
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
    const write = this.log.append({ at: now, kind: 'write', table, recordId: id })
    this.localWrites.mark(write, table, id)
    this.confirmations.mark(write.seq, now, table, id)
  }

  /** A write this tab marked failed: nothing will be delivered for it (logged at once). */
  writeFailed(table: string, recordId: string | number): void {
    checkWrite('writeFailed(table, id)', table, recordId)
    this.confirmations.failed(table, String(recordId))
  }

  /**
   * No change event confirmed this tab's write: logged and counted, with why. A row the trigger
   * wrote but Realtime did not deliver is replayed down the live path, so the screens update.
   */
  private unconfirmed(write: PendingWrite, facts: UnconfirmedFacts): void {
    if (this.stopped) return
    const now = this.scheduler.now()
    this.metrics.add('unconfirmed', now)
    const row = facts.row
    const orgId =
      isObject(row) && typeof row.organization_id === 'string' ? row.organization_id : undefined
    this.log.append({
      at: now,
      kind: 'unconfirmed',
      table: write.table,
      recordId: write.recordId,
      relatedSeq: write.seq,
      ageMs: now - write.at,
      cause: facts.cause,
      orgId,
      replayed: orgId === undefined ? undefined : true,
      error: facts.error,
    })
    if (orgId !== undefined) this.receive(orgId, { new: row }, true)
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
    const rows = new Map<string, [string, string]>()
    for (const { table, id } of writes) {
      const recordId = String(id)
      rows.set(`${table}\u0001${recordId}`, [table, recordId])
    }
    const written = [...rows.values()]
    const { queries, tables } = matchPass(
      written.map(([table, recordId]) => ({ kind: 'received', table, recordId })),
      this.matchSources,
    )
    const fetches: Promise<unknown>[] = []
    this.invalidate(
      queries,
      { trigger: 'write', table: onlyOne(tables), causes: [], causeKeys: [], writes: written },
      fetches,
    )
    return Promise.allSettled(fetches).then(noop)
  }

  /**
   * A resync the engine cannot replay: every query of the organization is refetched (a change
   * committed while the channel was not live may be anywhere).
   */
  refetchOrganization(state: ChannelState, facts: ResyncFacts): void {
    this.batcher.add(this.logResync(state, facts, undefined))
  }

  /**
   * A resync that replays: `rows` are what the channel missed (oldest id first, the overlap
   * already dropped). The resync entry comes first and serves the same pass as its rows, so it
   * lists the keys they matched; with no row, nothing is refetched.
   */
  replayOrganization(state: ChannelState, facts: ResyncFacts, rows: readonly unknown[]): void {
    const resync = this.logResync(state, facts, true)
    if (rows.length === 0) return
    this.batcher.add(resync)
    for (const row of rows) this.receive(state.orgId, { new: row }, true)
  }

  private logResync(state: ChannelState, facts: ResyncFacts, replayed: true | undefined) {
    const { gapMs, first, replayedCount, rereadCount, firstId, lastId } = facts
    const { fallback, maxReplay, retentionMs, error } = facts
    return this.log.append({
      at: this.scheduler.now(),
      kind: 'resync',
      orgId: state.orgId,
      channel: { topic: state.topic, status: state.status },
      gapMs,
      first,
      replayed,
      replayedCount,
      rereadCount,
      firstId,
      lastId,
      fallback,
      maxReplay,
      retentionMs,
      error,
    }) as ResyncEvent
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

  channelStatus(state: ChannelState, facts: ChannelNoteFacts = {}): void {
    this.log.append({
      at: this.scheduler.now(),
      kind: 'channel',
      orgId: state.orgId,
      channel: { topic: state.topic, status: state.status },
      note: facts.note,
      error: facts.error,
      delayMs: facts.delayMs,
      waitedMs: facts.waitedMs,
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
    this.invalidate(queries, { trigger: 'manual', table, causes: [], causeKeys: [] })
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
    this.activity.clear()
    this.refetchWatches.clear()
    this.batcher.cancel()
    this.index.stop()
    this.dedup.clear()
    this.localWrites.clear()
    this.confirmations.clear()
    this.cursors.clear()
    this.databaseClock.clear()
  }

  /**
   * Bad input from the organization's channel, a change payload or any other value supabase-js
   * handed the engine: logged with a bounded preview and counted, so it is seen and not thrown.
   */
  malformed(orgId: string, facts: MalformedFacts, payload: unknown): void {
    const now = this.scheduler.now()
    this.metrics.add('received', now)
    this.metrics.add('malformed', now)
    let preview: unknown
    try {
      preview = previewPayload(payload)
    } catch {
      preview = '[unreadable payload]'
    }
    this.log.append({
      at: now,
      kind: 'malformed',
      orgId,
      input: facts.input,
      problem: facts.problem,
      field: facts.field,
      found: facts.found,
      replayed: facts.replayed,
      error: facts.error,
      payload: preview,
    })
  }

  /** The index and the organization's queries, as the matching rule reads them. */
  private readonly matchSources = {
    table: (name: string) => this.index.table(name),
    organizationQueries: (orgId: string) => this.organizationQueries(orgId),
  }

  private *organizationQueries(orgId: string): Iterable<Query> {
    for (const [table, query] of this.index.queries()) {
      if (this.options.globalTables.has(table)) continue
      if (this.options.isOrganizationQuery(query.queryKey, orgId)) yield query
    }
  }

  private flushBatch(items: Pending[], leading: boolean): void {
    const { queries, causeKeys, tables } = matchPass(items, this.matchSources)
    this.activity.sawTables(tables)
    this.invalidate(queries, {
      trigger: 'batch',
      table: onlyOne(tables),
      causes: items.map((item) => item.seq),
      causeKeys,
      leading: leading ? true : undefined,
      batchMs: leading ? this.config.batchMs : undefined,
    })
  }

  /** `fetches`: collects the refetches the pass starts (refreshWrites waits for them). */
  private invalidate(
    queries: Query[],
    pass: Pick<
      InvalidatedInit,
      'trigger' | 'table' | 'causes' | 'causeKeys' | 'leading' | 'batchMs' | 'writes'
    >,
    fetches?: Promise<unknown>[],
  ): void {
    const now = this.scheduler.now()
    const batchId = ++this.batchCount
    const tracking = this.options.trackRefetches !== false
    const watch = tracking ? this.watchRefetches(batchId, now) : undefined
    const result = invalidateQueries(
      queries,
      fetches === undefined ? watch : collectFetches(fetches, watch),
    )
    this.metrics.add('invalidations', now)
    this.metrics.add('keysInvalidated', now, result.invalidated)
    // Built in the field table's order (src/event-fields.ts): the panel's check takes it as is.
    const logged = this.log.append({
      at: now,
      kind: 'invalidated',
      batchId,
      trigger: pass.trigger,
      table: pass.table,
      causes: pass.causes,
      causeKeys: pass.causeKeys,
      matchedKeys: queries.map((query) => query.queryKey as unknown[]),
      markedStale: result.invalidated - result.refetched,
      leading: pass.leading,
      batchMs: pass.batchMs,
      writes: pass.writes,
    })
    if (tracking) this.activity.passed({ seq: logged.seq, at: now }, queries)
  }

  /** Each refetch of the pass `batchId` is watched until it settles (a later pass supersedes it). */
  private watchRefetches(batchId: number, now: number): OnRefetch {
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

  /** Every query of the QueryClient, with how realtime reaches it and what it did to it. */
  summarizeQueries(): QuerySummary[] {
    return this.activity.summarize(this.options.queryClient.getQueryCache())
  }

  /** A query a pass refetched settled: logged and counted, unless the engine stopped since. */
  private refetched(settled: SettledRefetch, batchId: number): void {
    if (this.stopped) return
    const now = this.scheduler.now()
    const { outcome, durationMs } = settled
    this.activity.refetched(settled, now)
    if (outcome !== 'cancelled') {
      this.metrics.add('refetches', now)
      this.metrics.addDuration(now, durationMs)
      if (outcome === 'error') this.metrics.add('refetchErrors', now)
      else if (settled.dataChanged === false) this.metrics.add('unchangedRefetches', now)
    }
    const queryKey = settled.query.queryKey as unknown[]
    const target = classifyQueryKey(queryKey)
    const changes =
      settled.dataChanged && this.diffing()
        ? diffData(settled.dataBefore, settled.query.state.data)
        : undefined
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
      changes,
    })
  }

  /** Diffs are computed while the option says: with the default, only for a listening panel. */
  private diffing(): boolean {
    const mode = this.options.diffs ?? 'devtools'
    return mode === 'devtools' ? this.log.panelListening : mode
  }
}

/**
 * The log entry of a change, every field present so all entries share one shape.
 *
 * A filled-in copy of CHANGE_SHAPE rather than an object literal: V8 tracks the objects of a
 * literal and, once most of them outlived a young-generation GC (the log's ring keeps the newest
 * 10,000), allocates all later ones in the old generation, where only a full GC reclaims them.
 * In hot-path.bench.ts that happened in about half the runs and cost 2-3× the engine's time
 * (--trace-pretenuring-statistics; none with --no-allocation-site-pretenuring). A spread copy
 * is not tracked: none of a dozen runs since.
 */
function changeEvent(change: TableChange, now: number, replayed: true | undefined): ChangeDraft {
  return {
    ...CHANGE_SHAPE,
    at: now,
    orgId: change.orgId,
    table: change.table,
    op: change.op,
    recordId: change.recordId,
    eventId: change.eventId === undefined ? undefined : String(change.eventId),
    actorId: change.actorId,
    commitTimestamp: change.commitTimestamp,
    replayed,
    payload: change.row,
  }
}

/** Every field of a change's entry, in order; changeEvent() copies it. */
const CHANGE_SHAPE: Readonly<ChangeDraft> = {
  seq: 0, // assigned by the log
  at: 0,
  kind: 'received',
  orgId: '',
  table: '',
  op: 'INSERT',
  recordId: '',
  eventId: undefined,
  actorId: undefined,
  commitTimestamp: undefined,
  latencyMs: undefined, // computed when the event is read: see completeEvent()
  replayed: undefined,
  relatedSeq: undefined,
  ageMs: undefined,
  match: undefined,
  windowMs: undefined,
  payload: {},
}

type InvalidatedInit = Extract<SyncEventInit, { kind: 'invalidated' }>

/** The one element of a set, or undefined. */
function onlyOne<T>(set: ReadonlySet<T>): T | undefined {
  return set.size === 1 ? set.values().next().value : undefined
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

/** How often a delivery's commit time is parsed to sample the database's clock. */
const CLOCK_SAMPLE_INTERVAL_MS = 1_000
