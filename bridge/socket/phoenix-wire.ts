/**
 * Supabase Realtime's wire format, both directions, every serializer supabase-js speaks:
 *   vsn 1.0.0 text:   a JSON object {topic, event, payload, ref, join_ref}
 *   vsn 2.0.0 text:   a JSON array  [join_ref, ref, topic, event, payload]
 *   vsn 2.0.0 binary: a broadcast, as realtime-js's Serializer writes and reads it:
 *     kind 3, user broadcast push (client → server):
 *       [3, joinRefLen, refLen, topicLen, eventLen, metaLen, encoding, joinRef, ref, topic,
 *        event, meta, payload…]
 *     kind 4, user broadcast (server → client):
 *       [4, topicLen, eventLen, metaLen, encoding, topic, event, meta, payload…]
 *     encoding 1: the payload is JSON; 0: raw bytes.
 * The one decoder of it: the DevTools bridge reads the page's sockets with it, and the local
 * stack reads its clients' frames with it. Every frame is untrusted: nothing here throws, and a
 * frame that cannot be read says why.
 */

export type Vsn = '1.0.0' | '2.0.0'

export const SUPPORTED_VSN: readonly Vsn[] = ['1.0.0', '2.0.0']

export interface PhoenixMessage {
  joinRef: string | null
  ref: string | null
  topic: string
  event: string
  payload: Record<string, unknown>
}

export type DecodedFrame =
  | {
      ok: true
      message: PhoenixMessage
      /** A binary frame: which kind. */
      binary?: 'user-broadcast-push' | 'user-broadcast'
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
    type: 'broadcast',
    event: userEvent,
    payload: userPayload,
  }
  if (meta.length > 0) {
    const parsed = parseJson(meta)
    if (!parsed.ok)
      return { ok: false, reason: 'malformed binary frame: its metadata is not JSON', topic }
    payload.meta = parsed.value
  }
  const checked = validate(joinRef, ref, topic, 'broadcast', payload)
  return checked.ok ? { ...checked, binary } : checked
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
