export type {
  DevtoolsEngine,
  DevtoolsRegistry,
  EngineChange,
  EngineChangeListener,
  RegistryChange,
} from './devtools-registry'
export {
  DEVTOOLS_GLOBAL,
  getDevtoolsRegistry,
  REGISTRY_VERSION,
  registerEngine,
  watchEngines,
} from './devtools-registry'
export type { DatabaseClockState } from './database-clock'
export type { EventLogSnapshot } from './event-log'
export type { ExportLogOptions } from './export-engine-log'
export type { ExportedLog, LogFile } from './export-log'
export type { KeyTarget, RecordId, TableKeys } from './query-keys'
export {
  classifyQueryKey,
  createQueryKeys,
  createTableFactory,
  LIST_SCOPE,
  RECORD_SCOPE,
} from './query-keys'
export type { OptionSpec, TunableName } from './options'
export {
  DEDUP_MODE_DESCRIPTIONS,
  DEDUP_MODES,
  optionError,
  TUNABLE_OPTION_NAMES,
  TUNABLE_OPTIONS,
} from './options'
export { registerQueryClient } from './register-query-client'
export type { MembershipSource, RealtimeSync, RealtimeSyncOptions } from './realtime-sync'
export { createRealtimeSync, DEFAULT_GLOBAL_TABLES } from './realtime-sync'
export type { QueryReach, QuerySummary } from './query-summaries'
export { QUERY_REACHES } from './query-summaries'
export type { Scheduler } from './scheduler'
export { systemScheduler } from './scheduler'
export type { RealtimeChannelLike, SupabaseRealtimeLike } from './supabase-realtime'
export {
  BATCH_MODES,
  CHANGE_OPERATIONS,
  CHANNEL_STATUSES,
  ENGINE_CHANNEL_STATUSES,
  REFETCH_OUTCOMES,
  SUPABASE_CHANNEL_STATUSES,
  SYNC_EVENT_KINDS,
  TRANSPORTS,
} from './types'
export type {
  BatchMode,
  DiffsMode,
  ChangeOperation,
  ChannelState,
  ChannelStatus,
  EngineChannelStatus,
  SupabaseChannelStatus,
  DedupBy,
  EngineConfig,
  MetricName,
  MinuteMetrics,
  RefetchOutcome,
  SyncEvent,
  Transport,
  SyncEventKind,
  TunableConfig,
} from './types'
export type { ChangedPath, DataChanges } from './data-diff'
export { ENGINE_VERSION } from './version'
