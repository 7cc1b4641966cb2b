import type { Scheduler } from '../../src/scheduler'
import { createLeadingThrottle } from '../throttle'
import { MAX_SOCKET_RECORDS_PER_BATCH } from '../protocol/messages'
import type { CacheRecord } from '../query-cache-tap'
import { type SocketRecord, SocketRecorder } from './socket-records'
import type { TapRecord, TapRing } from './socket-tap'
import type { WriteTapRecord } from '../writes/write-tap'

export interface SocketStreamOptions {
  socketTap: TapRing
  cacheTap: TapRing<CacheRecord> | undefined
  writeTap: TapRing<WriteTapRecord> | undefined
  scheduler: Scheduler
  flushMs: number
  defer: (callback: () => void) => void
  /** Posts one batch: the records as a JSON array, `snapshot` for the first of a series. */
  post(data: string, snapshot: boolean, dropped: number): void
}

type RawRecord = TapRecord | CacheRecord | WriteTapRecord
type FrameIn = Extract<TapRecord, { kind: 'frame' }>

/** How many frames from the server can be named to deliver again (the newest). */
const FRAMES_IN_HELD = 2_000

export interface SocketStream {
  watch(on: boolean): void
  /** A frame from the server sent to the panel in this series, by its record's seq. */
  frameIn(seq: number): FrameIn | undefined
}

/**
 * The page bridge's half of the Socket and Writes tabs: while watched, the taps' rings (sockets,
 * QueryCaches, PostgREST writes) as a snapshot, then
 * each new record, in time order, batched like events (once per `flushMs` under load, at most
 * MAX_SOCKET_RECORDS_PER_BATCH each). A record is decoded and redacted at the flush, not in the
 * page's own onmessage or cache notification, where the tap sees it.
 */
export function createSocketStream(options: SocketStreamOptions): SocketStream {
  const { socketTap, cacheTap, writeTap } = options
  let recorder: SocketRecorder | undefined
  let pending: RawRecord[] = []
  /** The frames from the server sent in this series, by their record's seq (deliver again). */
  const framesIn = new Map<number, FrameIn>()

  const remember = (record: SocketRecord, raw: RawRecord) => {
    if (raw.kind !== 'frame' || raw.direction !== 'in') return
    framesIn.set(record.seq, raw)
    if (framesIn.size > FRAMES_IN_HELD) framesIn.delete(framesIn.keys().next().value!)
  }

  const post = (raw: readonly RawRecord[], snapshot: boolean) => {
    const records: SocketRecord[] = raw.map((item) => {
      const record = recorder!.record(item)
      remember(record, item)
      return record
    })
    for (
      let i = 0;
      i < records.length || (snapshot && i === 0);
      i += MAX_SOCKET_RECORDS_PER_BATCH
    ) {
      const data = JSON.stringify(records.slice(i, i + MAX_SOCKET_RECORDS_PER_BATCH))
      options.post(data, snapshot && i === 0, socketTap.dropped)
    }
  }
  const sendPending = () => {
    const raw = pending
    pending = []
    if (raw.length > 0) post(raw, false)
  }
  const flushes = createLeadingThrottle({
    scheduler: options.scheduler,
    windowMs: options.flushMs,
    defer: options.defer,
    run: sendPending,
  })
  const onRecord = (raw: RawRecord) => {
    pending.push(raw)
    if (pending.length < MAX_SOCKET_RECORDS_PER_BATCH) return flushes.request()
    flushes.cancel()
    sendPending()
  }

  return {
    frameIn: (seq) => framesIn.get(seq),
    watch(on) {
      // Already watching: a panel that says so again (after each hello) loses nothing.
      if (on && recorder !== undefined) return
      socketTap.listener = undefined
      if (cacheTap !== undefined) cacheTap.listener = undefined
      if (writeTap !== undefined) writeTap.listener = undefined
      pending = []
      framesIn.clear()
      flushes.cancel()
      recorder = undefined
      if (!on) return
      recorder = new SocketRecorder()
      // One series in time order: the frames, the app's writes and what its caches did between.
      const held: RawRecord[] = [
        ...socketTap.read(),
        ...(cacheTap?.read() ?? []),
        ...(writeTap?.read() ?? []),
      ]
      held.sort((a, b) => a.at - b.at)
      post(held, true)
      socketTap.listener = onRecord
      if (cacheTap !== undefined) cacheTap.listener = onRecord
      if (writeTap !== undefined) writeTap.listener = onRecord
    },
  }
}
