/**
 * Supabase Realtime's wire, once: its vocabulary (the socket path, the topics and event names
 * Phoenix and Realtime use) and its codec, both directions, every serializer supabase-js speaks:
 *   vsn 1.0.0 text:   a JSON object {topic, event, payload, ref, join_ref}
 *   vsn 2.0.0 text:   a JSON array  [join_ref, ref, topic, event, payload]
 *   vsn 2.0.0 binary: a broadcast, as realtime-js's Serializer writes and reads it:
 *     kind 3, user broadcast push (client → server):
 *       [3, joinRefLen, refLen, topicLen, eventLen, metaLen, encoding, joinRef, ref, topic,
 *        event, meta, payload…]
 *     kind 4, user broadcast (server → client):
 *       [4, topicLen, eventLen, metaLen, encoding, topic, event, meta, payload…]
 *     encoding 1: the payload is JSON; 0: raw bytes. Every length is one byte.
 * The DevTools bridge reads the page's sockets with it; the local stack reads its clients'
 * frames and writes its own with it. Every frame read is untrusted: decoding never throws, and a
 * frame that cannot be read says why.
 */

/** The path every supabase-js Realtime socket connects to. */
export const REALTIME_SOCKET_PATH = '/realtime/v1/websocket'

/** The socket's own topic: heartbeats, and the replies to what no channel could take. */
export const PHOENIX_TOPIC = 'phoenix'

/** The events of the wire, by what they do. */
export const PHOENIX_EVENTS = {
  /** A channel's join (client), its config: postgres_changes bindings, private, broadcast. */
  join: 'phx_join',
  /** The answer to a push, by its ref: {status, response}. */
  reply: 'phx_reply',
  /** The client leaves a channel. */
  leave: 'phx_leave',
  /** The server closed a channel. */
  close: 'phx_close',
  /** A channel crashed. */
  error: 'phx_error',
  /** The socket's keepalive, on the phoenix topic. */
  heartbeat: 'heartbeat',
  /** A channel's new token (the client's setAuth). */
  accessToken: 'access_token',
  /** Realtime's status messages: {extension, status, message}. */
  system: 'system',
  /** A row change delivered to a postgres_changes binding. */
  postgresChanges: 'postgres_changes',
  /** A broadcast, either way: {type: 'broadcast', event, payload}. */
  broadcast: 'broadcast',
  /** A presence push (client). */
  presence: 'presence',
  presenceState: 'presence_state',
  presenceDiff: 'presence_diff',
} as const

export type PhoenixEventName = (typeof PHOENIX_EVENTS)[keyof typeof PHOENIX_EVENTS]

/** The serializers: 2.0.0 is supabase-js's default. */
export type Vsn = '1.0.0' | '2.0.0'

export const SUPPORTED_VSN: readonly Vsn[] = ['1.0.0', '2.0.0']

export interface PhoenixMessage {
  joinRef: string | null
  ref: string | null
  topic: string
  event: string
  payload: Record<string, unknown>
}

/** How a user broadcast's payload bytes are to be read (the V2 serializer's encoding byte). */
export type PayloadEncoding = 'json' | 'binary'

/** A binary user broadcast's payload as it came: its bytes and how to read them. */
export interface BinaryPayload {
  encoding: PayloadEncoding
  body: Uint8Array
}

export type DecodedFrame =
  | {
      ok: true
      message: PhoenixMessage
      /** A binary frame: which kind. */
      binary?: 'user-broadcast-push' | 'user-broadcast'
      /**
       * A binary frame: its payload as it came, behind the header. The message's payload parses
       * it for display (raw bytes show as their size); a relay sends these bytes on as they came.
       */
      binaryPayload?: BinaryPayload
    }
  | {
      ok: false
      reason: string
      /** What could still be read, so that the error reply reaches the right push. */
      topic?: string
      ref?: string | null
    }

const MAX_TOPIC_LENGTH = 255
const MAX_EVENT_LENGTH = 64
const MAX_REF_LENGTH = 64

export const BINARY_KINDS = { userBroadcastPush: 3, userBroadcast: 4 } as const
const JSON_ENCODING = 1
const RAW_ENCODING = 0
/** Every length in a binary header is one byte. */
const MAX_HEADER_FIELD_BYTES = 255

// Reading frames.

/** A text frame of `vsn`. */
export function decodeTextFrame(vsn: Vsn, text: string): DecodedFrame {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, reason: 'malformed message: not JSON' }
  }
  if (vsn === '2.0.0') {
    if (!Array.isArray(value) || value.length !== 5) {
      return {
        ok: false,
        reason: 'malformed message: expected [join_ref, ref, topic, event, payload]',
      }
    }
    const [joinRef, ref, topic, event, payload] = value as unknown[]
    return validate(joinRef, ref, topic, event, payload)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'malformed message: expected {topic, event, payload, ref}' }
  }
  const object = value as Record<string, unknown>
  return validate(
    object.join_ref ?? null,
    object.ref ?? null,
    object.topic,
    object.event,
    object.payload,
  )
}

/** A binary frame (vsn 2.0.0 broadcast), from either side. */
export function decodeBinaryFrame(data: ArrayBuffer | ArrayBufferView): DecodedFrame {
  const bytes = ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data)
  const reader = new ByteReader(bytes)
  const kind = reader.byte()
  if (kind === BINARY_KINDS.userBroadcastPush) {
    const lengths = [reader.byte(), reader.byte(), reader.byte(), reader.byte(), reader.byte()]
    const encoding = reader.byte()
    if (encoding === undefined || lengths.includes(undefined)) return truncated()
    const [joinRefLength, refLength, topicLength, eventLength, metaLength] = lengths as number[]
    const joinRef = reader.text(joinRefLength!)
    const ref = reader.text(refLength!)
    const topic = reader.text(topicLength!)
    const event = reader.text(eventLength!)
    const meta = reader.text(metaLength!)
    if ([joinRef, ref, topic, event, meta].includes(undefined)) return truncated()
    return broadcast(
      'user-broadcast-push',
      joinRef || null,
      ref || null,
      topic!,
      event!,
      meta!,
      encoding,
      reader.rest(),
    )
  }
  if (kind === BINARY_KINDS.userBroadcast) {
    const lengths = [reader.byte(), reader.byte(), reader.byte()]
    const encoding = reader.byte()
    if (encoding === undefined || lengths.includes(undefined)) return truncated()
    const [topicLength, eventLength, metaLength] = lengths as number[]
    const topic = reader.text(topicLength!)
    const event = reader.text(eventLength!)
    const meta = reader.text(metaLength!)
    if ([topic, event, meta].includes(undefined)) return truncated()
    return broadcast('user-broadcast', null, null, topic!, event!, meta!, encoding, reader.rest())
  }
  return {
    ok: false,
    reason:
      kind === undefined
        ? 'malformed binary frame: empty'
        : `malformed binary frame: unknown kind ${kind} (3: broadcast push, 4: broadcast)`,
  }
}

function truncated(): DecodedFrame {
  return { ok: false, reason: 'malformed binary frame: shorter than its header says' }
}

function broadcast(
  binary: 'user-broadcast-push' | 'user-broadcast',
  joinRef: string | null,
  ref: string | null,
  topic: string,
  userEvent: string,
  meta: string,
  encoding: number,
  body: Uint8Array,
): DecodedFrame {
  let userPayload: unknown
  if (encoding === JSON_ENCODING) {
    const parsed = parseJson(utf8(body))
    if (!parsed.ok)
      return { ok: false, reason: 'malformed binary frame: its JSON payload is not JSON', topic }
    userPayload = parsed.value
  } else {
    userPayload = { binary: body.byteLength }
  }
  const payload: Record<string, unknown> = {
    type: PHOENIX_EVENTS.broadcast,
    event: userEvent,
    payload: userPayload,
  }
  if (meta.length > 0) {
    const parsed = parseJson(meta)
    if (!parsed.ok)
      return { ok: false, reason: 'malformed binary frame: its metadata is not JSON', topic }
    payload.meta = parsed.value
  }
  const checked = validate(joinRef, ref, topic, PHOENIX_EVENTS.broadcast, payload)
  if (!checked.ok) return checked
  const binaryPayload: BinaryPayload = {
    encoding: encoding === JSON_ENCODING ? 'json' : 'binary',
    body,
  }
  return { ...checked, binary, binaryPayload }
}

class ByteReader {
  private offset = 0
  constructor(private readonly bytes: Uint8Array) {}

  byte(): number | undefined {
    return this.offset < this.bytes.byteLength ? this.bytes[this.offset++] : undefined
  }

  text(length: number): string | undefined {
    if (this.offset + length > this.bytes.byteLength) return undefined
    const text = utf8(this.bytes.subarray(this.offset, this.offset + length))
    this.offset += length
    return text
  }

  rest(): Uint8Array {
    return this.bytes.subarray(this.offset)
  }
}

const decoder = new TextDecoder()

function utf8(bytes: Uint8Array): string {
  return decoder.decode(bytes)
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

function validate(
  joinRef: unknown,
  ref: unknown,
  topic: unknown,
  event: unknown,
  payload: unknown,
): DecodedFrame {
  const readableRef = isRef(ref) ? toRef(ref) : undefined
  const readableTopic =
    typeof topic === 'string' && topic.length <= MAX_TOPIC_LENGTH ? topic : undefined
  const fail = (reason: string): DecodedFrame => ({
    ok: false,
    reason: `malformed message: ${reason}`,
    ...(readableTopic === undefined ? {} : { topic: readableTopic }),
    ...(readableRef === undefined ? {} : { ref: readableRef }),
  })
  if (!isRef(joinRef)) return fail('join_ref must be a string or null')
  if (!isRef(ref)) return fail('ref must be a string or null')
  if (readableTopic === undefined || readableTopic.length === 0) {
    return fail(`topic must be a string of 1 to ${MAX_TOPIC_LENGTH} characters`)
  }
  if (typeof event !== 'string' || event.length === 0 || event.length > MAX_EVENT_LENGTH) {
    return fail(`event must be a string of 1 to ${MAX_EVENT_LENGTH} characters`)
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return fail('payload must be an object')
  }
  return {
    ok: true,
    message: {
      joinRef: toRef(joinRef),
      ref: toRef(ref),
      topic: readableTopic,
      event,
      payload: payload as Record<string, unknown>,
    },
  }
}

function isRef(value: unknown): value is string | number | null {
  return (
    value === null ||
    (typeof value === 'string' && value.length <= MAX_REF_LENGTH) ||
    (typeof value === 'number' && Number.isSafeInteger(value))
  )
}

function toRef(value: string | number | null): string | null {
  return value === null ? null : String(value)
}

// Writing frames (the local stack's side).

export function encodeFrame(vsn: Vsn, message: PhoenixMessage): string {
  return encodeFrameWithPayloadJson(
    vsn,
    message.joinRef,
    message.ref,
    message.topic,
    message.event,
    JSON.stringify(message.payload),
  )
}

/**
 * Builds a frame around a payload already serialized: a change fanned out to many channels is
 * stringified once, not once per subscriber.
 */
export function encodeFrameWithPayloadJson(
  vsn: Vsn,
  joinRef: string | null,
  ref: string | null,
  topic: string,
  event: string,
  payloadJson: string,
): string {
  const joinRefJson = joinRef === null ? 'null' : JSON.stringify(joinRef)
  const refJson = ref === null ? 'null' : JSON.stringify(ref)
  if (vsn === '2.0.0') {
    return `[${joinRefJson},${refJson},${JSON.stringify(topic)},${JSON.stringify(event)},${payloadJson}]`
  }
  return `{"topic":${JSON.stringify(topic)},"event":${JSON.stringify(event)},"payload":${payloadJson},"ref":${refJson},"join_ref":${joinRefJson}}`
}

/** A reply to a client's push: phx_reply with the push's ref and the channel's join_ref. */
export function replyFrame(
  vsn: Vsn,
  request: { joinRef: string | null; ref: string | null; topic: string },
  status: 'ok' | 'error',
  response: Record<string, unknown>,
): string {
  return encodeFrame(vsn, {
    joinRef: request.joinRef,
    ref: request.ref,
    topic: request.topic,
    event: PHOENIX_EVENTS.reply,
    payload: { status, response },
  })
}

const utf8Encoder = new TextEncoder()

/**
 * A user broadcast as the Realtime server's V2Serializer writes it (fastlane! of a
 * UserBroadcast, kind 4): meta is JSON or absent (length 0).
 * Undefined when a header field does not fit in its one-byte length: the server raises there,
 * and the message cannot reach a vsn 2.0.0 client at all.
 */
export function encodeUserBroadcast(
  topic: string,
  event: string,
  metaJson: string | null,
  encoding: PayloadEncoding,
  payload: Uint8Array,
): Uint8Array | undefined {
  const topicBytes = utf8Encoder.encode(topic)
  const eventBytes = utf8Encoder.encode(event)
  const metaBytes = utf8Encoder.encode(metaJson ?? '')
  if (
    topicBytes.length > MAX_HEADER_FIELD_BYTES ||
    eventBytes.length > MAX_HEADER_FIELD_BYTES ||
    metaBytes.length > MAX_HEADER_FIELD_BYTES
  ) {
    return undefined
  }
  const header = 5
  const frame = new Uint8Array(
    header + topicBytes.length + eventBytes.length + metaBytes.length + payload.length,
  )
  frame.set([
    BINARY_KINDS.userBroadcast,
    topicBytes.length,
    eventBytes.length,
    metaBytes.length,
    encoding === 'json' ? JSON_ENCODING : RAW_ENCODING,
  ])
  let offset = header
  for (const part of [topicBytes, eventBytes, metaBytes, payload]) {
    frame.set(part, offset)
    offset += part.length
  }
  return frame
}
