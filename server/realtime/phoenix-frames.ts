/**
 * Phoenix channel frames, both serializers the Realtime server accepts:
 *   vsn 2.0.0 (supabase-js default): a JSON array  [join_ref, ref, topic, event, payload]
 *   vsn 1.0.0:                       a JSON object {topic, event, payload, ref, join_ref}
 * Every frame from a client is untrusted: decodeFrame() never throws and says what was wrong.
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
  | { ok: true; message: PhoenixMessage }
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

export function decodeFrame(vsn: Vsn, text: string): DecodedFrame {
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
