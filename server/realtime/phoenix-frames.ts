/**
 * The frames the local stack writes, in the client's serializer (vsn 1.0.0 objects, 2.0.0
 * arrays, and the 2.0.0 binary user broadcast). Reading frames is bridge/socket/phoenix-wire.ts's
 * job, shared with the DevTools bridge.
 */
import { BINARY_KINDS, type PhoenixMessage, type Vsn } from '../../bridge/socket/phoenix-wire'

export {
  decodeBinaryFrame,
  decodeTextFrame as decodeFrame,
  type DecodedFrame,
  type PhoenixMessage,
  SUPPORTED_VSN,
  type Vsn,
} from '../../bridge/socket/phoenix-wire'

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
    event: 'phx_reply',
    payload: { status, response },
  })
}

/** How a user broadcast's payload bytes are to be read (the V2 serializer's encoding byte). */
export type PayloadEncoding = 'json' | 'binary'

/** Every length in a binary header is one byte. */
const MAX_HEADER_FIELD_BYTES = 255

const utf8 = new TextEncoder()

/**
 * A user broadcast as the Realtime server's V2Serializer writes it (fastlane! of a
 * UserBroadcast, kind 4):
 *   [4, topicLen, eventLen, metaLen, encoding, topic, event, meta, payload…]
 * encoding 1: the payload is JSON text, 0: raw bytes; meta is JSON or absent (length 0).
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
  const topicBytes = utf8.encode(topic)
  const eventBytes = utf8.encode(event)
  const metaBytes = utf8.encode(metaJson ?? '')
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
    encoding === 'json' ? 1 : 0,
  ])
  let offset = header
  for (const part of [topicBytes, eventBytes, metaBytes, payload]) {
    frame.set(part, offset)
    offset += part.length
  }
  return frame
}

/**
 * The payload bytes and their encoding of a user broadcast push (kind 3) that decodeBinaryFrame
 * accepted. The decoder parses the payload for display (and shows raw bytes as their size); the
 * server relays the bytes as they came, as Realtime does, so it takes them from behind the
 * header: [3, joinRefLen, refLen, topicLen, eventLen, metaLen, encoding, …fields, payload…].
 */
export function userBroadcastPushBody(frame: Uint8Array): {
  encoding: PayloadEncoding
  body: Uint8Array
} {
  let offset = 7
  for (let field = 1; field <= 5; field++) offset += frame[field] ?? 0
  return { encoding: frame[6] === 1 ? 'json' : 'binary', body: frame.subarray(offset) }
}
