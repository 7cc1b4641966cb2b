import { formatDuration } from './format'
import type { TokenFacts } from '../../../bridge/socket/frame-redaction'
import type { SocketFrameRecord, SocketRecord } from '../../../bridge/socket/socket-records'
import type { DataChanges } from '../../../src/data-diff'
import { isObject } from '../../../src/is-object'
import { frameView, type PostgresChangesBinding } from '../../../wire/frame-view'
import { PHOENIX_EVENTS, PHOENIX_TOPIC } from '../../../wire/phoenix'

/**
 * What the Socket tab shows, worked out from the page's socket records: each socket's life and
 * heartbeats, each channel's join, the server's answers and deliveries, and the warnings for the
 * known traps. Pure: the same records give the same model (socketModel), and the same model and
 * clock the same warnings (socketWarnings).
 */
export interface SocketSummary {
  socket: number
  url?: string
  vsn?: string
  openedAt: number
  closedAt?: number
  code?: number
  reason?: string
  heartbeats: number
  /** Heartbeats the server answered, round trip in ms. */
  rttMs: number[]
  /** Heartbeats with no answer before the next one was sent (or the socket closed). */
  missedHeartbeats: number
  /** The newest token the socket carried (the URL's apikey, a join's or an access_token push). */
  token?: TokenFacts
  /** A simulated offline (bridge/faults) refused it: it failed before it connected. */
  refused?: boolean
}

export interface ChannelSummary {
  topic: string
  socket: number
  joinedAt: number
  private: boolean
  /** The client's postgres_changes bindings, as it asked for them. */
  bindings: PostgresChangesBinding[]
  reply?: { at: number; status: string; reason?: string }
  /** "Subscribed to PostgreSQL" (status ok), or the server's error for postgres_changes. */
  replication?: { at: number; status: string; message: string }
  /** The server's system errors, in its own words. */
  errors: { at: number; message: string }[]
  deliveries: number
  lastDeliveryAt?: number
  closedAt?: number
  /** phx_close (the server), phx_leave (the client), phx_error. */
  closedBy?: string
  /** It closed this long after its socket's token expired (the server checks `exp`). */
  closedAfterExpiryMs?: number
  /** A later join of the same topic (on this socket or a new one) replaced it: a rejoin. */
  rejoined?: boolean
}

export interface SocketWarning {
  topic?: string
  socket?: number
  text: string
}

/** What the app's QueryClients did within the window after a delivery. */
export interface DeliveryOutcome {
  /** Keys invalidated, in order ("probably caused by this delivery"). */
  invalidated: unknown[]
  /** Keys the app wrote itself (setQueryData). */
  set: unknown[]
  /** Fetches that ended in the window: key, duration, outcome, whether the data changed. */
  refetched: {
    key: unknown
    durationMs?: number
    failed: boolean
    dataChanged?: boolean
    changes?: DataChanges
  }[]
}

export interface SocketModel {
  sockets: SocketSummary[]
  /** Every join, in order: a rejoin after a drop is a row of its own. */
  channels: ChannelSummary[]
  /** Columns each table's postgres_changes deliveries showed (`schema.table`), for the filter check. */
  columns: ReadonlyMap<string, ReadonlySet<string>>
  /** Per delivery frame (postgres_changes or broadcast received), by seq. */
  deliveries: Map<number, DeliveryOutcome>
  /** A QueryClient of the page is observed: without one, deliveries cannot be followed. */
  watchesQueries: boolean
  /** Topics and events seen, for the frame filters. */
  topics: string[]
  events: string[]
}

/** A SUBSCRIBED channel waiting longer than this for "Subscribed to PostgreSQL" is flagged. */
export const REPLICATION_WARNING_MS = 10_000
/** A token this close to its expiry is flagged. */
export const TOKEN_WARNING_MS = 5 * 60_000

/** How long after a delivery an invalidation counts as its consequence, by default. */
export const DEFAULT_CORRELATION_MS = 1_000

/** The model of the records: rebuilt when they change, not when the clock moves. */
export function socketModel(
  records: readonly SocketRecord[],
  correlationMs = DEFAULT_CORRELATION_MS,
): SocketModel {
  const sockets = new Map<number, SocketSummary & { pending: Map<string, number> }>()
  /** Every join, in order; `latest` finds the one a frame of a socket's topic belongs to. */
  const channels: ChannelSummary[] = []
  const latest = new Map<string, ChannelSummary>()
  const channelKey = (socket: number, topic: string) => `${socket}\u0000${topic}`
  /** The newest join of each topic on any socket: an older one was rejoined. */
  const lastJoin = new Map<string, ChannelSummary>()
  /** Columns each table's deliveries showed, for the filter check. */
  const columns = new Map<string, Set<string>>()
  const topics = new Set<string>()
  const events = new Set<string>()
  const joins = new Map<string, ChannelSummary>()
  const socketOf = (record: SocketRecord) => {
    let socket = sockets.get(record.socket)
    if (socket === undefined) {
      socket = {
        socket: record.socket,
        openedAt: record.at,
        heartbeats: 0,
        rttMs: [],
        missedHeartbeats: 0,
        pending: new Map(),
      }
      sockets.set(record.socket, socket)
    }
    return socket
  }
  for (const record of records) {
    // Query and write records are the app's cache and its HTTP writes, not a socket (their
    // socket is 0): followDeliveries and write-follow.ts read those.
    if (record.kind === 'query' || record.kind === 'write') continue
    const socket = socketOf(record)
    if (record.tokens !== undefined && record.tokens.length > 0) socket.token = record.tokens.at(-1)
    if (record.kind === 'open') {
      socket.url = record.url
      socket.vsn = record.vsn
      socket.openedAt = record.at
      if (record.refused) socket.refused = true
      continue
    }
    if (record.kind === 'close') {
      socket.closedAt = record.at
      socket.code = record.code
      socket.reason = record.reason
      socket.missedHeartbeats += socket.pending.size
      socket.pending.clear()
      for (const channel of latest.values()) {
        if (channel.socket === record.socket && channel.closedAt === undefined) {
          close(channel, record.at, `socket closed (${record.code})`, socket.token)
        }
      }
      continue
    }
    if (record.kind !== 'frame' || record.topic === undefined || record.event === undefined)
      continue
    const { topic, event } = record
    topics.add(topic)
    events.add(event)
    if (topic === PHOENIX_TOPIC) {
      if (event === PHOENIX_EVENTS.heartbeat && record.direction === 'out' && record.ref != null) {
        socket.heartbeats++
        socket.missedHeartbeats += socket.pending.size
        socket.pending.clear()
        socket.pending.set(record.ref, record.at)
      } else if (event === PHOENIX_EVENTS.reply && record.ref != null) {
        const sent = socket.pending.get(record.ref)
        if (sent !== undefined) {
          socket.rttMs.push(record.at - sent)
          socket.pending.delete(record.ref)
        }
      }
      continue
    }
    const view = frameView(event, record.payload)
    if (record.direction === 'out' && view.kind === 'join') {
      const channel: ChannelSummary = {
        topic,
        socket: record.socket,
        joinedAt: record.at,
        private: view.private,
        bindings: view.bindings,
        errors: [],
        deliveries: 0,
      }
      const previous = lastJoin.get(topic)
      if (previous !== undefined) previous.rejoined = true
      channels.push(channel)
      lastJoin.set(topic, channel)
      latest.set(channelKey(record.socket, topic), channel)
      if (record.ref != null) joins.set(`${record.socket}:${record.ref}`, channel)
      continue
    }
    const channel = latest.get(channelKey(record.socket, topic))
    if (channel === undefined) continue
    if (record.direction === 'in' && view.kind === 'reply' && record.ref != null) {
      const joined = joins.get(`${record.socket}:${record.ref}`)
      if (joined !== channel) continue
      channel.reply = {
        at: record.at,
        status: String(view.status ?? '?'),
        ...(view.status === 'ok'
          ? {}
          : { reason: String(view.reason ?? JSON.stringify(view.response)) }),
      }
    } else if (record.direction === 'in' && view.kind === 'system') {
      const message = String(view.message ?? '')
      if (view.extension === PHOENIX_EVENTS.postgresChanges) {
        channel.replication = { at: record.at, status: String(view.status ?? '?'), message }
      }
      if (view.status === 'error') channel.errors.push({ at: record.at, message })
    } else if (record.direction === 'in' && (view.kind === 'change' || view.kind === 'broadcast')) {
      channel.deliveries++
      channel.lastDeliveryAt = record.at
      if (view.kind === 'change') noteColumns(columns, view.data)
    } else if (
      event === PHOENIX_EVENTS.close ||
      event === PHOENIX_EVENTS.leave ||
      event === PHOENIX_EVENTS.error
    ) {
      // The server's phx_close follows the client's phx_leave: the first one says who closed it.
      if (channel.closedAt !== undefined) continue
      const by =
        event === PHOENIX_EVENTS.close
          ? SERVER_CLOSED
          : event === PHOENIX_EVENTS.leave
            ? CLIENT_LEFT
            : `an error (${PHOENIX_EVENTS.error})`
      close(channel, record.at, by, socket.token)
    }
  }
  const summaries = [...sockets.values()].map(({ pending: _pending, ...summary }) => summary)
  return {
    sockets: summaries,
    channels,
    columns,
    deliveries: followDeliveries(records, correlationMs),
    watchesQueries: records.some((record) => record.kind === 'query'),
    topics: [...topics].sort(),
    events: [...events].sort(),
  }
}

function close(
  channel: ChannelSummary,
  at: number,
  by: string,
  token: TokenFacts | undefined,
): void {
  channel.closedAt = at
  channel.closedBy = by
  // The client leaving is its own choice; any other close after exp is the server's check.
  if (by !== CLIENT_LEFT && token?.exp !== undefined && token.exp * 1000 <= at) {
    channel.closedAfterExpiryMs = at - token.exp * 1000
  }
}

/** A postgres_changes delivery's data names its table's columns. */
function noteColumns(columns: Map<string, Set<string>>, data: unknown): void {
  if (!isObject(data) || typeof data.table !== 'string') return
  if (!Array.isArray(data.columns)) return
  const key = `${typeof data.schema === 'string' ? data.schema : 'public'}.${data.table}`
  let names = columns.get(key)
  if (names === undefined) {
    names = new Set()
    columns.set(key, names)
  }
  // Only `columns` is the table's: a DELETE's old_record holds just the replica identity.
  for (const column of data.columns) {
    if (isObject(column) && typeof column.name === 'string') names.add(column.name)
  }
}

/**
 * The columns a postgres_changes filter names: `column=op.value`, comma-separated (AND). A
 * comma inside `in.(…)` or a quoted value is not a separator.
 */
export function filterColumns(filter: string): string[] {
  const names: string[] = []
  let depth = 0
  let quoted = false
  let start = 0
  const take = (segment: string) => {
    const match = /^\s*([^=\s]+)\s*=/.exec(segment)
    if (match !== null) names.push(match[1]!)
  }
  for (let i = 0; i < filter.length; i++) {
    const char = filter[i]
    if (char === '\\') i++
    else if (char === '"') quoted = !quoted
    else if (!quoted && char === '(') depth++
    else if (!quoted && char === ')') depth = Math.max(0, depth - 1)
    else if (!quoted && depth === 0 && char === ',') {
      take(filter.slice(start, i))
      start = i + 1
    }
  }
  take(filter.slice(start))
  return names
}

/**
 * What a delivery carries, unwrapped once for every reader: the realtime_table_events row (a
 * postgres_changes row of that table, or a broadcast whose payload is such a row), or, for a
 * postgres_changes delivery of any other table, that table and its row.
 */
function deliveredPayload(
  record: SocketRecord,
): { eventRow: Record<string, unknown> } | { table: string; row: unknown } | undefined {
  if (!isDelivery(record) || !isObject(record.payload)) return undefined
  const view = frameView(record.event, record.payload)
  let row: unknown
  if (view.kind === 'change') {
    if (!isObject(view.data) || typeof view.table !== 'string') return undefined
    if (view.table !== EVENT_TABLE) {
      // A DELETE's record is empty: its old_record holds the replica identity (the id).
      const data =
        isObject(view.record) && Object.keys(view.record).length > 0
          ? view.record
          : view.data.old_record
      return { table: view.table, row: data }
    }
    row = view.record
  } else if (view.kind === 'broadcast') {
    row = view.payload
  }
  return isObject(row) ? { eventRow: row } : undefined
}

/**
 * The realtime_table_events id a delivery carries: a postgres_changes row of that table, or a
 * broadcast whose payload is such a row. What links an engine event to its frame.
 */
export function deliveredEventId(record: SocketRecord): string | undefined {
  const payload = deliveredPayload(record)
  return payload !== undefined && 'eventRow' in payload ? idOf(payload.eventRow) : undefined
}

/** A change delivered on the wire: which row of which table (the events table's row, unwrapped). */
export interface Delivered {
  seq: number
  at: number
  table: string
  recordId?: string
}

/** The row a delivery reports: the table and record an events row names, or the table's own row. */
export function deliveredRow(record: SocketRecord): Delivered | undefined {
  const payload = deliveredPayload(record)
  if (payload === undefined) return undefined
  const { seq, at } = record
  if ('table' in payload) return { seq, at, table: payload.table, recordId: idOf(payload.row) }
  const row = payload.eventRow
  if (typeof row.table_name !== 'string') return undefined
  return { seq, at, table: row.table_name, recordId: idOf(row, 'record_id') }
}

function idOf(row: unknown, field = 'id'): string | undefined {
  if (!isObject(row)) return undefined
  const id = row[field]
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined
}

/** The newest delivery frame of the event row `eventId` the records hold. */
export function frameOfEvent(
  records: readonly SocketRecord[],
  eventId: string,
): SocketRecord | undefined {
  for (let i = records.length - 1; i >= 0; i--) {
    if (deliveredEventId(records[i]!) === eventId) return records[i]
  }
  return undefined
}

const EVENT_TABLE = 'realtime_table_events'
const CLIENT_LEFT = `the client (${PHOENIX_EVENTS.leave})`
const SERVER_CLOSED = `the server (${PHOENIX_EVENTS.close})`

/** The records are in time order: each delivery looks ahead as far as its window reaches. */
function followDeliveries(
  records: readonly SocketRecord[],
  windowMs: number,
): Map<number, DeliveryOutcome> {
  const out = new Map<number, DeliveryOutcome>()
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!
    if (!isDelivery(record)) continue
    const outcome: DeliveryOutcome = { invalidated: [], set: [], refetched: [] }
    for (let j = i + 1; j < records.length; j++) {
      const next = records[j]!
      if (next.at - record.at > windowMs) break
      if (next.kind !== 'query' || next.query === undefined) continue
      const { query } = next
      if (query.event === 'invalidated') outcome.invalidated.push(query.key)
      else if (query.event === 'set') outcome.set.push(query.key)
      else if (query.event === 'fetched' || query.event === 'failed') {
        outcome.refetched.push({
          key: query.key,
          durationMs: query.durationMs,
          failed: query.event === 'failed',
          dataChanged: query.dataChanged,
          changes: query.changes,
        })
      }
    }
    out.set(record.seq, outcome)
  }
  return out
}

/** A postgres_changes or broadcast frame the server sent: a delivery. */
export function isDelivery(
  record: SocketRecord,
): record is SocketFrameRecord & { event: string; direction: 'in' } {
  return (
    record.kind === 'frame' &&
    record.direction === 'in' &&
    (record.event === PHOENIX_EVENTS.postgresChanges || record.event === PHOENIX_EVENTS.broadcast)
  )
}

/**
 * The warnings for the known traps, in order: each channel's, then each socket's token. The
 * clock moves only the "waiting" and expiry ones; the model is not rebuilt for them.
 */
export function socketWarnings(model: SocketModel, now: number): SocketWarning[] {
  const { sockets, channels, columns } = model
  const warnings: SocketWarning[] = []
  for (const channel of channels) {
    const { topic } = channel
    warnings.push(...filterWarnings(channel, columns))
    if (channel.reply !== undefined && channel.reply.status !== 'ok') {
      warnings.push({
        topic,
        text: `the server refused the join: ${channel.reply.reason ?? channel.reply.status}`,
      })
    }
    const open = channel.closedAt === undefined
    const waitingSince = channel.reply?.status === 'ok' ? channel.reply.at : undefined
    if (
      open &&
      channel.bindings.length > 0 &&
      waitingSince !== undefined &&
      channel.replication === undefined &&
      now - waitingSince > REPLICATION_WARNING_MS
    ) {
      warnings.push({
        topic,
        text: `SUBSCRIBED ${formatDuration(now - waitingSince)} ago, but no "Subscribed to PostgreSQL" yet: changes committed until then are not delivered`,
      })
    }
    for (const error of channel.errors) {
      const column = /invalid column for filter (\S+)/.exec(error.message)?.[1]
      warnings.push({
        topic,
        text:
          column === undefined
            ? `the server said: ${error.message}`
            : `its filter names a column the table lacks (${column}), so nothing is delivered: the server said: ${error.message}`,
      })
    }
    if (channel.closedAfterExpiryMs !== undefined) {
      warnings.push({
        topic,
        text: `the channel closed ${formatDuration(channel.closedAfterExpiryMs)} after its token expired: the server checks exp, so a refreshed token must reach supabase.realtime.setAuth() before then`,
      })
    }
    if (channel.closedBy === SERVER_CLOSED && channel.rejoined !== true) {
      warnings.push({
        topic,
        text: 'the server closed the channel; supabase-js does not rejoin it by itself',
      })
    }
  }
  for (const socket of sockets) {
    const exp = socket.token?.exp
    if (exp === undefined || socket.closedAt !== undefined) continue
    const left = exp * 1000 - now
    if (left <= 0) {
      warnings.push({
        socket: socket.socket,
        text: `its token (${socket.token?.role ?? 'no role'}) expired ${formatDuration(-left)} ago`,
      })
    } else if (left <= TOKEN_WARNING_MS) {
      warnings.push({
        socket: socket.socket,
        text: `its token (${socket.token?.role ?? 'no role'}) expires in ${formatDuration(left)}`,
      })
    }
  }
  return warnings
}

/** A filter naming a column the table's own deliveries do not have. */
function filterWarnings(
  channel: ChannelSummary,
  columns: ReadonlyMap<string, ReadonlySet<string>>,
): SocketWarning[] {
  const warnings: SocketWarning[] = []
  for (const binding of channel.bindings) {
    if (typeof binding.filter !== 'string' || typeof binding.table !== 'string') continue
    const table = `${binding.schema ?? 'public'}.${binding.table}`
    const known = columns.get(table)
    if (known === undefined || known.size === 0) continue
    for (const column of filterColumns(binding.filter)) {
      if (known.has(column)) continue
      warnings.push({
        topic: channel.topic,
        text: `the filter "${binding.filter}" names ${column}, a column ${table} lacks (its deliveries have ${[...known].sort().join(', ')}): it matches no row`,
      })
    }
  }
  return warnings
}

/** Round-trip summary for a socket's heartbeats. */
export function rttSummary(rttMs: readonly number[]): string {
  if (rttMs.length === 0) return 'no answer yet'
  const sorted = [...rttMs].sort((a, b) => a - b)
  const median = sorted[sorted.length >> 1]!
  return `last ${Math.round(rttMs.at(-1)!)} ms, median ${Math.round(median)} ms`
}
