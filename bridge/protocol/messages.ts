/**
 * The one message protocol of the DevTools path, imported by every context:
 *
 *   page (MAIN world bridge) ⇄ window.postMessage (to the panel: the relay's MessagePort,
 *     once it offered one) ⇄ content relay (ISOLATED) ⇄ runtime Port ⇄ background service
 *     worker ⇄ runtime Port ⇄ panel
 *
 * Every hop checks the envelope (source tag, protocol version, message type, sizes) and drops
 * anything else. Event batches travel as one JSON string (`data`), parsed and validated once,
 * by the panel: that is 1.1–1.5× faster end to end than structured objects, and the relays
 * in between never walk the events.
 */
import * as v from 'valibot'
import { FAULT_LIMITS } from '../faults/fault-records'
import { QUERY_ACTIONS } from '../query-actions'
import { FaultRecordsSchema } from './fault-record-schema'
import { TUNABLE_OPTION_NAMES, TUNABLE_OPTIONS } from '../../src/options'

export const PROTOCOL_SOURCE = 'realtime-sync-devtools'
/**
 * 2: event batches in the compact form of event-codec.ts (1 sent SyncEvent objects). 3: the
 * typed event contract (src/event-fields.ts) in batch format 2, and a channel's lastNote in
 * place of its lastError. 4: batch format 3 (repeated texts in the batch's string table), and
 * the relay's MessagePort for the page's messages (relay-channel).
 */
export const PROTOCOL_VERSION = 4

/**
 * A `queries` message lists at most this many (a page may cache 10,000): active ones first, then
 * the most refetched; `total` says how many there are.
 */
export const MAX_QUERY_SUMMARIES = 2_000

/** A socket batch never carries more than this many records (split when larger). */
export const MAX_SOCKET_RECORDS_PER_BATCH = 500

/** A batch never carries more than this many events (split when larger). */
export const MAX_EVENTS_PER_BATCH = 1_000
/** A string field crossing a hop is never longer than this (8 MiB; Ports cap at 64 MiB). */
export const MAX_DATA_CHARS = 8 * 1024 * 1024

// ─── page → panel ────────────────────────────────────────────────────────────────────────────

export const EngineInfoSchema = v.object({
  id: v.pipe(v.string(), v.maxLength(200)),
  name: v.pipe(v.string(), v.maxLength(200)),
  version: v.pipe(v.string(), v.maxLength(50)),
})
export type EngineInfo = v.InferOutput<typeof EngineInfoSchema>

const pageSession = v.pipe(v.string(), v.minLength(1), v.maxLength(64))

/**
 * Sent by the bridge when it starts (a page load or navigation: a new `session`), when asked,
 * and whenever an engine registers or unregisters.
 */
const PageHello = v.object({
  type: v.literal('page-hello'),
  session: pageSession,
  url: v.pipe(v.string(), v.maxLength(4_096)),
  title: v.pipe(v.string(), v.maxLength(1_024)),
  engines: v.pipe(v.array(EngineInfoSchema), v.maxLength(100)),
  /**
   * The page's engine registry is of a version this bridge cannot read (an engine package
   * older or newer than the extension): its engines are not listed. Absent when all is well.
   */
  incompatibleRegistry: v.optional(
    v.object({
      found: v.pipe(v.string(), v.maxLength(50)),
      expected: v.pipe(v.number(), v.integer()),
    }),
  ),
})

/**
 * A batch of events of one engine, oldest first: SyncEvents (records.ts) in the compact batch
 * form of event-codec.ts, as one JSON string.
 * `snapshot: true` answers a `connect`: the events the ring holds after the panel's last seq.
 */
const EventBatch = v.object({
  type: v.literal('events'),
  session: pageSession,
  engineId: v.pipe(v.string(), v.maxLength(200)),
  snapshot: v.boolean(),
  data: v.pipe(v.string(), v.maxLength(MAX_DATA_CHARS)),
})

/**
 * The state of one engine, as a JSON string of EngineState (records.ts): config, channels,
 * metrics and the ring's dropped count. Sent with every snapshot, and when the state changes
 * (at most about once a second) while connected.
 */
const EngineStateMessage = v.object({
  type: v.literal('engine-state'),
  session: pageSession,
  engineId: v.pipe(v.string(), v.maxLength(200)),
  data: v.pipe(v.string(), v.maxLength(MAX_DATA_CHARS)),
})

/**
 * The queries of one engine's QueryClient, as a JSON string of QueryList (records.ts): sent
 * while the panel watches them (`watch-queries`), at once and then at most once a second as
 * the cache changes; at most MAX_QUERY_SUMMARIES, the most relevant first.
 */
const QueriesMessage = v.object({
  type: v.literal('queries'),
  session: pageSession,
  engineId: v.pipe(v.string(), v.maxLength(200)),
  data: v.pipe(v.string(), v.maxLength(MAX_DATA_CHARS)),
})

/**
 * Records of the page's Realtime sockets (bridge/socket/socket-records.ts), oldest first, as a
 * JSON array string, while the panel watches them (`watch-socket`): at most
 * MAX_SOCKET_RECORDS_PER_BATCH each. `snapshot: true` starts a series: what the tap's ring
 * held; `dropped` counts the records that fell off it before.
 */
const SocketBatch = v.object({
  type: v.literal('socket'),
  session: pageSession,
  snapshot: v.boolean(),
  dropped: v.pipe(v.number(), v.integer(), v.minValue(0)),
  data: v.pipe(v.string(), v.maxLength(MAX_DATA_CHARS)),
})

/** The answer to a command that can fail (set-option). */
const CommandResult = v.object({
  type: v.literal('command-result'),
  session: pageSession,
  requestId: v.pipe(v.number(), v.integer()),
  ok: v.boolean(),
  error: v.optional(v.pipe(v.string(), v.maxLength(1_000))),
})

/** How a query action went (bridge/query-actions.ts): `ok` false when the page could not run it. */
const QueryActionResultMessage = v.object({
  type: v.literal('query-action-result'),
  session: pageSession,
  requestId: v.pipe(v.number(), v.integer()),
  ok: v.boolean(),
  error: v.optional(v.pipe(v.string(), v.maxLength(1_000))),
  matched: v.pipe(v.number(), v.integer(), v.minValue(0)),
  durationMs: v.pipe(v.number(), v.minValue(0)),
  outcome: v.optional(v.picklist(['success', 'error'])),
  dataChanged: v.optional(v.boolean()),
})

/**
 * The page's simulated faults (bridge/faults), active and past, oldest first: sent when one
 * starts, ends or counts an effect (at most about 4 a second), and with each hello while a panel
 * listens.
 */
const FaultsMessage = v.object({
  type: v.literal('faults'),
  session: pageSession,
  records: FaultRecordsSchema,
})

export const ToPanelSchema = v.variant('type', [
  PageHello,
  EventBatch,
  EngineStateMessage,
  QueriesMessage,
  SocketBatch,
  CommandResult,
  QueryActionResultMessage,
  FaultsMessage,
])
export type ToPanel = v.InferOutput<typeof ToPanelSchema>

// ─── panel → page ────────────────────────────────────────────────────────────────────────────

const engineId = v.pipe(v.string(), v.minLength(1), v.maxLength(200))
const seq = v.pipe(v.number(), v.integer(), v.minValue(0))

const since = v.pipe(
  v.record(engineId, seq),
  v.check((r) => Object.keys(r).length <= 100),
)

/**
 * The panel is listening: send a hello, a snapshot of each engine after `since[engineId]`, then
 * stream live. Sent after every (re)connection. `since` applies only if `session` is this page
 * load's: after a reload the panel's seqs belong to the old page, so the whole ring is sent.
 */
const Connect = v.object({
  type: v.literal('connect'),
  session: v.optional(pageSession),
  since,
})

/** The panel went away: stop streaming (back to zero cost). */
const Disconnect = v.object({ type: v.literal('disconnect') })

/** Ask the page to send its hello again (after the relay was reconnected). */
const Announce = v.object({ type: v.literal('announce') })

const Pause = v.object({ type: v.literal('pause') })
/** Like connect, after a pause: the ring's events since the pause are sent first. */
const Resume = v.object({ type: v.literal('resume'), session: v.optional(pageSession), since })
const Clear = v.object({ type: v.literal('clear'), engineId })

const optionLimits = Object.values(TUNABLE_OPTIONS)

/**
 * Change an option of a running engine. The value's range here is the widest of any option;
 * the engine checks it against the option's own (src/options.ts) and answers command-result.
 */
const SetOption = v.object({
  type: v.literal('set-option'),
  requestId: v.pipe(v.number(), v.integer()),
  engineId,
  name: v.picklist(TUNABLE_OPTION_NAMES),
  value: v.pipe(
    v.number(),
    v.integer(),
    v.minValue(Math.min(...optionLimits.map((option) => option.min))),
    v.maxValue(Math.max(...optionLimits.map((option) => option.max))),
  ),
})

/** Start or stop sending an engine's query summaries (the Queries tab is open or not). */
const WatchQueries = v.object({ type: v.literal('watch-queries'), engineId, on: v.boolean() })

/** Refetch, invalidate, reset or remove one query of the page's QueryClients, by its exact key. */
const QueryActionMessage = v.object({
  type: v.literal('query-action'),
  requestId: v.pipe(v.number(), v.integer()),
  action: v.picklist(QUERY_ACTIONS),
  key: v.pipe(v.array(v.unknown()), v.maxLength(100)),
})

const faultMs = (kind: keyof typeof FAULT_LIMITS) =>
  v.pipe(
    v.number(),
    v.integer(),
    v.minValue(FAULT_LIMITS[kind].min),
    v.maxValue(FAULT_LIMITS[kind].max),
  )

/**
 * Start a simulated fault on the page's Realtime sockets (bridge/faults): answered by
 * command-result. `deliver-again` names a frame by its socket record's seq in the current
 * `watch-socket` series.
 */
const StartFault = v.object({
  type: v.literal('start-fault'),
  requestId: v.pipe(v.number(), v.integer()),
  fault: v.variant('kind', [
    v.object({ kind: v.literal('drop') }),
    v.object({ kind: v.literal('offline'), ms: faultMs('offline') }),
    v.object({ kind: v.literal('delay'), ms: faultMs('delay') }),
    v.object({ kind: v.literal('stall-heartbeats'), ms: faultMs('stall-heartbeats') }),
    v.object({ kind: v.literal('deliver-again'), frameSeq: seq }),
  ]),
})

/** End one active fault (`id`), or every one: answered by command-result. */
const EndFault = v.object({
  type: v.literal('end-fault'),
  requestId: v.pipe(v.number(), v.integer()),
  id: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
})

/** Start or stop sending the page's socket records (the Socket tab is open or not). */
const WatchSocket = v.object({ type: v.literal('watch-socket'), on: v.boolean() })

export const ToPageSchema = v.variant('type', [
  Connect,
  Disconnect,
  Announce,
  Pause,
  Resume,
  Clear,
  SetOption,
  WatchQueries,
  WatchSocket,
  QueryActionMessage,
  StartFault,
  EndFault,
])
export type ToPage = v.InferOutput<typeof ToPageSchema>

// ─── envelopes ───────────────────────────────────────────────────────────────────────────────

export type Direction = 'to-panel' | 'to-page'

export interface Envelope<M> {
  source: typeof PROTOCOL_SOURCE
  /** PROTOCOL_VERSION of the sender: another build of the extension may speak another one. */
  version: number
  direction: Direction
  message: M
}

export function envelope<M extends ToPanel | ToPage>(
  direction: Direction,
  message: M,
): Envelope<M> {
  return { source: PROTOCOL_SOURCE, version: PROTOCOL_VERSION, direction, message }
}

/**
 * The cheap check the relays make: our tag, a protocol version, the expected direction, a
 * message type, bounded string fields. The relays pass any version on: the ends read only their
 * own (parseToPanel / parseToPage, which also check the full shape) and say so when the other
 * speaks another one (foreignVersion), instead of dropping its messages without a word.
 */
export function isEnvelope(value: unknown, direction: Direction): value is Envelope<unknown> {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<Envelope<unknown>>
  if (
    candidate.source !== PROTOCOL_SOURCE ||
    !Number.isInteger(candidate.version) ||
    (candidate.version as number) < 1 ||
    (candidate.version as number) > 1_000 ||
    candidate.direction !== direction
  ) {
    return false
  }
  const message = candidate.message as { type?: unknown; data?: unknown } | null | undefined
  if (typeof message !== 'object' || message === null || typeof message.type !== 'string') {
    return false
  }
  return (
    message.data === undefined ||
    (typeof message.data === 'string' && message.data.length <= MAX_DATA_CHARS)
  )
}

/**
 * The content relay's offer of its own MessagePort for the page's messages to the panel, posted
 * on the window with the port transferred (the event's `ports[0]`) each time a panel's Port
 * reaches the relay. The bridge then posts to-panel messages on that port instead of the window:
 * a window message is handed to every `message` listener of the page, and each that reads it
 * (the bridge's own listener too) copies the whole batch out of it again on the page's thread;
 * a port's message goes to the relay alone. The relay checks what arrives on the port as it
 * checks the window's (isEnvelope). Not a ToPage message: the panel never sends it.
 */
export interface RelayChannel {
  type: 'relay-channel'
}

export function relayChannel(): Envelope<RelayChannel> {
  return {
    source: PROTOCOL_SOURCE,
    version: PROTOCOL_VERSION,
    direction: 'to-page',
    message: { type: 'relay-channel' },
  }
}

/** Our relay's offer in this protocol version (its port comes with the event, not the data). */
export function isRelayChannel(value: unknown): boolean {
  return (
    isEnvelope(value, 'to-page') &&
    value.version === PROTOCOL_VERSION &&
    (value.message as { type?: unknown }).type === 'relay-channel'
  )
}

/** The version of an envelope of ours in another protocol version; undefined otherwise. */
export function foreignVersion(value: unknown, direction: Direction): number | undefined {
  return isEnvelope(value, direction) && value.version !== PROTOCOL_VERSION
    ? value.version
    : undefined
}

export function parseToPanel(value: unknown): ToPanel | undefined {
  if (!isEnvelope(value, 'to-panel') || value.version !== PROTOCOL_VERSION) return undefined
  const result = v.safeParse(ToPanelSchema, value.message)
  return result.success ? result.output : undefined
}

export function parseToPage(value: unknown): ToPage | undefined {
  if (!isEnvelope(value, 'to-page') || value.version !== PROTOCOL_VERSION) return undefined
  const result = v.safeParse(ToPageSchema, value.message)
  return result.success ? result.output : undefined
}

// ─── Ports ───────────────────────────────────────────────────────────────────────────────────
// Nothing connects while DevTools is closed. The panel opens a Port to the background and says
// which tab it inspects; only then does the background open a Port to that tab's content relay
// (tabs.connect). So a page with the engine costs no Port, no worker wake-up, no serialization.

/** The background's Port to a tab's content relay. */
export const PAGE_PORT = 'realtime-sync-devtools:page'
/** The panel's Port to the background. */
export const PANEL_PORT = 'realtime-sync-devtools:panel'

/** Panel → background, besides enveloped to-page messages. */
export const PanelControlSchema = v.variant('type', [
  /** First message on a panel Port, and again to reconnect the page (after a navigation). */
  v.object({
    type: v.literal('panel-hello'),
    tabId: v.pipe(v.number(), v.integer(), v.minValue(0)),
  }),
  /** Keeps the service worker awake while the panel is open. */
  v.object({ type: v.literal('ping') }),
])
export type PanelControl = v.InferOutput<typeof PanelControlSchema>

/** Background → panel, besides enveloped to-panel messages. */
export const BackgroundNoticeSchema = v.variant('type', [
  /** The tab's Port closed: navigation, reload, a closed tab or no relay on this page. */
  v.object({ type: v.literal('page-disconnected') }),
])
export type BackgroundNotice = v.InferOutput<typeof BackgroundNoticeSchema>
