import { useEffect, useMemo, useRef, useState } from 'react'
import type { SocketFrameRecord, SocketRecord } from '../../../bridge/socket/socket-records'
import { frameView } from '../../../wire/frame-view'
import { PHOENIX_EVENTS, REALTIME_SOCKET_PATH } from '../../../wire/phoenix'
import type { EventRow } from '../store/rows'
import { formatDuration, formatKey, formatTime } from '../store/format'
import type { PanelSnapshot, PanelStore } from '../store/panel-store'
import {
  DEFAULT_CORRELATION_MS,
  type DeliveryOutcome,
  deliveredEventId,
  frameOfEvent,
  isDelivery,
  rttSummary,
  socketModel,
  socketWarnings,
} from '../store/socket-model'
import { describeChanges } from '../../../src/describe-event'
import { writeResponse, writeTarget } from '../store/write-text'
import {
  describeFault,
  describeFaultEffects,
  describeFaultEnd,
} from '../../../bridge/faults/describe-fault'
import { type FaultRecord, isActive } from '../../../bridge/faults/fault-records'
import { ColumnHeads } from './ColumnHeads'
import { FaultControls } from './FaultControls'
import { JsonTree } from './JsonTree'
import { KindBadge } from './KindBadge'
import { useSocketWatch } from './use-socket-watch'

export interface SocketViewProps {
  store: PanelStore
  snapshot: PanelSnapshot
  /** Open on the delivery frame of this realtime_table_events id (a log event's "Frame"). */
  focusEventId?: string
  /** A frame's engine event was picked: show it in the log. */
  onShowEvent?(row: EventRow): void
}

/** Frames listed at most (the newest); the filters narrow what the panel holds. */
const MAX_FRAMES_SHOWN = 500

/**
 * The page's supabase-js Realtime sockets as the wire shows them, with or without our engine:
 * each socket's life and heartbeats, each channel's join and the server's answers in its own
 * words, the warnings for the known traps, and every frame decoded (tokens redacted in the page).
 */
export function SocketView({ store, snapshot, focusEventId, onShowEvent }: SocketViewProps) {
  const live = snapshot.mode === 'live'
  useSocketWatch(store, live)

  const { records } = snapshot.socket
  const now = snapshot.builtAt
  const [windowMs, setWindowMs] = useState(DEFAULT_CORRELATION_MS)
  // The model changes with the records; the clock only moves the "waiting" and expiry warnings.
  const model = useMemo(() => socketModel(records, windowMs), [records, windowMs])
  const warnings = useMemo(() => socketWarnings(model, now), [model, now])
  const [topic, setTopic] = useState('')
  const [event, setEvent] = useState('')
  const [picked, setPicked] = useState<number | undefined>()
  const { faults } = snapshot.socket
  const frames = useMemo(() => {
    const shown = records.filter(
      (r) =>
        r.kind !== 'query' &&
        (r.kind !== 'frame' ||
          ((topic === '' || r.topic === topic) && (event === '' || r.event === event))),
    )
    return withFaultRows(shown.slice(-MAX_FRAMES_SHOWN), faults)
  }, [records, topic, event, faults])
  // A log event asked for its frame: shown once the records hold it (the snapshot may follow),
  // until the user picks another.
  const focused = focusEventId === undefined ? undefined : frameOfEvent(records, focusEventId)
  const shownSeq = picked ?? focused?.seq
  const pickedRow = useRef<HTMLTableRowElement>(null)
  useEffect(() => {
    // A block, not an expression: Chromium's scrollIntoView returns a promise, and React takes
    // whatever an effect returns for its cleanup.
    pickedRow.current?.scrollIntoView?.({ block: 'nearest' })
  }, [shownSeq])
  const selected = shownSeq === undefined ? undefined : records.find((r) => r.seq === shownSeq)
  const focusMissing = focusEventId !== undefined && focused === undefined && picked === undefined

  const controls = live ? <FaultControls store={store} faults={faults} /> : null
  if (records.length === 0) {
    return (
      <p className="view-empty">
        {live
          ? `No Realtime socket yet: the page has not opened a supabase-js socket to ${REALTIME_SOCKET_PATH} since it loaded (or since the panel last listened).`
          : 'This export carries no socket records: it was written before export version 3, or its Socket tab held none.'}
      </p>
    )
  }
  return (
    <div className="socket-view">
      {controls}
      {focusMissing && (
        <p className="socket-focus-missing" role="status">
          The delivery of event {focusEventId} is not among the {records.length} records held: the
          page keeps its newest frames, and a replayed event was read, not delivered.
        </p>
      )}
      {warnings.length > 0 && (
        <ul className="socket-warnings" aria-label="Socket warnings">
          {warnings.map((warning, i) => (
            <li key={i} className="socket-warning">
              <strong>{warning.topic ?? `socket ${warning.socket}`}</strong>: {warning.text}
            </li>
          ))}
        </ul>
      )}
      <table className="data-table socket-table" aria-label="Sockets">
        <caption>Sockets: their lives, heartbeats and tokens.</caption>
        <ColumnHeads labels={['#', 'Host', 'vsn', 'Opened', 'State', 'Heartbeats', 'Token']} />
        <tbody>
          {model.sockets.map((socket) => (
            <tr key={socket.socket}>
              <td>{socket.socket}</td>
              <td className="mono socket-url" title={socket.url}>
                {hostOf(socket.url)}
              </td>
              <td>{socket.vsn ?? ''}</td>
              <td>{formatTime(socket.openedAt)}</td>
              <td>
                {socket.closedAt === undefined
                  ? 'open'
                  : `closed at ${formatTime(socket.closedAt)}: code ${socket.code ?? '?'}${socket.reason ? ` (${socket.reason})` : ''}`}
                {socket.refused ? ', refused by a simulated offline' : ''}
              </td>
              <td>
                {socket.heartbeats} sent, {rttSummary(socket.rttMs)}
                {socket.missedHeartbeats > 0 ? `, ${socket.missedHeartbeats} unanswered` : ''}
              </td>
              <td>{tokenText(socket.token, now)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table className="data-table socket-channels" aria-label="Socket channels">
        <caption>Channels as joined on the wire, and the server's answers.</caption>
        <ColumnHeads
          labels={[
            'Topic',
            'Socket',
            'Joined',
            'Reply',
            'Replication',
            'Bindings',
            'Deliveries',
            'Closed',
          ]}
        />
        <tbody>
          {model.channels.map((channel) => (
            <tr key={`${channel.socket}:${channel.topic}:${channel.joinedAt}`}>
              <td className="mono">
                {channel.topic}
                {channel.private ? ' (private)' : ''}
              </td>
              <td>#{channel.socket}</td>
              <td>{formatTime(channel.joinedAt)}</td>
              <td>
                {channel.reply === undefined
                  ? 'no reply yet'
                  : channel.reply.status === 'ok'
                    ? `ok, after ${Math.round(channel.reply.at - channel.joinedAt)} ms`
                    : `${channel.reply.status}: ${channel.reply.reason ?? ''}`}
              </td>
              <td>
                {channel.replication === undefined
                  ? channel.bindings.length === 0
                    ? '—'
                    : 'waiting for "Subscribed to PostgreSQL"'
                  : `${channel.replication.status}: ${channel.replication.message}`}
              </td>
              <td className="mono">
                {/* supabase-js never tells the server which broadcast events it listens to. */}
                {channel.bindings.length === 0
                  ? 'broadcast / presence only'
                  : channel.bindings
                      .map(
                        (b) =>
                          `${b.event ?? '*'} ${b.schema ?? ''}.${b.table ?? '*'}${b.filter ? ` ${b.filter}` : ''}`,
                      )
                      .join('; ')}
              </td>
              <td>
                {channel.deliveries}
                {channel.lastDeliveryAt === undefined
                  ? ''
                  : `, last at ${formatTime(channel.lastDeliveryAt)}`}
              </td>
              <td>
                {channel.closedAt === undefined
                  ? ''
                  : `${formatTime(channel.closedAt)} by ${channel.closedBy ?? '?'}${channel.rejoined ? ', rejoined' : ''}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="socket-frames-bar">
        <label>
          Channel{' '}
          <select value={topic} onChange={(e) => setTopic(e.target.value)} aria-label="Channel">
            <option value="">All channels</option>
            {model.topics.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          Event{' '}
          <select value={event} onChange={(e) => setEvent(e.target.value)} aria-label="Event">
            <option value="">All events</option>
            {model.events.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          Follow a delivery for{' '}
          <input
            type="number"
            min={50}
            max={60_000}
            step={50}
            value={windowMs}
            aria-label="Follow a delivery for (ms)"
            onChange={(e) => {
              const value = Number(e.target.value)
              if (Number.isFinite(value) && value >= 50 && value <= 60_000) setWindowMs(value)
            }}
          />{' '}
          ms
        </label>{' '}
        <span className="socket-counts">
          {records.length} records held
          {snapshot.socket.tapDropped + snapshot.socket.capDropped > 0
            ? `, ${snapshot.socket.tapDropped + snapshot.socket.capDropped} older ones let go`
            : ''}
          {snapshot.socket.missing > 0 ? `, ${snapshot.socket.missing} lost in transit` : ''}
        </span>
      </div>
      <div className="socket-frames-layout">
        <table className="data-table socket-frames" aria-label="Frames">
          <ColumnHeads labels={['Time', '', 'Topic', 'Event', 'Size', 'What']} />
          <tbody>
            {frames.map((item) => {
              if ('simulated' in item)
                return <FaultRow key={`f${item.simulated.id}`} fault={item.simulated} />
              const record = item
              const frame = frameOf(record)
              return (
                <tr
                  key={record.seq}
                  ref={record.seq === shownSeq ? pickedRow : undefined}
                  className={
                    record.seq === shownSeq ? 'socket-frame socket-frame-picked' : 'socket-frame'
                  }
                  onClick={() => setPicked(record.seq)}
                >
                  <td>{formatTime(record.at)}</td>
                  <td aria-label={frame?.direction === 'out' ? 'sent' : 'received'}>
                    {frame === undefined ? '•' : frame.direction === 'out' ? '↑' : '↓'}
                  </td>
                  <td className="mono">{frame?.topic ?? ''}</td>
                  <td>{frame?.event ?? record.kind}</td>
                  <td className="cell-num">{frame?.size ?? ''}</td>
                  <td className="cell-verdict">
                    {frameSummary(record)}
                    {isDelivery(record)
                      ? ` → ${afterText(model.deliveries.get(record.seq), model.watchesQueries)}`
                      : ''}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
        {selected !== undefined && (
          <section className="socket-frame-detail" aria-label="Frame">
            <p>
              #{selected.seq} {selected.kind} at {formatTime(selected.at)}
              {selected.kind === 'frame' && selected.binary ? ` (binary: ${selected.binary})` : ''}
            </p>
            {malformedOf(selected) !== undefined && (
              <p className="channel-error">{malformedOf(selected)}</p>
            )}
            {selected.tokens !== undefined && (
              <p>
                Tokens (redacted in the page):{' '}
                {selected.tokens.map((t) => tokenText(t, now)).join('; ')}
              </p>
            )}
            <EngineRows
              eventId={deliveredEventId(selected)}
              at={selected.at}
              store={store}
              onShowEvent={onShowEvent}
            />
            {live && isDelivery(selected) && (
              <p>
                <button
                  type="button"
                  title="Hands this frame to the page's socket once more, as at-least-once delivery can: the engine should drop it as a duplicate"
                  onClick={() =>
                    store.startFault({ kind: 'deliver-again', frameSeq: selected.seq })
                  }
                >
                  Deliver again
                </button>
              </p>
            )}
            {isDelivery(selected) && (
              <DeliveryDetail
                outcome={model.deliveries.get(selected.seq)}
                watchesQueries={model.watchesQueries}
                windowMs={windowMs}
              />
            )}
            <JsonTree value={frameOf(selected)?.payload ?? selected} />
          </section>
        )}
      </div>
    </div>
  )
}

/** On an engine's page: what the engine logged for this delivery, each a link to the log. */
function EngineRows({
  eventId,
  at,
  store,
  onShowEvent,
}: {
  eventId: string | undefined
  /** When the frame arrived: the log is read back to there only. */
  at: number
  store: PanelStore
  onShowEvent?(row: EventRow): void
}) {
  if (eventId === undefined) return null
  const rows = store.rowsOfFrame(eventId, at)
  if (rows.length === 0) return null
  return (
    <p className="socket-engine-rows">
      The engine logged it as{' '}
      {rows.map((row, i) => (
        <span key={row.id}>
          {i > 0 ? ', ' : ''}
          <button
            type="button"
            className="link-button"
            disabled={onShowEvent === undefined}
            onClick={() => onShowEvent?.(row)}
          >
            #{row.event.seq} <KindBadge kind={row.event.kind} />
          </button>
        </span>
      ))}
    </p>
  )
}

/** A simulated fault among the frames, where it began. */
function FaultRow({ fault }: { fault: FaultRecord }) {
  const effects = describeFaultEffects(fault)
  return (
    <tr className="socket-frame socket-fault">
      <td>{formatTime(fault.startedAt)}</td>
      <td aria-label="simulated">⚡</td>
      <td />
      <td>simulated</td>
      <td />
      <td className="cell-verdict">
        {describeFault(fault)}
        {effects === '' ? '' : `: ${effects}`}
        {isActive(fault)
          ? ' (active)'
          : fault.endedBy === undefined
            ? ''
            : `; ${describeFaultEnd(fault)}`}
      </td>
    </tr>
  )
}

/** The frames shown, with the faults of their stretch of time among them. */
function withFaultRows(
  frames: readonly SocketRecord[],
  faults: readonly FaultRecord[] | undefined,
): (SocketRecord | { simulated: FaultRecord })[] {
  const first = frames[0]?.at ?? Number.POSITIVE_INFINITY
  const shown = (faults ?? []).filter((fault) => fault.startedAt >= first)
  if (shown.length === 0) return [...frames]
  const items: (SocketRecord | { simulated: FaultRecord })[] = []
  let next = 0
  for (const frame of frames) {
    while (next < shown.length && shown[next]!.startedAt <= frame.at)
      items.push({ simulated: shown[next++]! })
    items.push(frame)
  }
  while (next < shown.length) items.push({ simulated: shown[next++]! })
  return items
}

/** What followed a delivery, in a few words. */
function afterText(outcome: DeliveryOutcome | undefined, watchesQueries: boolean): string {
  if (!watchesQueries) return 'no QueryClient observed'
  if (outcome === undefined) return 'no query was invalidated after this delivery'
  const n = outcome.invalidated.length
  if (n > 0) return `${n} ${n === 1 ? 'query' : 'queries'} invalidated`
  if (outcome.set.length > 0) return `${outcome.set.length} set with setQueryData`
  return 'no query was invalidated after this delivery'
}

function DeliveryDetail({
  outcome,
  watchesQueries,
  windowMs,
}: {
  outcome: DeliveryOutcome | undefined
  watchesQueries: boolean
  windowMs: number
}) {
  if (!watchesQueries) {
    return (
      <p>
        No QueryClient of this page is observed, so what the app did next is unknown: set
        window.__TANSTACK_QUERY_CLIENT__ = queryClient, or call registerQueryClient(queryClient)
        from realtime-sync-devtools.
      </p>
    )
  }
  if (outcome === undefined || outcome.invalidated.length + outcome.set.length === 0) {
    return (
      <p className="channel-error">
        No query was invalidated within {windowMs} ms after this delivery: nothing on screen updated
        because of it. A hand-written hook that listens to this channel should call
        queryClient.invalidateQueries for the keys this change affects.
      </p>
    )
  }
  return (
    <div>
      <p>Within {windowMs} ms the app (probably because of this delivery):</p>
      <ul className="socket-after">
        {outcome.invalidated.map((key, i) => (
          <li key={`i${i}`}>
            invalidated <span className="mono">{formatKey(key as unknown[])}</span>
          </li>
        ))}
        {outcome.set.map((key, i) => (
          <li key={`s${i}`}>
            set <span className="mono">{formatKey(key as unknown[])}</span> with setQueryData
          </li>
        ))}
      </ul>
      {outcome.refetched.length > 0 && (
        <ul className="socket-after">
          {outcome.refetched.map((fetch, i) => (
            <li key={i}>
              <span className="mono">{formatKey(fetch.key as unknown[])}</span>{' '}
              {fetch.failed
                ? 'refetch failed'
                : `refetched${fetch.durationMs === undefined ? '' : ` in ${Math.round(fetch.durationMs)} ms`}${fetch.dataChanged === false ? ', identical data' : fetch.dataChanged ? `, data changed${fetch.changes === undefined ? '' : `: ${describeChanges(fetch.changes)}`}` : ''}`}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

/** The socket's host: the whole URL (apikey redacted) is its tooltip. */
function hostOf(url: string | undefined): string {
  if (url === undefined) return ''
  try {
    return new URL(url).host
  } catch {
    return url.slice(0, 80)
  }
}

function tokenText(token: { role?: string; exp?: number } | undefined, now: number): string {
  if (token === undefined) return '—'
  const role = token.role ?? 'no role'
  if (token.exp === undefined) return `${role}, no expiry`
  const left = token.exp * 1000 - now
  return left > 0
    ? `${role}, expires in ${formatDuration(left)}`
    : `${role}, expired ${formatDuration(-left)} ago`
}

/** A realtime_table_events row, by what it reports: ` (deals UPDATE <id>)`; '' for another row. */
function eventRowText(value: unknown): string {
  if (typeof value !== 'object' || value === null) return ''
  const row = value as Record<string, unknown>
  if (row.table_name === undefined) return ''
  return ` (${String(row.table_name)} ${String(row.event_type ?? '')} ${String(row.record_id ?? '')})`
}

/** The record as a frame, or undefined for an open, a close, an error or a query. */
function frameOf(record: SocketRecord): SocketFrameRecord | undefined {
  return record.kind === 'frame' ? record : undefined
}

/** Why a frame (or a record the bridge could not read) was not decoded. */
function malformedOf(record: SocketRecord): string | undefined {
  return record.kind === 'open' || record.kind === 'close' ? undefined : record.malformed
}

/** One line for a record: what happened, in the words a developer reads it by. */
export function frameSummary(record: SocketRecord): string {
  const summary = recordSummary(record)
  if (record.kind === 'open' && record.refused) return `${summary}: refused (simulated offline)`
  if (record.kind !== 'frame' || record.fault === undefined) return summary
  switch (record.fault) {
    case 'withheld':
      return `${summary}: kept off the wire (simulated stall)`
    case 'delayed':
      return `${summary} (handed to the page ${Math.round(record.delayMs ?? 0)} ms later: simulated delay)`
    case 'delivered-again':
      return `${summary} (delivered again: simulated)`
  }
}

function recordSummary(record: SocketRecord): string {
  if (record.kind === 'open') return `socket opened (${record.vsn})`
  if (record.kind === 'close') {
    return `socket closed: code ${record.code}${record.reason ? `, ${record.reason}` : ''}${record.clean === false ? ' (not clean)' : ''}`
  }
  if (record.kind === 'error') return 'socket error'
  if (record.malformed !== undefined) return `unreadable: ${record.malformed}`
  if (record.kind === 'query') return ''
  if (record.kind === 'write') {
    return record.write === undefined
      ? ''
      : `HTTP ${writeTarget(record.write)} → ${writeResponse(record.write)}`
  }
  const view = frameView(record.event, record.payload)
  switch (view.kind) {
    case 'join':
      return `join: ${view.bindings.length} postgres_changes binding(s)${view.private ? ', private' : ''}`
    case 'reply':
      return view.status === 'ok'
        ? 'reply ok'
        : `reply ${String(view.status)}: ${String(view.reason ?? '')}`
    case 'system':
      return `system ${String(view.status ?? '')}: ${String(view.message ?? '')}`
    case 'change':
      return `${String(view.type ?? '')} ${String(view.schema ?? '')}.${String(view.table ?? '')}${eventRowText(view.record)}`
    case 'broadcast':
      return `broadcast "${String(view.event ?? '')}"${eventRowText(view.payload)}`
  }
  // Any other event is its name (presence_state, presence_diff, heartbeat, phx_close, …).
  return record.event === PHOENIX_EVENTS.accessToken
    ? 'new access token (redacted)'
    : (record.event ?? '')
}
