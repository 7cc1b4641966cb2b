import type { DataChanges } from '../../src/data-diff'
import { errorMessage } from '../../src/error-message'
import { previewPayload } from '../../src/payload-preview'
import { redactFrame, redactSocketUrl, type TokenFacts } from './frame-redaction'
import { decodeBinaryFrame, decodeTextFrame, type Vsn } from '../../wire/phoenix'
import type { CacheEventKind, CacheRecord } from '../query-cache-tap'
import type { FrameFault, TapRecord } from './socket-tap'
import { type WriteFacts, writeFacts } from '../writes/write-records'
import type { WriteTapRecord } from '../writes/write-tap'

/**
 * A socket record as the panel receives it: what the tap saw, decoded and without its tokens.
 * Built by the bridge only while a panel listens (the tap itself keeps raw frames). Each kind
 * says which fields it always has.
 */
export type SocketRecord =
  | SocketOpenRecord
  | SocketFrameRecord
  | SocketCloseRecord
  | SocketErrorRecord
  | SocketQueryRecord
  | SocketWriteRecord

export type SocketRecordKind = SocketRecord['kind']

interface RecordBase {
  /** Per page load, strictly increasing: a gap seen by the panel is loss. */
  seq: number
  /** Epoch ms on the page's clock. */
  at: number
  /** The socket (from 1); 0 for a query or write record, and for a record that could not be read. */
  socket: number
  /** What the tokens in it said (role, exp): the tokens themselves never leave the page. */
  tokens?: TokenFacts[]
}

export interface SocketOpenRecord extends RecordBase {
  kind: 'open'
  /** The socket's URL, apikey redacted. */
  url: string
  /** The serializer the URL asks for (supabase-js's default is 2.0.0). */
  vsn: Vsn
  /** Refused by a simulated offline (bridge/faults): it failed before it connected. */
  refused?: boolean
}

export interface SocketFrameRecord extends RecordBase {
  kind: 'frame'
  direction: 'in' | 'out'
  /** Its size (characters of text, bytes of binary). */
  size: number
  /** Phoenix's envelope: absent when the frame could not be read (`malformed`). */
  topic?: string
  event?: string
  ref?: string | null
  joinRef?: string | null
  /** A binary broadcast (vsn 2.0.0). */
  binary?: 'user-broadcast-push' | 'user-broadcast'
  /** The payload, redacted and size-capped. */
  payload?: unknown
  /** Why it could not be read (the frame is kept as a preview in `payload`). */
  malformed?: string
  /** What a simulated fault did to it (bridge/faults): withheld, delayed, delivered again. */
  fault?: FrameFault
  /** `delayed`: by how long. */
  delayMs?: number
}

export interface SocketCloseRecord extends RecordBase {
  kind: 'close'
  /** As the socket reported it. */
  code: number
  reason: string
  clean: boolean
}

export interface SocketErrorRecord extends RecordBase {
  kind: 'error'
  /** A record the bridge could not read (its socket 0): why. */
  malformed?: string
}

export interface SocketQueryRecord extends RecordBase {
  kind: 'query'
  /**
   * What a QueryCache of the page did (query-cache-tap.ts); absent only on a record the bridge
   * could not read, whose `malformed` says why.
   */
  query?: QueryEvent
  malformed?: string
}

export interface SocketWriteRecord extends RecordBase {
  kind: 'write'
  /**
   * A PostgREST write of the page (bridge/writes/write-tap.ts), `at` when it settled; absent only
   * on a record the bridge could not read, whose `malformed` says why.
   */
  write?: WriteFacts
  malformed?: string
}

export interface QueryEvent {
  /** Which of the page's QueryClients (from 1, in the order they were found). */
  client: number
  event: CacheEventKind
  hash: string
  /** The key, redacted and size-capped. */
  key: unknown
  durationMs?: number
  dataChanged?: boolean
  /** What the fetch changed (src/data-diff.ts: bounded, secrets redacted). */
  changes?: DataChanges
  error?: string
}

/** The serializer a socket URL asks for: `vsn=1.0.0`, else supabase-js's default, 2.0.0. */
export function vsnOf(url: string): Vsn {
  return /[?&]vsn=1\.0\.0(?:&|$)/.test(url) ? '1.0.0' : '2.0.0'
}

/**
 * Turns tap records into socket records, remembering each socket's serializer. Never throws: a
 * frame it cannot read becomes a record that says why.
 */
export class SocketRecorder {
  private nextSeq = 1
  private readonly vsnBySocket = new Map<number, Vsn>()

  record(raw: TapRecord | CacheRecord | WriteTapRecord): SocketRecord {
    const seq = this.nextSeq++
    try {
      return this.decode(seq, raw)
    } catch (error) {
      // The page owns these values (a QueryClient, a socket's data): a hostile one costs its record.
      return {
        seq,
        at: typeof raw.at === 'number' ? raw.at : 0,
        socket: 0,
        kind: raw.kind === 'query' || raw.kind === 'write' ? raw.kind : 'error',
        malformed: `unreadable: ${errorMessage(error).slice(0, 200)}`,
      }
    }
  }

  private decode(seq: number, raw: TapRecord | CacheRecord | WriteTapRecord): SocketRecord {
    if (raw.kind === 'query') return queryRecord(seq, raw)
    if (raw.kind === 'write')
      return { seq, at: raw.at, socket: 0, kind: 'write', write: writeFacts(raw) }
    const { socket, at } = raw
    switch (raw.kind) {
      case 'open': {
        const vsn = vsnOf(raw.url)
        this.vsnBySocket.set(socket, vsn)
        const { url, tokens } = redactSocketUrl(raw.url.slice(0, 4_096))
        return {
          seq,
          at,
          socket,
          kind: 'open',
          url,
          vsn,
          ...(tokens.length > 0 ? { tokens } : {}),
          ...(raw.refused ? { refused: true } : {}),
        }
      }
      case 'close':
        this.vsnBySocket.delete(socket)
        return {
          seq,
          at,
          socket,
          kind: 'close',
          code: raw.code,
          reason: redactFrame(String(raw.reason).slice(0, 1_000)).value,
          clean: raw.clean,
        }
      case 'error':
        return { seq, at, socket, kind: 'error' }
      case 'frame':
        return this.frame(seq, raw)
    }
  }

  private frame(seq: number, raw: Extract<TapRecord, { kind: 'frame' }>): SocketRecord {
    const base = {
      seq,
      at: raw.at,
      socket: raw.socket,
      kind: 'frame' as const,
      direction: raw.direction,
      ...(raw.fault === undefined ? {} : { fault: raw.fault }),
      ...(raw.delayMs === undefined ? {} : { delayMs: raw.delayMs }),
    }
    const data = raw.data
    let decoded
    let size: number
    try {
      if (typeof data === 'string') {
        size = data.length
        decoded = decodeTextFrame(this.vsnBySocket.get(raw.socket) ?? '2.0.0', data)
      } else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
        size = data.byteLength
        decoded = decodeBinaryFrame(data)
      } else {
        // A Blob (binaryType 'blob') cannot be read synchronously: its size says what it was.
        size = typeof (data as { size?: unknown })?.size === 'number' ? (data as Blob).size : 0
        return { ...base, size, malformed: 'a Blob frame (binaryType "blob"): not decoded' }
      }
    } catch (error) {
      return {
        ...base,
        size: 0,
        malformed: `the frame could not be read: ${String(error).slice(0, 200)}`,
      }
    }
    if (!decoded.ok) {
      const preview = typeof data === 'string' ? redactFrame(previewPayload(data)).value : undefined
      return {
        ...base,
        size,
        malformed: decoded.reason,
        ...(preview === undefined ? {} : { payload: preview }),
      }
    }
    const { message } = decoded
    const { value, tokens } = redactFrame(message.payload)
    return {
      ...base,
      size,
      topic: message.topic,
      event: message.event,
      ref: message.ref,
      joinRef: message.joinRef,
      ...(decoded.binary === undefined ? {} : { binary: decoded.binary }),
      payload: previewPayload(value),
      ...(tokens.length > 0 ? { tokens } : {}),
    }
  }
}

function queryRecord(seq: number, raw: CacheRecord): SocketRecord {
  const query: QueryEvent = {
    client: raw.client,
    event: raw.event,
    hash: String(raw.queryHash).slice(0, 1_000),
    key: redactFrame(previewPayload(raw.queryKey, 512)).value,
  }
  if (raw.durationMs !== undefined) query.durationMs = Math.max(0, raw.durationMs)
  if (raw.dataChanged !== undefined) query.dataChanged = raw.dataChanged
  if (raw.changes !== undefined) query.changes = raw.changes
  if (raw.error !== undefined) query.error = redactFrame(errorText(raw.error)).value
  return { seq, at: raw.at, socket: 0, kind: 'query', query }
}

function errorText(error: unknown): string {
  try {
    const message = error instanceof Error ? error.message : String(error)
    return message.slice(0, 500)
  } catch {
    return '[unprintable error]'
  }
}
