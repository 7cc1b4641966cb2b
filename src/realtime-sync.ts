import type { QueryClient } from '@tanstack/query-core'
import {
  type DevtoolsEngine,
  type EngineChange,
  type EngineChangeListener,
  nextEngineId,
  registerEngine,
} from './devtools-registry'
import { CATCH_UP_DEFAULTS, CatchUp } from './catch-up'
import type { DatabaseClockState } from './database-clock'
import { exportEngineLog, type ExportLogOptions } from './export-engine-log'
import type { ExportedLog } from './export-log'
import { FinishedMinutes } from './finished-minutes'
import { eventLogReaderOf } from './missed-events'
import { registerQueryClient } from './register-query-client'
import {
  DEFAULT_BATCH_MODE,
  DEFAULT_DEDUP_BY,
  DEFAULT_GLOBAL_TABLES,
  TUNABLE_OPTIONS,
  type TunableName,
} from './options'
import { OrgChannels } from './org-channels'
import type { RecordId } from './query-keys'
import type { QuerySummary } from './query-summaries'
import { type Scheduler, systemScheduler } from './scheduler'
import type { SupabaseRealtimeLike } from './supabase-realtime'
import { SyncPipeline } from './sync-pipeline'
import { Subscribable } from './subscribable'
import {
  type BatchMode,
  type DiffsMode,
  type DedupBy,
  type EngineConfig,
  type MinuteMetrics,
  type SyncEvent,
  isTransport,
  TRANSPORTS,
  type Transport,
} from './types'
import { ENGINE_VERSION } from './version'

/** Memberships that change over time, in the shape useSyncExternalStore also takes. */
export interface MembershipSource {
  getSnapshot(): readonly string[]
  subscribe(onChange: () => void): () => void
}

export interface RealtimeSyncOptions {
  /** A SupabaseClient (only its realtime channel API is used). */
  supabase: SupabaseRealtimeLike
  queryClient: QueryClient
  /** The organizations the user belongs to: one channel each. */
  organizationIds: readonly string[] | MembershipSource
  /** The signed-in user: an event is an echo only if its actor_id is this user. */
  userId?: string | null
  /** Defaults and limits of these five: TUNABLE_OPTIONS (src/options.ts). */
  dedupWindowMs?: number
  echoWindowMs?: number
  batchMs?: number
  bufferSize?: number
  /** How long a write this tab marked waits for its change event before it is logged as unconfirmed (0: off). */
  writeConfirmMs?: number
  /**
   * 'event' (default): a change delivered twice is dropped. 'row': any second change to the
   * same row within the window is dropped, whatever it was (src/options.ts).
   */
  dedupBy?: DedupBy
  /**
   * 'leading' (default): a change after a quiet batchMs is applied at once (a teammate's edit is
   * on screen in milliseconds); what follows within batchMs coalesces. 'trailing': every change
   * waits out the window its batch opened (fewer passes when changes trickle in just apart).
   */
  batchMode?: BatchMode
  /**
   * Record what each refetch changed (a bounded diff, `changes` on `refetched` events):
   * 'devtools' (default) only while a DevTools panel is connected, so with DevTools closed
   * nothing is computed; true always (a production log, exportLog); false never.
   */
  diffs?: DiffsMode
  /** Shown in the DevTools panel when a page has several engines. Default 'app'. */
  name?: string
  /** Tables without realtime; a resync leaves their queries alone. */
  globalTables?: readonly string[]
  /**
   * The tables realtime_table_events reports (the list given to createQueryKeys will do): with
   * it, the DevTools Queries tab flags a query whose key starts with none of them as never
   * reached by realtime. Without it, every string first element counts as a table.
   */
  tables?: readonly string[]
  /**
   * The second key elements that mark a single-row key: a key [table, scope, id, ...] with scope
   * in this list is refetched only by a change of the row whose id is String(id); every other key
   * of the table by every change of it. Default ['record'] (createQueryKeys' `.record(id)`).
   * TkDodo-style keys: ['record', 'detail'] (or ['detail'] alone).
   */
  recordScopes?: readonly string[]
  /** Which queries a resync of `orgId` refetches. Default: every query of a realtime table. */
  isOrganizationQuery?: (queryKey: readonly unknown[], orgId: string) => boolean
  /**
   * After a gap (and on the first subscription, for data loaded before it), read what the
   * channel missed from realtime_table_events and refetch only what it touched. false: refetch
   * every query of the organization instead (users who cannot read the table). Default true.
   */
  replay?: boolean
  /** A gap that missed more events than this refetches instead of replaying. Default 2,000. */
  maxReplay?: number
  /**
   * How far before the last event seen a replay re-reads (the longest a transaction that
   * changes a tracked row stays open, plus one fetch on the first subscription). Default
   * 10,000 ms. The page's clock may be off by any amount: windows are on the database's clock.
   */
  replayOverlapMs?: number
  /** How long realtime_table_events keeps rows; a longer gap refetches. Default 1 hour. */
  eventRetentionMs?: number
  /**
   * How the events arrive: 'postgres_changes' (default; the table in publication
   * supabase_realtime) or 'broadcast' (Broadcast from Database: the migration's broadcast mode
   * sends each event row to the private topic `org:<id>`, authorized by RLS on
   * realtime.messages; Supabase's scalable path). Dedup, echo, batching and replay are the same.
   */
  transport?: Transport
  /**
   * Each minute's metrics once the minute ended (engine clock), for any sink: one call per
   * minute while the engine runs, zeros included, none after stop(). A subscriber of
   * `subscribe` gets the same minute with its 'metrics' change. OpenTelemetry:
   * instrumentRealtimeSync from 'realtime-sync-devtools/otel'.
   */
  onMetrics?: (metrics: MinuteMetrics) => void
  /** Register on the page for the DevTools panel and the console. Default true. */
  devtools?: boolean
  /** The global object the registry lives on. Default globalThis; tests pass their own page. */
  devtoolsHost?: object
  /** Clock and timers; tests pass a manual one. */
  scheduler?: Scheduler
}

/**
 * The engine: one object for the app, the console and the DevTools bridge (it is what the
 * registry holds).
 */
export interface RealtimeSync extends DevtoolsEngine {
  /** How the events arrive (the `transport` option). */
  readonly transport: Transport
  /**
   * Call before writing a row (useRealtimeMutation does it for you): its change event is then an
   * echo, and one that does not come back within writeConfirmMs is logged as `unconfirmed`.
   */
  markLocalWrite(table: string, recordId: string | number): void
  /**
   * Call when a write you marked failed (useRealtimeMutation does it for you): nothing will be
   * delivered for it, and the log says so at once (`unconfirmed`, cause 'write-failed').
   */
  writeFailed(table: string, recordId: string | number): void
  /**
   * Call when a write of these rows settled (useRealtimeMutation does it for you): refetches
   * what a change of each row touches (its record keys, the table's lists and other keys) in one
   * pass, so the writer's screen shows the saved rows while their echo is dropped. Resolves when
   * the refetches settled; never rejects.
   */
  refreshWrites(writes: readonly { table: string; id: RecordId }[]): Promise<void>
  /** Invalidate every query of a global table, such as profiles, after a mutation. */
  invalidateGlobal(table: string): void
  /** Resolves once the channels match the new memberships. */
  setOrganizationIds(organizationIds: readonly string[]): Promise<void>
  /** Change a window or the buffer size live (limits: src/options.ts). */
  setOption(name: TunableName, value: number): EngineConfig
  /** The events the log holds after `sinceSeq`: readEvents(sinceSeq).events. */
  getEvents(sinceSeq?: number): SyncEvent[]
  subscribeAppends(listener: (lastSeq: number) => void): () => void
  getQueries(): QuerySummary[]
  subscribeQueries(listener: () => void): () => void
  getDatabaseClock(): DatabaseClockState | undefined
  /**
   * The log as the DevTools panel's Export JSON writes it, byte for byte (the same format and
   * version, each event with its sentence: import it in the panel), for a bug report: the events
   * the ring holds when called, its drops, the per-minute metrics and the options, with the
   * page's url and title. Tokens, keys and JWTs redacted unless `redact` is false. Its writer
   * loads on the first call (it is not in the engine's bundle) and works in steps of 1,000
   * events, the page given back between them; it holds nothing beyond the ring.
   */
  exportLog(options?: ExportLogOptions): Promise<ExportedLog>
  /** Run the pending invalidation batch now. */
  flush(): void
  /** Leave every channel and unregister; resolves when the channels are removed. */
  stop(): Promise<void>
}

export { DEFAULT_GLOBAL_TABLES } from './options'

export function createRealtimeSync(options: RealtimeSyncOptions): RealtimeSync {
  const { supabase, queryClient } = options
  if (typeof supabase?.channel !== 'function' || typeof supabase.realtime?.setAuth !== 'function') {
    throw new TypeError('createRealtimeSync: `supabase` must be a SupabaseClient')
  }
  if (typeof queryClient?.getQueryCache !== 'function') {
    throw new TypeError('createRealtimeSync: `queryClient` must be a TanStack QueryClient')
  }
  const name = options.name ?? 'app'
  const transport = transportOf(options.transport)
  const scheduler = options.scheduler ?? systemScheduler
  const reader = typeof supabase.from === 'function' ? eventLogReaderOf(supabase) : undefined
  const pipeline: SyncPipeline = new SyncPipeline({
    queryClient,
    scheduler,
    userId: options.userId,
    config: {
      dedupWindowMs: options.dedupWindowMs ?? TUNABLE_OPTIONS.dedupWindowMs.default,
      echoWindowMs: options.echoWindowMs ?? TUNABLE_OPTIONS.echoWindowMs.default,
      batchMs: options.batchMs ?? TUNABLE_OPTIONS.batchMs.default,
      bufferSize: options.bufferSize ?? TUNABLE_OPTIONS.bufferSize.default,
      writeConfirmMs: options.writeConfirmMs ?? TUNABLE_OPTIONS.writeConfirmMs.default,
      dedupBy: options.dedupBy ?? DEFAULT_DEDUP_BY,
      batchMode: options.batchMode ?? DEFAULT_BATCH_MODE,
      recordScopes: options.recordScopes,
    },
    globalTables: new Set(options.globalTables ?? DEFAULT_GLOBAL_TABLES),
    diffs: diffsOption(options.diffs),
    isOrganizationQuery: options.isOrganizationQuery ?? (() => true),
    tables: options.tables === undefined ? undefined : new Set(options.tables),
    writeChecks: {
      // Live since then: replication ready, and not left since (a rejoin moves liveAt).
      liveSince: (since) =>
        channels
          .states()
          .some((c) => c.replication === 'ready' && c.liveAt !== undefined && c.liveAt <= since),
      eventFor:
        reader &&
        ((table, recordId, since) => {
          const from = pipeline.databaseClock.toDatabase(since) ?? since
          return reader.eventFor(table, recordId, new Date(from).toISOString())
        }),
    },
  })
  const catchUp = new CatchUp(pipeline, scheduler, {
    replay: options.replay !== false,
    maxReplay: wholeNumber('maxReplay', options.maxReplay, CATCH_UP_DEFAULTS.maxReplay),
    overlapMs: wholeNumber('replayOverlapMs', options.replayOverlapMs, CATCH_UP_DEFAULTS.overlapMs),
    retentionMs: wholeNumber(
      'eventRetentionMs',
      options.eventRetentionMs,
      CATCH_UP_DEFAULTS.retentionMs,
    ),
    read: reader,
  })
  const changes = new EngineChanges()
  const onMetrics = options.onMetrics
  const minutes = new FinishedMinutes(
    scheduler,
    (minute) => pipeline.metrics.read(minute),
    (metrics) => {
      if (onMetrics !== undefined) {
        try {
          onMetrics(metrics)
        } catch (error) {
          console.error('[realtime-sync-devtools] onMetrics threw:', error)
        }
      }
      changes.notify('metrics', metrics)
    },
  )
  // The minute timer runs while someone takes the minutes: onMetrics or a subscriber.
  const watchMinutes = () => {
    if (!pipeline.isStopped && (onMetrics !== undefined || changes.hasListeners())) {
      minutes.start()
    } else minutes.stop()
  }
  const channels = new OrgChannels(
    supabase,
    {
      onChange: (orgId, payload) => pipeline.receive(orgId, payload),
      onMalformed: (orgId, facts, value) => pipeline.malformed(orgId, facts, value),
      onStatus: (state, facts) => {
        pipeline.channelStatus(state, facts)
        catchUp.status(state)
      },
      onLive: (state) => catchUp.live(state),
      onRemoved: (orgId) => catchUp.removed(orgId),
      onChannelsChanged: () => changes.notify('channels'),
    },
    scheduler,
    transport,
  )

  const memberships = options.organizationIds
  let stopWatching = () => {}
  if (isMembershipSource(memberships)) {
    const sync = () => void channels.setOrganizations(memberships.getSnapshot())
    stopWatching = memberships.subscribe(sync)
    sync()
  } else {
    void channels.setOrganizations(memberships)
  }

  let stopping: Promise<void> | undefined
  let unregister = () => {}
  const engine: RealtimeSync = {
    id: nextEngineId(name),
    name,
    version: ENGINE_VERSION,
    transport,
    markLocalWrite: (table, recordId) => pipeline.markLocalWrite(table, recordId),
    writeFailed: (table, recordId) => pipeline.writeFailed(table, recordId),
    refreshWrites: (writes) => pipeline.refreshWrites(writes),
    invalidateGlobal: (table) => pipeline.invalidateGlobal(table),
    setOrganizationIds: (ids) => channels.setOrganizations(ids),
    setOption(option: unknown, value: unknown) {
      const config = pipeline.setOption(option, value)
      changes.notify('config')
      return config
    },
    getConfig: () => pipeline.getConfig(),
    readEvents: (sinceSeq) => pipeline.log.snapshot(sinceSeq),
    getEvents: (sinceSeq) => pipeline.log.read(sinceSeq),
    getMetrics: () => pipeline.metrics.snapshot(),
    getChannels: () => channels.states(),
    getDatabaseClock: () => pipeline.databaseClock.state(),
    subscribe(listener) {
      const unsubscribe = changes.subscribe(listener)
      watchMinutes()
      return () => {
        unsubscribe()
        watchMinutes()
      }
    },
    subscribeEvents: (listener) => pipeline.log.subscribe(listener),
    subscribeAppends: (listener) => pipeline.log.subscribeAppends(listener),
    getQueries: () => pipeline.summarizeQueries(),
    subscribeQueries: (listener) => queryClient.getQueryCache().subscribe(() => listener()),
    clear() {
      pipeline.clearLog()
      changes.notify('cleared')
    },
    exportLog: (exportOptions) =>
      exportEngineLog(engine, scheduler.now(), options.devtoolsHost ?? globalThis, exportOptions),
    print: (limit = 50, describe = factsOf) =>
      console.table(
        pipeline.log
          .read()
          .slice(-limit)
          .map((event) => toConsoleRow(event, describe)),
      ),
    flush: () => pipeline.flush(),
    stop() {
      if (stopping === undefined) {
        stopWatching()
        unregister()
        pipeline.stop()
        minutes.stop()
        catchUp.clear()
        stopping = channels.stop()
      }
      return stopping
    },
  }
  watchMinutes()
  if (options.devtools !== false) {
    unregister = registerEngine(engine, options.devtoolsHost)
    // The Socket tab shows what this client did after each delivery, as for any app's.
    registerQueryClient(queryClient, options.devtoolsHost)
  }
  return engine
}

/** Tells subscribers what changed; a listener that throws cannot stop the engine. */
class EngineChanges extends Subscribable<EngineChangeListener> {
  notify(change: EngineChange, minute?: MinuteMetrics): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change, minute)
      } catch (error) {
        console.error('[realtime-sync-devtools] a subscriber of the engine threw:', error)
      }
    }
  }
}

function transportOf(value: unknown): Transport {
  if (value === undefined) return 'postgres_changes'
  if (!isTransport(value)) {
    throw new TypeError(
      `createRealtimeSync: transport must be ${TRANSPORTS.map((t) => `'${t}'`).join(' or ')} (got ${JSON.stringify(value)})`,
    )
  }
  return value
}

function diffsOption(value: DiffsMode | undefined): DiffsMode {
  if (value === undefined || value === 'devtools' || typeof value === 'boolean')
    return value ?? 'devtools'
  throw new TypeError(
    `createRealtimeSync: diffs must be 'devtools', true or false (got ${String(value)})`,
  )
}

function wholeNumber(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`createRealtimeSync: ${name} must be a whole number ≥ 0 (got ${value})`)
  }
  return value
}

function isMembershipSource(value: unknown): value is MembershipSource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as MembershipSource).getSnapshot === 'function' &&
    typeof (value as MembershipSource).subscribe === 'function'
  )
}

/**
 * The facts of an event besides the row's columns, as the `why` of engine.print() when no
 * describer is given (the sentences are in the 'realtime-sync-devtools/describe' entry).
 */
function factsOf(event: SyncEvent): string {
  const facts: Record<string, unknown> = { ...event }
  for (const shown of SHOWN_FIELDS) delete facts[shown]
  return JSON.stringify(facts)
}

const CONSOLE_COLUMNS = ['orgId', 'table', 'op', 'recordId', 'latencyMs'] as const
const SHOWN_FIELDS = ['seq', 'at', 'kind', 'payload', ...CONSOLE_COLUMNS]

function toConsoleRow(event: SyncEvent, describe: (event: SyncEvent) => string) {
  const row = event as Partial<Record<(typeof CONSOLE_COLUMNS)[number], unknown>>
  return {
    seq: event.seq,
    time: new Date(event.at).toISOString().slice(11, 23),
    kind: event.kind,
    org: row.orgId,
    table: row.table,
    op: row.op,
    record: row.recordId,
    latencyMs: row.latencyMs,
    why: describe(event),
  }
}
