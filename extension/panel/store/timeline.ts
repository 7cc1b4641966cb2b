import type { SocketRecord } from '../../../bridge/socket/socket-records'
import type { DataChanges } from '../../../src/data-diff'
import { describeChanges, describeEvent } from '../../../src/describe-event'
import type { SyncEvent } from '../../../src/types'
import { CHANGE_KIND_CODES } from './change-columns'
import type { EngineLog } from './engine-log'
import { isChange } from './event-facts'
import { describeFault } from '../../../bridge/faults/describe-fault'
import type { FaultRecord } from '../../../bridge/faults/fault-records'
import { connectionFaultAt, faultCauseText } from './fault-cause'
import { formatKey, formatTime } from './format'
import { KIND_MARKER, lowerBoundBy } from './row-columns'
import type { EventRow } from './rows'
import { deliveredEventId, deliveredRow, isDelivery } from './socket-model'
import { matchedKeysOf } from './trail'

/**
 * The Timeline tab's model: every change on one time axis, as the Network panel's waterfall
 * draws requests, with its phases (commit on the database's clock moved onto the page's, the
 * frame on the wire, received, the batch's wait, the invalidation, each refetch it caused and
 * whether the data changed), and what happened to the connection on the same axis. Pure
 * functions of the log and the socket records; the index only remembers where the change rows
 * are, so a frame reads what is in view and nothing else.
 */

export type LaneBy = 'channel' | 'table' | 'key'

export interface RefetchSpan {
  startAt: number
  endAt: number
  key: string
  outcome: 'success' | 'error' | 'cancelled'
  dataChanged?: boolean
  /** What it changed, when recorded (the engine's diffs, the QueryCache tap's). */
  changes?: DataChanges
  /** The refetched event's seq (an engine's), for its trail line. */
  seq?: number
}

/** How a change ended, as the bar's last colour says. */
export type SpanVerdict =
  'changed' | 'identical' | 'failed' | 'no-refetch' | 'dropped' | 'waiting' | 'not-invalidated'

export interface ChangeSpan {
  /** The log row it is (an engine's change), or the delivery frame's seq (a page without one). */
  rowId?: number
  frameSeq?: number
  channel: string
  table: string
  /** The query keys it invalidated (formatted), for the per-key lanes. */
  keys: string[]
  /** On the page's clock. */
  commitAt?: number
  wireAt?: number
  receivedAt: number
  /** The pass that served it: when it invalidated, and its batch. */
  passAt?: number
  batchId?: number
  refetches: RefetchSpan[]
  endAt: number
  verdict: SpanVerdict
  /** An engine's change: its row (the tooltip renders its trail line only when shown). */
  row?: EventRow
  /** A delivery of a page without the engine: what it was. */
  label?: string
}

/** When a change's bar begins: its commit, its frame, or its receipt, whichever came first. */
export function spanStart(span: ChangeSpan): number {
  return Math.min(span.commitAt ?? span.receivedAt, span.wireAt ?? span.receivedAt, span.receivedAt)
}

/** The change in a line: the engine's sentence for it, or what the delivery was. */
export function spanLabel(span: ChangeSpan): string {
  return span.row === undefined
    ? (span.label ?? '')
    : `#${span.row.event.seq} ${describeEvent(span.row.event)}`
}

export type MarkKind =
  | 'socket-open'
  | 'socket-close'
  | 'join'
  | 'live'
  | 'channel-closed'
  | 'gap'
  | 'refetch-all'
  | 'heartbeat-missed'
  | 'token-expired'
  | 'unconfirmed'
  | 'fault'

/**
 * What happened to the connection: an instant, or a span (a gap until its replay; a simulated
 * fault from its start to its end).
 */
export interface TimelineMark {
  kind: MarkKind
  at: number
  /** A gap's or a fault's start (it ends at `at`). */
  from?: number
  label: string
  /** A simulated fault's mark: its record's id. */
  faultId?: number
  /** A mark a simulated fault provoked: that fault's id. */
  causeId?: number
  rowId?: number
}

/** What the model needs of the engine's log. */
export interface LogReader {
  refetchesOf(session: string, batchId: number): EventRow[]
}

/** How long after its receipt a change may still be drawn (its refetches). */
export const SPAN_TAIL_MS = 10_000
/** How long before its receipt (its commit, on a page whose clock is off). */
export const SPAN_HEAD_MS = 5_000
/** Changes read beyond each edge of the view at most (those nearest to it). */
const EDGE_ROWS = 500

/** One change row of an engine as its span; `wireAt` is its frame's arrival, when held. */
export function changeSpan(
  row: EventRow,
  log: LogReader,
  pageAheadMs: number,
  wireAt: number | undefined,
): ChangeSpan | undefined {
  const event = row.event
  if (!isChange(event)) return undefined
  const receivedAt = event.at
  const commit = Date.parse(event.commitTimestamp ?? '')
  const commitAt = Number.isFinite(commit) ? commit + pageAheadMs : undefined
  const pass = row.servedBy?.event
  const keys = (matchedKeysOf(row) ?? []).map(keyText)
  const refetches: RefetchSpan[] = []
  if (pass?.kind === 'invalidated') {
    const wanted = new Set(keys)
    for (const refetch of passRefetches(log.refetchesOf(row.session, pass.batchId))) {
      if (wanted.has(refetch.key)) refetches.push(refetch)
    }
  }
  const passAt = pass?.kind === 'invalidated' ? pass.at : undefined
  const ends = [receivedAt, passAt ?? receivedAt, ...refetches.map((r) => r.endAt)]
  return {
    rowId: row.id,
    channel: event.orgId,
    table: event.table,
    keys,
    commitAt,
    wireAt,
    receivedAt,
    passAt,
    batchId: pass?.kind === 'invalidated' ? pass.batchId : undefined,
    refetches,
    endAt: Math.max(...ends),
    verdict:
      event.kind !== 'received'
        ? 'dropped'
        : passAt === undefined
          ? 'waiting'
          : verdictOf(refetches),
    row,
  }
}

/** A key's text, once per key array: a pass's keys are read by each of its changes. */
const keyTexts = new WeakMap<object, string>()
function keyText(key: readonly unknown[]): string {
  let text = keyTexts.get(key)
  if (text === undefined) keyTexts.set(key, (text = formatKey(key)))
  return text
}

/**
 * A pass's refetches as spans, once per pass and number of refetches held: its changes share
 * them (a pass of 200 changes would otherwise read its refetches 200 times).
 */
const passSpans = new WeakMap<readonly EventRow[], { length: number; spans: RefetchSpan[] }>()
function passRefetches(rows: readonly EventRow[]): RefetchSpan[] {
  const cached = passSpans.get(rows)
  if (cached !== undefined && cached.length === rows.length) return cached.spans
  const spans: RefetchSpan[] = []
  for (const { event } of rows) {
    if (event.kind !== 'refetched') continue
    spans.push({
      startAt: event.at - event.durationMs,
      endAt: event.at,
      key: keyText(event.queryKey),
      outcome: event.outcome,
      dataChanged: event.dataChanged,
      changes: event.changes,
      seq: event.seq,
    })
  }
  passSpans.set(rows, { length: rows.length, spans })
  return spans
}

function verdictOf(refetches: readonly RefetchSpan[]): SpanVerdict {
  if (refetches.length === 0) return 'no-refetch'
  if (refetches.some((r) => r.outcome === 'error')) return 'failed'
  if (refetches.some((r) => r.outcome === 'success' && r.dataChanged !== false)) return 'changed'
  return 'identical'
}

/**
 * Where an engine's change rows and its connection marks are, by time: appended as rows arrive
 * (a row's `at` is when the engine logged it, in seq order), rebuilt when the log is cleared.
 */
export class TimelineIndex {
  /**
   * The change rows' places in the log's columns (absolute indexes) and their times, in seq
   * order: numbers, not rows. A row is read only when drawn as a bar; the density view reads
   * its facts from the columns.
   */
  private places: number[] = []
  private ats: number[] = []
  private marks: TimelineMark[] = []
  private nextPlace = 0
  private generation = -1
  private log: EngineLog | undefined

  /** Takes in the rows the log gained since the last call. */
  update(log: EngineLog | undefined): void {
    if (log !== this.log || log?.generation !== this.generation) {
      this.places = []
      this.ats = []
      this.marks = []
      this.nextPlace = 0
      this.log = log
      this.generation = log?.generation ?? -1
    }
    if (log === undefined) return
    const store = log.rows
    for (let abs = Math.max(this.nextPlace, store.head); abs < store.end; abs++) {
      const kind = store.kindOf(abs)
      if (kind === KIND_MARKER) continue
      if (CHANGE_KIND_CODES.has(kind)) {
        this.places.push(abs)
        this.ats.push(store.atOf(abs))
        continue
      }
      const row = store.objectOf(abs)
      if (row?.type !== 'event') continue
      if (isChange(row.event)) {
        this.places.push(abs)
        this.ats.push(row.event.at)
      }
      const mark = engineMark(row)
      if (mark !== undefined) this.marks.push(mark)
    }
    this.nextPlace = store.end
    // The panel's cap let the oldest rows go: so does the index.
    if (this.places.length > 0 && this.places[0]! < store.head) {
      const kept = lowerBoundBy(0, this.places.length, (i) => this.places[i]! < store.head)
      this.places.splice(0, kept)
      this.ats.splice(0, kept)
      const oldest = store.length > 0 ? store.idOf(store.head) : Number.POSITIVE_INFINITY
      this.marks = this.marks.filter((mark) => (mark.rowId ?? oldest) >= oldest)
    }
  }

  /**
   * The change rows whose span may reach into [from, to]: those logged in it, and the nearest
   * EDGE_ROWS on each side within the spans' reach (a refetch that ends in view, a commit that
   * precedes its receipt), so a zoomed-in view of a busy log reads a few thousand rows, not a
   * minute of them.
   */
  rowsIn(from: number, to: number): EventRow[] {
    const first = this.lowerBound(from)
    const last = this.lowerBound(to + 1)
    const start = Math.max(this.lowerBound(from - SPAN_TAIL_MS), first - EDGE_ROWS)
    const end = Math.min(this.lowerBound(to + SPAN_HEAD_MS + 1), last + EDGE_ROWS)
    const rows: EventRow[] = []
    for (let i = start; i < end; i++) {
      const row = this.rowAt(i)
      if (row !== undefined) rows.push(row)
    }
    return rows
  }

  /** The indexes of the change rows logged within [from, to]: [start, end). */
  range(from: number, to: number): { start: number; end: number } {
    return { start: this.lowerBound(from), end: this.lowerBound(to + 1) }
  }

  /** The change row at `index` (of `range`). */
  rowAt(index: number): EventRow | undefined {
    const place = this.places[index]
    const row = place === undefined ? undefined : this.log?.rows.rowAt(place)
    return row?.type === 'event' ? row : undefined
  }

  /** When the change row at `index` was logged, without reading the row. */
  atOf(index: number): number {
    return this.ats[index]!
  }

  /** The table of the change row at `index`, from the log's columns. */
  tableOf(index: number): string | undefined {
    const store = this.log!.rows
    const id = store.tableIdOf(this.places[index]!)
    return id < 0 ? undefined : store.interner.values[id]
  }

  /** The organization of the change row at `index`, from the log's columns. */
  orgOf(index: number): string | undefined {
    const store = this.log!.rows
    const id = store.orgIdOf(this.places[index]!)
    return id < 0 ? undefined : store.interner.values[id]
  }

  /** The first query key the pass that served the change at `index` matched for it. */
  firstKeyOf(index: number): readonly unknown[] | undefined {
    const store = this.log!.rows
    const place = this.places[index]!
    const served = store.servedOf(place)
    const pass = served === undefined ? undefined : store.rowById(served.passId)
    if (pass?.type !== 'event' || pass.event.kind !== 'invalidated') return undefined
    const ref = pass.event.causeKeys[served!.causeIndex]?.[0]
    return ref === undefined ? undefined : (pass.event.matchedKeys[ref] ?? [])
  }

  /** How many change rows are held, and their time range. */
  extent(): { count: number; start?: number; end?: number } {
    return { count: this.places.length, start: this.ats[0], end: this.ats.at(-1) }
  }

  engineMarks(): readonly TimelineMark[] {
    return this.marks
  }

  /** Rows are in seq order, and `at` grows with seq (one clock, one engine). */
  private lowerBound(at: number): number {
    return lowerBoundBy(0, this.ats.length, (i) => this.ats[i]! < at)
  }
}

/** The connection marks an engine's log holds: channel notes, gaps and their replays. */
function engineMark(row: EventRow): TimelineMark | undefined {
  const event: SyncEvent = row.event
  const label = `#${event.seq} ${describeEvent(event)}`
  switch (event.kind) {
    case 'resync':
      if (event.first) return { kind: 'live', at: event.at, label, rowId: row.id }
      return {
        kind: event.replayed ? 'gap' : 'refetch-all',
        at: event.at,
        from: event.gapMs === undefined ? undefined : event.at - event.gapMs,
        label,
        rowId: row.id,
      }
    case 'channel': {
      const { note } = event
      const { status } = event.channel
      if (note === 'live' || note === 'live-unconfirmed') {
        return { kind: 'live', at: event.at, label, rowId: row.id }
      }
      if (
        status === 'CLOSED' ||
        status === 'CHANNEL_ERROR' ||
        status === 'TIMED_OUT' ||
        note === 'closed-by-server'
      ) {
        return { kind: 'channel-closed', at: event.at, label, rowId: row.id }
      }
      return status === 'SUBSCRIBED'
        ? { kind: 'join', at: event.at, label, rowId: row.id }
        : undefined
    }
    case 'unconfirmed':
      return { kind: 'unconfirmed', at: event.at, label, rowId: row.id }
    default:
      return undefined
  }
}

/**
 * The wire's marks (any page): sockets opened and closed, joins, "Subscribed to PostgreSQL",
 * heartbeats left unanswered, tokens that expired while their socket was open.
 */
export function socketMarks(records: readonly SocketRecord[]): TimelineMark[] {
  const marks: TimelineMark[] = []
  const pendingBeats = new Map<number, number>()
  for (const record of records) {
    if (record.kind === 'open') {
      marks.push({ kind: 'socket-open', at: record.at, label: `socket #${record.socket} opened` })
    } else if (record.kind === 'close') {
      marks.push({
        kind: 'socket-close',
        at: record.at,
        label: `socket #${record.socket} closed: code ${record.code}${record.reason ? ` (${record.reason})` : ''}`,
      })
      pendingBeats.delete(record.socket)
    } else if (record.kind === 'frame' && record.event !== undefined) {
      if (record.event === 'heartbeat' && record.direction === 'out') {
        if (pendingBeats.has(record.socket)) {
          marks.push({
            kind: 'heartbeat-missed',
            at: record.at,
            label: `socket #${record.socket}: a heartbeat went unanswered`,
          })
        }
        pendingBeats.set(record.socket, record.at)
      } else if (record.event === 'phx_reply' && record.topic === 'phoenix') {
        pendingBeats.delete(record.socket)
      } else if (record.event === 'phx_join' && record.direction === 'out') {
        marks.push({ kind: 'join', at: record.at, label: `join ${record.topic ?? ''}` })
      } else if (record.event === 'system' && record.direction === 'in') {
        const payload = record.payload as { status?: unknown; message?: unknown } | undefined
        if (
          payload?.status === 'ok' &&
          typeof payload.message === 'string' &&
          /Subscribed to PostgreSQL/i.test(payload.message)
        ) {
          marks.push({
            kind: 'live',
            at: record.at,
            label: `${record.topic ?? ''}: Subscribed to PostgreSQL`,
          })
        }
      }
    }
    for (const token of record.tokens ?? []) {
      if (token.exp === undefined) continue
      const expiresAt = token.exp * 1000
      if (
        expiresAt <= record.at &&
        !marks.some((m) => m.kind === 'token-expired' && m.at === expiresAt)
      ) {
        marks.push({
          kind: 'token-expired',
          at: expiresAt,
          label: `a token (${token.role ?? 'no role'}) expired`,
        })
      }
    }
  }
  return marks.sort((a, b) => a.at - b.at)
}

/**
 * The page's simulated faults as marks (a timed one spans to its end, or to `now` while on), and
 * the connection marks they provoked with their cause in the label.
 */
export function withFaults(
  marks: readonly TimelineMark[],
  faults: readonly FaultRecord[] | undefined,
  now: number,
): TimelineMark[] {
  if (faults === undefined || faults.length === 0) return [...marks]
  const caused = marks.map((mark) => {
    if (!CAUSED_KINDS.has(mark.kind)) return mark
    const fault = connectionFaultAt(faults, mark.at, mark.from)
    return fault === undefined
      ? mark
      : { ...mark, label: `${mark.label} (cause: ${describeFault(fault)})`, causeId: fault.id }
  })
  for (const fault of faults) {
    const timed = fault.durationMs !== undefined || fault.delayMs !== undefined
    caused.push({
      kind: 'fault',
      at: timed ? (fault.endedAt ?? now) : fault.startedAt,
      ...(timed ? { from: fault.startedAt } : {}),
      label: `${formatTime(fault.startedAt)} ${faultCauseText(fault)}`,
      faultId: fault.id,
    })
  }
  return caused
}

/** Marks a connection fault may have provoked. */
const CAUSED_KINDS = new Set<MarkKind>([
  'socket-close',
  'channel-closed',
  'gap',
  'refetch-all',
  'heartbeat-missed',
])

/** When each held delivery frame of a realtime_table_events row arrived, by the row's id. */
export function wireTimes(records: readonly SocketRecord[]): Map<string, number> {
  const times = new Map<string, number>()
  for (const record of records) {
    if (!isDelivery(record)) continue
    const id = deliveredEventId(record)
    if (id !== undefined && !times.has(id)) times.set(id, record.at)
  }
  return times
}

/**
 * A page without our engine: each delivery is a change, received by the app's own hook, and
 * what its QueryClients did within `windowMs` after it (the first invalidation, the refetches
 * that ended) are its later phases.
 */
export function deliverySpans(records: readonly SocketRecord[], windowMs: number): ChangeSpan[] {
  const spans: ChangeSpan[] = []
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!
    const delivered = deliveredRow(record)
    if (delivered === undefined) continue
    let passAt: number | undefined
    const keys: string[] = []
    const refetches: RefetchSpan[] = []
    for (let j = i + 1; j < records.length; j++) {
      const next = records[j]!
      if (next.at - record.at > windowMs) break
      if (next.kind !== 'query' || next.query === undefined) continue
      const { query } = next
      const key = formatKey(query.key as unknown[])
      if (query.event === 'invalidated') {
        passAt ??= next.at
        keys.push(key)
      } else if ((query.event === 'fetched' || query.event === 'failed') && keys.includes(key)) {
        refetches.push({
          startAt: next.at - (query.durationMs ?? 0),
          endAt: next.at,
          key,
          outcome: query.event === 'failed' ? 'error' : 'success',
          dataChanged: query.dataChanged,
          changes: query.changes,
        })
      }
    }
    const commit = commitOf(record)
    spans.push({
      frameSeq: record.seq,
      channel: record.kind === 'frame' ? (record.topic ?? '') : '',
      table: delivered.table,
      keys,
      commitAt: commit,
      wireAt: record.at,
      receivedAt: record.at,
      passAt,
      refetches,
      endAt: Math.max(record.at, passAt ?? 0, ...refetches.map((r) => r.endAt)),
      verdict: passAt === undefined ? 'not-invalidated' : verdictOf(refetches),
      label: `${delivered.table} ${delivered.recordId ?? ''} delivered${passAt === undefined ? ': no query was invalidated after it' : ''}`,
    })
  }
  return spans
}

/** The commit time a delivered events row carries (created_at), on the database's clock. */
function commitOf(record: SocketRecord): number | undefined {
  if (record.kind !== 'frame') return undefined
  const payload = record.payload as
    { data?: { record?: { created_at?: unknown } }; payload?: { created_at?: unknown } } | undefined
  const created = payload?.data?.record?.created_at ?? payload?.payload?.created_at
  const at = typeof created === 'string' ? Date.parse(created) : Number.NaN
  return Number.isFinite(at) ? at : undefined
}

/** The lanes a span is drawn in. */
export function lanesOf(span: ChangeSpan, by: LaneBy): string[] {
  switch (by) {
    case 'channel':
      return [span.channel]
    case 'table':
      return [span.table]
    case 'key':
      return span.keys.length > 0 ? span.keys : ['(no query invalidated)']
  }
}

/** One phase of a change, as the detail under the timeline lists it. */
export interface SpanPhase {
  name: 'commit' | 'wire' | 'received' | 'batch' | 'invalidated' | 'refetch' | 'end'
  at: number
  /** How long the phase took (to the next one), when it has a length. */
  ms?: number
  text: string
}

/** The phases of a change in order, in words: what the tooltip and the detail read. */
export function spanPhases(span: ChangeSpan, pageAheadMs: number | undefined): SpanPhase[] {
  const phases: SpanPhase[] = []
  const wire = span.wireAt ?? span.receivedAt
  if (span.commitAt !== undefined) {
    phases.push({
      name: 'commit',
      at: span.commitAt,
      ms: wire - span.commitAt,
      text: `committed${pageAheadMs ? ` (the database's clock, moved by the page's ${Math.round(pageAheadMs)} ms offset)` : ''}, then ${Math.round(wire - span.commitAt)} ms to the wire`,
    })
  }
  if (span.wireAt !== undefined) {
    phases.push({
      name: 'wire',
      at: span.wireAt,
      ms: span.receivedAt - span.wireAt,
      text: `on the wire (its frame), received ${Math.round(span.receivedAt - span.wireAt)} ms later`,
    })
  }
  phases.push({
    name: 'received',
    at: span.receivedAt,
    text:
      span.verdict === 'dropped'
        ? "received and dropped (a duplicate, or this tab's own echo): nothing to refresh"
        : span.frameSeq !== undefined
          ? "received by the app's own hook"
          : 'received by the engine',
  })
  if (span.passAt !== undefined) {
    phases.push({
      name: 'batch',
      at: span.receivedAt,
      ms: span.passAt - span.receivedAt,
      text: `waited ${Math.round(span.passAt - span.receivedAt)} ms in its batch${span.batchId === undefined ? '' : ` (#${span.batchId})`}`,
    })
    phases.push({
      name: 'invalidated',
      at: span.passAt,
      text:
        span.keys.length === 0
          ? 'invalidated: no query matched'
          : `invalidated ${span.keys.length === 1 ? span.keys[0] : `${span.keys.length} queries`}`,
    })
  }
  for (const refetch of span.refetches) {
    const took = Math.round(refetch.endAt - refetch.startAt)
    const outcome =
      refetch.outcome === 'error'
        ? 'failed'
        : refetch.outcome === 'cancelled'
          ? 'cancelled by a later fetch'
          : refetch.dataChanged === false
            ? 'identical data: nothing on screen changed'
            : `data changed${refetch.changes === undefined ? '' : `: ${describeChanges(refetch.changes)}`}`
    phases.push({
      name: 'refetch',
      at: refetch.startAt,
      ms: took,
      text: `refetched ${refetch.key} in ${took} ms: ${outcome}`,
    })
  }
  if (span.verdict === 'not-invalidated') {
    phases.push({
      name: 'end',
      at: span.endAt,
      text: 'no query was invalidated after it: nothing on screen updated',
    })
  } else if (span.verdict === 'no-refetch') {
    phases.push({
      name: 'end',
      at: span.endAt,
      text: 'no query it matched was on screen: nothing refetched',
    })
  } else if (span.verdict === 'waiting') {
    phases.push({ name: 'end', at: span.endAt, text: 'waiting for its batch' })
  }
  return phases
}
