import type { QueryClient } from '@tanstack/query-core'
import { type DevtoolsEngine, nextEngineId, registerEngine } from './devtools-registry'
import { OrgChannels } from './org-channels'
import { type Scheduler, systemScheduler } from './scheduler'
import type { SupabaseRealtimeLike } from './supabase-realtime'
import { SyncPipeline } from './sync-pipeline'
import type { ChannelState, DedupBy, EngineConfig, MinuteMetrics, SyncEvent } from './types'
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
  /** A change whose identity was seen within this window is dropped. Default 2000. */
  dedupWindowMs?: number
  /** A change this tab wrote within this window (by this user) is dropped. Default 3000. */
  echoWindowMs?: number
  /** Changes within this window coalesce into one invalidation pass. Default 200. */
  batchMs?: number
  /** Capacity of the circular event log. Default 10,000. */
  bufferSize?: number
  /** 'event' (default): identity dedup. 'row': the seed's rule, any change to the row. */
  dedupBy?: DedupBy
  /** Shown in the DevTools panel when a page has several engines. Default 'app'. */
  name?: string
  /** Tables without realtime; a resync leaves their queries alone. */
  globalTables?: readonly string[]
  /** Which queries a resync of `orgId` refetches. Default: every query of a realtime table. */
  isOrganizationQuery?: (queryKey: readonly unknown[], orgId: string) => boolean
  /** Register on the page for the DevTools panel and the console. Default true. */
  devtools?: boolean
  /** The global object the registry lives on. Default globalThis; tests pass their own page. */
  devtoolsHost?: object
  /** Clock and timers; tests pass a manual one. */
  scheduler?: Scheduler
}

export interface RealtimeSync {
  readonly id: string
  readonly name: string
  /** Call before writing a row (useRealtimeMutation does it for you). */
  markLocalWrite(table: string, recordId: string | number): void
  /** Invalidate every query of a global table, such as profiles, after a mutation. */
  invalidateGlobal(table: string): void
  /** Resolves once the channels match the new memberships. */
  setOrganizationIds(organizationIds: readonly string[]): Promise<void>
  /** Change a window or the buffer size live. */
  setOption(name: keyof Omit<EngineConfig, 'dedupBy'>, value: number): EngineConfig
  getConfig(): EngineConfig
  getEvents(sinceSeq?: number): SyncEvent[]
  getMetrics(): MinuteMetrics[]
  getChannels(): ChannelState[]
  /** Run the pending invalidation batch now. */
  flush(): void
  /** Leave every channel and unregister; resolves when the channels are removed. */
  stop(): Promise<void>
}

export const DEFAULT_GLOBAL_TABLES = ['organizations', 'profiles', 'role_permissions'] as const

export function createRealtimeSync(options: RealtimeSyncOptions): RealtimeSync {
  const { supabase, queryClient } = options
  if (typeof supabase?.channel !== 'function' || typeof supabase.realtime?.setAuth !== 'function') {
    throw new TypeError('createRealtimeSync: `supabase` must be a SupabaseClient')
  }
  if (typeof queryClient?.getQueryCache !== 'function') {
    throw new TypeError('createRealtimeSync: `queryClient` must be a TanStack QueryClient')
  }
  const name = options.name ?? 'app'
  const id = nextEngineId(name)
  const scheduler = options.scheduler ?? systemScheduler
  const pipeline = new SyncPipeline({
    queryClient,
    scheduler,
    userId: options.userId,
    config: {
      dedupWindowMs: options.dedupWindowMs ?? 2_000,
      echoWindowMs: options.echoWindowMs ?? 3_000,
      batchMs: options.batchMs ?? 200,
      bufferSize: options.bufferSize ?? 10_000,
      dedupBy: options.dedupBy ?? 'event',
    },
    globalTables: new Set(options.globalTables ?? DEFAULT_GLOBAL_TABLES),
    isOrganizationQuery: options.isOrganizationQuery ?? (() => true),
  })
  const channels = new OrgChannels(
    supabase,
    {
      onChange: (orgId, payload) => pipeline.receive(orgId, payload),
      onStatus: (state) => {
        pipeline.channelStatus(state)
        if (state.status === 'SUBSCRIBED') pipeline.resync(state)
      },
    },
    scheduler,
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

  const devtools: DevtoolsEngine = {
    id,
    name,
    version: ENGINE_VERSION,
    getConfig: () => pipeline.getConfig(),
    setOption: (option, value) => pipeline.setOption(option, value),
    readEvents: (sinceSeq) => pipeline.log.snapshot(sinceSeq),
    readMetrics: () => pipeline.metrics.snapshot(),
    readChannels: () => channels.states(),
    subscribe: (listener) => pipeline.log.subscribe(listener),
    clear: () => pipeline.clearLog(),
    print: (limit = 50) => console.table(pipeline.log.read().slice(-limit).map(toConsoleRow)),
  }
  const unregister =
    options.devtools === false ? () => {} : registerEngine(devtools, options.devtoolsHost)

  let stopping: Promise<void> | undefined
  return {
    id,
    name,
    markLocalWrite: (table, recordId) => pipeline.markLocalWrite(table, recordId),
    invalidateGlobal: (table) => pipeline.invalidateGlobal(table),
    setOrganizationIds: (ids) => channels.setOrganizations(ids),
    setOption: (option, value) => pipeline.setOption(option, value),
    getConfig: () => pipeline.getConfig(),
    getEvents: (sinceSeq) => pipeline.log.read(sinceSeq),
    getMetrics: () => pipeline.metrics.snapshot(),
    getChannels: () => channels.states(),
    flush: () => pipeline.flush(),
    stop() {
      if (stopping === undefined) {
        stopWatching()
        unregister()
        pipeline.stop()
        stopping = channels.stop()
      }
      return stopping
    },
  }
}

function isMembershipSource(value: unknown): value is MembershipSource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as MembershipSource).getSnapshot === 'function' &&
    typeof (value as MembershipSource).subscribe === 'function'
  )
}

function toConsoleRow(event: SyncEvent) {
  return {
    seq: event.seq,
    time: new Date(event.at).toISOString().slice(11, 23),
    kind: event.kind,
    org: event.orgId,
    table: event.table,
    op: event.op,
    record: event.recordId,
    latencyMs: event.latencyMs,
    why: event.reason,
  }
}
