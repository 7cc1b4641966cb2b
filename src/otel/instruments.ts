/**
 * The OpenTelemetry instruments `instrumentRealtimeSync` records, once: the meter's instruments
 * are created from this table, and the README's table of them is checked against it
 * (test/engine/otel.test.ts). Names follow OpenTelemetry's naming rules: lowercase,
 * dot-separated namespaces under `realtime_sync.`, singular namespaces, a plural name only for a
 * count of things (unit `{thing}`), units in the unit field, durations in seconds.
 */

/** Every attribute an instrument may carry: each has few values, never a record's id. */
export const OTEL_ATTRIBUTES = {
  'realtime_sync.transport': 'how the events arrive: `postgres_changes` or `broadcast`',
  'realtime_sync.table':
    "the changed row's table (`realtime_table_events.table_name`), or the query key's; absent when a pass served several",
  'realtime_sync.organization.id':
    'the organization, only with `organizationAttribute: true` (one series per organization)',
  'realtime_sync.invalidation.trigger':
    "what started the pass: `batch`, `write` (this tab's write settled), `manual` (`invalidateGlobal`)",
  'realtime_sync.refetch.outcome': 'how the refetch ended: `success` or `error`',
  'realtime_sync.malformed.input':
    'what was malformed: `change`, `broadcast`, `subscribe-status`, `system-message`',
  'realtime_sync.malformed.problem': '`invalid-value`, `wrong-organization`, `engine-error`',
  'realtime_sync.resync.first': '`true` for the first subscription, `false` after a gap',
  'realtime_sync.resync.fallback':
    'why every query was refetched: `replay-off`, `no-reader`, `past-retention`, `read-failed`, `over-max-replay`',
  'realtime_sync.unconfirmed.cause':
    '`write-failed`, `no-live-channel`, `events-unreadable`, `not-delivered`, `no-event-row`',
} as const
export type OtelAttribute = keyof typeof OTEL_ATTRIBUTES

export interface InstrumentSpec {
  kind: 'counter' | 'histogram'
  unit: string
  /** What it counts or measures: the instrument's description, and the README's. */
  description: string
  /** Besides `realtime_sync.transport`, which every instrument carries. */
  attributes: readonly OtelAttribute[]
}

/** The attributes of what belongs to one organization's change. */
const CHANGE: readonly OtelAttribute[] = ['realtime_sync.table', 'realtime_sync.organization.id']
const REFETCH: readonly OtelAttribute[] = ['realtime_sync.table']

export const OTEL_INSTRUMENTS = {
  'realtime_sync.event.received': {
    kind: 'counter',
    unit: '{event}',
    description:
      'Changes delivered to the engine (live or replayed), malformed payloads included; the sum of processed, deduped, echo and malformed.',
    attributes: CHANGE,
  },
  'realtime_sync.event.processed': {
    kind: 'counter',
    unit: '{event}',
    description: 'Changes that passed dedup and echo, queued for an invalidation pass.',
    attributes: CHANGE,
  },
  'realtime_sync.event.deduped': {
    kind: 'counter',
    unit: '{event}',
    description: 'Changes dropped as already seen within dedupWindowMs.',
    attributes: CHANGE,
  },
  'realtime_sync.event.echo': {
    kind: 'counter',
    unit: '{event}',
    description: "Changes dropped as this tab's own writes coming back.",
    attributes: CHANGE,
  },
  'realtime_sync.event.malformed': {
    kind: 'counter',
    unit: '{event}',
    description: 'Payloads the engine could not use (logged and counted, never thrown).',
    attributes: [
      'realtime_sync.organization.id',
      'realtime_sync.malformed.input',
      'realtime_sync.malformed.problem',
    ],
  },
  'realtime_sync.event.replayed': {
    kind: 'counter',
    unit: '{event}',
    description:
      'Changes read back from realtime_table_events after a gap (or for a write Realtime did not deliver), whatever their verdict.',
    attributes: CHANGE,
  },
  'realtime_sync.invalidation.passes': {
    kind: 'counter',
    unit: '{pass}',
    description: 'Invalidation passes (a batch flush, a write refresh, invalidateGlobal).',
    attributes: ['realtime_sync.table', 'realtime_sync.invalidation.trigger'],
  },
  'realtime_sync.invalidation.queries': {
    kind: 'counter',
    unit: '{query}',
    description: 'Queries those passes invalidated (marked stale; the active ones refetch).',
    attributes: ['realtime_sync.table', 'realtime_sync.invalidation.trigger'],
  },
  'realtime_sync.refetches': {
    kind: 'counter',
    unit: '{refetch}',
    description: 'Refetches a pass started that settled (cancelled ones are not counted).',
    attributes: [...REFETCH, 'realtime_sync.refetch.outcome'],
  },
  'realtime_sync.refetch.errors': {
    kind: 'counter',
    unit: '{refetch}',
    description: 'Of those, the ones whose queryFn failed.',
    attributes: REFETCH,
  },
  'realtime_sync.refetch.unchanged': {
    kind: 'counter',
    unit: '{refetch}',
    description:
      'Of those, the ones that returned identical data: invalidation broader than the screens need.',
    attributes: REFETCH,
  },
  'realtime_sync.write.unconfirmed': {
    kind: 'counter',
    unit: '{write}',
    description: "This tab's writes that no change event confirmed within writeConfirmMs.",
    attributes: [...CHANGE, 'realtime_sync.unconfirmed.cause'],
  },
  'realtime_sync.resyncs': {
    kind: 'counter',
    unit: '{resync}',
    description:
      'Channels that became live after queries were loaded (first subscription or after a gap), whether they replayed or refetched.',
    attributes: ['realtime_sync.organization.id', 'realtime_sync.resync.first'],
  },
  'realtime_sync.resync.full_refetches': {
    kind: 'counter',
    unit: '{resync}',
    description:
      'Of those, the ones that refetched every query of the organization instead of replaying what was missed.',
    attributes: [
      'realtime_sync.organization.id',
      'realtime_sync.resync.first',
      'realtime_sync.resync.fallback',
    ],
  },
  'realtime_sync.delivery.duration': {
    kind: 'histogram',
    unit: 's',
    description:
      "From a change's commit to its delivery to the engine, on the database's clock (live deliveries; replayed ones are not measured).",
    attributes: CHANGE,
  },
  'realtime_sync.batch.wait_time': {
    kind: 'histogram',
    unit: 's',
    description:
      'How long a processed change waited for the invalidation pass that served it (0 when the leading edge ran it at once).',
    attributes: CHANGE,
  },
  'realtime_sync.refetch.duration': {
    kind: 'histogram',
    unit: 's',
    description: "From the pass's fetch call to the refetch settling (cancelled ones excluded).",
    attributes: [...REFETCH, 'realtime_sync.refetch.outcome'],
  },
} as const satisfies Record<string, InstrumentSpec>
export type OtelInstrumentName = keyof typeof OTEL_INSTRUMENTS

/**
 * Histogram buckets, in seconds: OpenTelemetry's for HTTP durations (5 ms to 10 s), as the
 * SDK's default buckets assume milliseconds.
 */
export const DURATION_BUCKETS_S = [
  0, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
] as const
