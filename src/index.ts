export type { DevtoolsEngine, DevtoolsRegistry, RegistryChange } from './devtools-registry'
export {
  DEVTOOLS_GLOBAL,
  getDevtoolsRegistry,
  REGISTRY_VERSION,
  registerEngine,
  watchEngines,
} from './devtools-registry'
export type { EventLogSnapshot } from './event-log'
export type { KeyTarget, RecordId, TableKeys } from './query-keys'
export {
  classifyQueryKey,
  createQueryKeys,
  createTableFactory,
  LIST_SCOPE,
  RECORD_SCOPE,
} from './query-keys'
export type { MembershipSource, RealtimeSync, RealtimeSyncOptions } from './realtime-sync'
export { createRealtimeSync, DEFAULT_GLOBAL_TABLES } from './realtime-sync'
export type { Scheduler } from './scheduler'
export { systemScheduler } from './scheduler'
export type { RealtimeChannelLike, SupabaseRealtimeLike } from './supabase-realtime'
export type {
  ChangeOperation,
  ChannelState,
  DedupBy,
  EngineConfig,
  MetricName,
  MinuteMetrics,
  SyncEvent,
  SyncEventKind,
  TunableConfig,
} from './types'
export { ENGINE_VERSION } from './version'
