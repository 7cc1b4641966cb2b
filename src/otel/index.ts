/**
 * realtime-sync-devtools/otel: the engine's counters and durations on an OpenTelemetry meter.
 * @opentelemetry/api is an optional peer, and only its types are used: this entry imports
 * nothing at run time, and an app that does not import it pays nothing.
 */
export {
  instrumentRealtimeSync,
  type InstrumentedEngine,
  type InstrumentRealtimeSyncOptions,
} from './instrument-realtime-sync'
export {
  DURATION_BUCKETS_S,
  type InstrumentSpec,
  OTEL_INSTRUMENTS,
  type OtelAttribute,
  type OtelInstrumentName,
} from './instruments'
