import type { SocketRecord, SocketWriteRecord } from '../../../bridge/socket/socket-records'
import type { WriteFacts } from '../../../bridge/writes/write-records'
import { DATABASE_NOW_FUNCTION } from '../../../src/missed-events'
import type { UnconfirmedCause } from '../../../src/types'
import { type Delivered, deliveredRow, type SocketModel } from './socket-model'

/**
 * Each PostgREST write of the page, followed on the wire: the change that came back for it (its
 * echo), or, once `confirmMs` has passed without one, why none did. The engine's own
 * `unconfirmed` verdict, when the page runs it, wins over what the wire suggests. Pure: the same
 * records, engine verdicts and clock give the same answer.
 */
export interface FollowedWrite {
  seq: number
  /** When the request was sent, and when it settled (the page's clock). */
  startedAt: number
  settledAt: number
  write: WriteFacts
  outcome: WriteOutcome
}

export type WriteOutcome =
  /** The request failed: nothing was written, so nothing comes back. */
  | { state: 'failed' }
  /** A change of its row (or, without ids, of its table) arrived this long after the request. */
  | { state: 'echoed'; echoMs: number; frameSeq: number; table: string; recordId?: string }
  /** Still inside the window. */
  | { state: 'waiting'; leftMs: number }
  /**
   * A function call no change followed within the window: the page cannot see whether it
   * writes any row (a read-only function sent as POST, as supabase.rpc() sends every call), so
   * it is not a fault.
   */
  | { state: 'quiet-call' }
  /** Sent before the oldest frame held (older ones were let go): its echo may have been among them. */
  | { state: 'unknown' }
  | {
      state: 'unconfirmed'
      /** What the wire suggests. */
      guess: WireGuess
      /** The engine's verdict for this write, which wins. */
      engine?: EngineVerdict
    }

/**
 * The likeliest reason no change came back, from what the page can see: `no-row-changed` (the
 * response covered no row: a filter, or an update policy, matched nothing), `no-live-channel`
 * (no channel was joined and open), `table-not-tracked` (other tables' changes arrive, never
 * this one's), `row-not-delivered` (this table's other rows arrive, not this one),
 * `nothing-arrives` (no change at all arrives on the page's channels).
 */
export const WIRE_GUESSES = [
  'no-row-changed',
  'no-live-channel',
  'table-not-tracked',
  'row-not-delivered',
  'nothing-arrives',
] as const
export type WireGuess = (typeof WIRE_GUESSES)[number]

export interface EngineVerdict {
  seq: number
  cause: UnconfirmedCause
  recordId: string
  /** It replayed the row down the live path (cause not-delivered). */
  replayed: boolean
}

/** The engine's `unconfirmed` events, as this module needs them. */
export interface UnconfirmedSeen {
  seq: number
  at: number
  table: string
  recordId: string
  ageMs: number
  cause: UnconfirmedCause
  replayed?: boolean
}

/** The engine's default writeConfirmMs, used when the page runs no engine. */
export const DEFAULT_CONFIRM_MS = 5_000

export interface WritesFollowed {
  writes: FollowedWrite[]
  /**
   * The engine's verdicts no recorded write claims: its writes the wire did not see (the Socket
   * stream was not watched then, or the app wrote another way and called markLocalWrite).
   */
  engineOnly: UnconfirmedSeen[]
}

export interface FollowInput {
  records: readonly SocketRecord[]
  model: Pick<SocketModel, 'channels'>
  unconfirmed: readonly UnconfirmedSeen[]
  confirmMs: number
  now: number
  /** The oldest frame held, when older ones were let go (the tap's ring, the panel's cap). */
  heldSince?: number
}

export function followWrites(input: FollowInput): WritesFollowed {
  const { records, model, unconfirmed, confirmMs, now } = input
  const heldSince = input.heldSince ?? Number.NEGATIVE_INFINITY
  const deliveries: Delivered[] = []
  for (const record of records) {
    const delivered = deliveredRow(record)
    if (delivered !== undefined) deliveries.push(delivered)
  }
  const claimed = new Set<number>()
  const writes: FollowedWrite[] = []
  const rewrites = rowStarts(records)
  for (const record of records) {
    if (!isWrite(record)) continue
    const { write } = record
    const startedAt = record.at - write.durationMs
    const followed = {
      seq: record.seq,
      startedAt,
      settledAt: record.at,
      write,
      rewrittenAt: rewrittenAt(write, startedAt, rewrites),
    }
    writes.push({
      seq: followed.seq,
      startedAt,
      settledAt: followed.settledAt,
      write,
      outcome:
        startedAt < heldSince
          ? { state: 'unknown' }
          : outcomeOf(followed, deliveries, model, unconfirmed, claimed, confirmMs, now),
    })
  }
  return { writes, engineOnly: unconfirmed.filter((u) => !claimed.has(u.seq)) }
}

/** When each named row (table and id) was written by the page: its writes' starts, ascending. */
function rowStarts(records: readonly SocketRecord[]): Map<string, number[]> {
  const starts = new Map<string, number[]>()
  for (const record of records) {
    if (!isWrite(record) || record.write.table === undefined) continue
    const startedAt = record.at - record.write.durationMs
    for (const id of record.write.ids) {
      const key = rowKey(record.write.table, id)
      const list = starts.get(key)
      if (list === undefined) starts.set(key, [startedAt])
      else list.push(startedAt)
    }
  }
  for (const list of starts.values()) list.sort((a, b) => a - b)
  return starts
}

/** When the page next wrote one of this write's rows (a later write's change is not this one's). */
function rewrittenAt(
  write: WriteFacts,
  startedAt: number,
  starts: ReadonlyMap<string, readonly number[]>,
): number {
  let next = Number.POSITIVE_INFINITY
  if (write.table === undefined) return next
  for (const id of write.ids) {
    const later = starts.get(rowKey(write.table, id))?.find((at) => at > startedAt)
    if (later !== undefined && later < next) next = later
  }
  return next
}

const rowKey = (table: string, id: string) => `${table}\u0000${id}`

function outcomeOf(
  followed: { startedAt: number; settledAt: number; write: WriteFacts; rewrittenAt: number },
  deliveries: readonly Delivered[],
  model: Pick<SocketModel, 'channels'>,
  unconfirmed: readonly UnconfirmedSeen[],
  claimed: Set<number>,
  confirmMs: number,
  now: number,
): WriteOutcome {
  const { write, startedAt, settledAt, rewrittenAt } = followed
  if (write.status === 0 || write.status >= 400) return { state: 'failed' }
  const ids = new Set(write.ids)
  const ofThisWrite = (d: Delivered) =>
    d.at >= startedAt &&
    // A function's writes are not named: any change after it is its likeliest echo.
    (write.table === undefined || d.table === write.table) &&
    (ids.size === 0 || (d.recordId !== undefined && ids.has(d.recordId)))
  const inWindow = deliveries.find((d) => ofThisWrite(d) && d.at - startedAt <= confirmMs)
  if (inWindow !== undefined) return echoed(inWindow, startedAt)
  // The engine's verdict wins over what came later: it looked for the change and found none.
  const engine = engineVerdict(followed, ids, unconfirmed, claimed)
  // Named rows are matched at any delay (a late echo is still its echo), until the page wrote
  // the row again: a change after that is the later write's. A write that names none (an insert
  // without ids) only within the window, not by any later row of its table.
  if (write.table === undefined && now - startedAt >= confirmMs) return { state: 'quiet-call' }
  const late =
    engine === undefined && ids.size > 0
      ? deliveries.find((d) => ofThisWrite(d) && d.at < rewrittenAt)
      : undefined
  if (late !== undefined) return echoed(late, startedAt)
  if (now - startedAt < confirmMs && engine === undefined) {
    return { state: 'waiting', leftMs: confirmMs - (now - startedAt) }
  }
  const until = Math.min(now, startedAt + confirmMs)
  return {
    state: 'unconfirmed',
    guess: wireGuess(write, settledAt, until, deliveries, model),
    ...(engine === undefined ? {} : { engine }),
  }
}

function echoed(echo: Delivered, startedAt: number): WriteOutcome {
  return {
    state: 'echoed',
    echoMs: echo.at - startedAt,
    frameSeq: echo.seq,
    table: echo.table,
    ...(echo.recordId === undefined ? {} : { recordId: echo.recordId }),
  }
}

/** The engine's verdict on the same row, decided after this write was sent; each used once. */
function engineVerdict(
  followed: { startedAt: number; settledAt: number; write: WriteFacts },
  ids: ReadonlySet<string>,
  unconfirmed: readonly UnconfirmedSeen[],
  claimed: Set<number>,
): EngineVerdict | undefined {
  const { write, startedAt, settledAt } = followed
  const found = unconfirmed.find(
    (u) =>
      !claimed.has(u.seq) &&
      u.table === write.table &&
      (ids.size === 0 || ids.has(u.recordId)) &&
      u.at >= startedAt &&
      // The engine marks the write around the request (useRealtimeMutation: once it succeeds).
      u.at - u.ageMs <= settledAt + MARK_SLACK_MS,
  )
  if (found === undefined) return undefined
  claimed.add(found.seq)
  return {
    seq: found.seq,
    cause: found.cause,
    recordId: found.recordId,
    replayed: found.replayed === true,
  }
}

/** How long after the response the app may mark its write (it awaits, then calls markLocalWrite). */
const MARK_SLACK_MS = 1_000

function wireGuess(
  write: WriteFacts,
  settledAt: number,
  until: number,
  deliveries: readonly Delivered[],
  model: Pick<SocketModel, 'channels'>,
): WireGuess {
  if (write.rows === 0) return 'no-row-changed'
  const live = model.channels.some(
    (channel) =>
      channel.reply?.status === 'ok' &&
      channel.reply.at <= until &&
      (channel.closedAt === undefined || channel.closedAt >= settledAt),
  )
  if (!live) return 'no-live-channel'
  // This table's rows arriving by the window's end: a row of it that came later (once the table
  // was tracked again) says nothing of this write. Other tables' rows say the channel works at
  // any time.
  if (
    write.table !== undefined &&
    deliveries.some((d) => d.table === write.table && d.at <= until)
  ) {
    return 'row-not-delivered'
  }
  return deliveries.length > 0 ? 'table-not-tracked' : 'nothing-arrives'
}

/**
 * A write of the app. Not the engine's own read of the database's clock (a POST to
 * rpc/realtime_sync_now, as supabase.rpc() sends every call): it changes no row, so no change
 * comes back, and counting it would raise the banner on every page that runs the engine.
 */
function isWrite(record: SocketRecord): record is SocketWriteRecord & { write: WriteFacts } {
  return (
    record.kind === 'write' &&
    record.write !== undefined &&
    record.write.fn !== DATABASE_NOW_FUNCTION
  )
}
