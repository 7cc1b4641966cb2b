/**
 * The frames the local stack writes, in the client's serializer (vsn 1.0.0 objects, 2.0.0
 * arrays). Reading frames is bridge/socket/phoenix-wire.ts's job, shared with the DevTools bridge.
 */
import type { PhoenixMessage, Vsn } from '../../bridge/socket/phoenix-wire'

export {
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
