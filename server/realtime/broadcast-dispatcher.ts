import {
  type BroadcastNotification,
  type CapturedBroadcast,
  readBroadcast,
} from '../db/broadcast-capture'
import type { Database } from '../db/database'
import {
  encodeFrame,
  encodeFrameWithPayloadJson,
  encodeUserBroadcast,
  type PayloadEncoding,
  PHOENIX_EVENTS,
  type Vsn,
} from '../../wire/phoenix'
import { SerialQueue } from './serial-queue'

/** A joined channel as Broadcast sees it: every joined channel receives its topic's broadcasts. */
export interface BroadcastSubscriber {
  /** `realtime:<name>`. */
  readonly topic: string
  readonly vsn: Vsn
  /** Private and public channels of one name are two topics, as on Supabase. */
  readonly isPrivate: boolean
  /** Private channels: the read permission of the token (RLS on realtime.messages). */
  readonly mayRead: boolean
  send(frame: string | Uint8Array): void
}

/**
 * A broadcast on its way to channels, in the form the Realtime server relays:
 *   user: a UserBroadcast (realtime.send, or a vsn 2.0.0 client's binary push): event, the
 *         payload bytes and their encoding, and meta ({id} for database messages). vsn 2.0.0
 *         channels get it as binary kind 4, vsn 1.0.0 channels as the JSON
 *         {event, payload, type: 'broadcast', meta} (raw bytes cannot reach them).
 *   json: a vsn 1.0.0 client's JSON push (Phoenix.Socket.Broadcast): its payload object, sent
 *         verbatim as a text `broadcast` to every channel, whatever its vsn.
 */
export type OutgoingBroadcast =
  | {
      kind: 'user'
      event: string
      encoding: PayloadEncoding
      /** JSON text (encoding json) or raw bytes. */
      payload: string | Uint8Array
      metaJson: string | null
    }
  | { kind: 'json'; payload: Record<string, unknown> }

export interface BroadcastStats {
  /** Database broadcasts (realtime.messages inserts) received from the capture. */
  broadcastsCaptured: number
  /** Broadcast frames sent to channels, database and client broadcasts alike. */
  broadcastsDelivered: number
}

const utf8 = new TextEncoder()
const utf8Decoder = new TextDecoder()

/**
 * Fans broadcasts out to the channels joined to their topic: database broadcasts in commit
 * order (a large one read back by id before any later one is sent), client broadcasts at once.
 * A frame is encoded once per protocol version, not once per channel.
 */
export class BroadcastDispatcher {
  private readonly byTopic = new Map<string, Set<BroadcastSubscriber>>()
  /** Database broadcasts in commit order, one at a time (a read-back may await). */
  private readonly pending: SerialQueue<BroadcastNotification>
  private readonly counters = { broadcastsCaptured: 0, broadcastsDelivered: 0 }

  constructor(
    private readonly db: Database,
    private readonly onError: (context: string, error: unknown) => void,
  ) {
    this.pending = new SerialQueue({
      process: ([notification]) => this.relayFromDatabase(notification!),
      onError: (error) => this.onError('relaying a broadcast from the database', error),
    })
  }

  add(subscriber: BroadcastSubscriber): void {
    const key = topicKey(subscriber.topic, subscriber.isPrivate)
    let set = this.byTopic.get(key)
    if (set === undefined) {
      set = new Set()
      this.byTopic.set(key, set)
    }
    set.add(subscriber)
  }

  remove(subscriber: BroadcastSubscriber): void {
    const key = topicKey(subscriber.topic, subscriber.isPrivate)
    const set = this.byTopic.get(key)
    set?.delete(subscriber)
    if (set?.size === 0) this.byTopic.delete(key)
  }

  /** A committed realtime.messages row, from the capture. */
  enqueue(notification: BroadcastNotification): void {
    this.counters.broadcastsCaptured++
    this.pending.push(notification)
  }

  /** Resolves once every database broadcast captured so far (and any meanwhile) has been sent. */
  idle(): Promise<void> {
    return this.pending.idle()
  }

  /**
   * A client's push, already authorized: to the topic's other channels of the same kind, and
   * to the sender too when its join asked for `broadcast.self`.
   */
  relay(sender: BroadcastSubscriber, broadcast: OutgoingBroadcast, includeSender: boolean): void {
    this.fanOut(sender.topic, sender.isPrivate, broadcast, includeSender ? undefined : sender)
  }

  stats(): BroadcastStats {
    return { ...this.counters }
  }

  /**
   * Sent at once, or, when large, read back by id first: the queue holds later ones until it
   * is sent. Returns a promise only then, so a small broadcast is sent within enqueue().
   */
  private relayFromDatabase(notification: BroadcastNotification): Promise<void> | undefined {
    if (!notification.truncated) {
      this.sendFromDatabase(notification.message)
      return undefined
    }
    return readBroadcast(this.db, notification.id).then((message) => {
      if (message !== undefined) this.sendFromDatabase(message)
    })
  }

  private sendFromDatabase(message: CapturedBroadcast): void {
    this.fanOut(`realtime:${message.topic}`, message.private, {
      kind: 'user',
      event: message.event,
      encoding: 'json',
      payload: message.payloadJson,
      metaJson: JSON.stringify({ id: message.id }),
    })
  }

  private fanOut(
    topic: string,
    isPrivate: boolean,
    broadcast: OutgoingBroadcast,
    except?: BroadcastSubscriber,
  ): void {
    const subscribers = this.byTopic.get(topicKey(topic, isPrivate))
    if (subscribers === undefined) return
    const frames = new Map<Vsn, string | Uint8Array | null>()
    for (const subscriber of subscribers) {
      if (subscriber === except) continue
      // Joined private channels could read when they joined; a token that lost the right is
      // being closed, and gets nothing more meanwhile.
      if (isPrivate && !subscriber.mayRead) continue
      let frame = frames.get(subscriber.vsn)
      if (frame === undefined) {
        frame = encodeBroadcast(subscriber.vsn, topic, broadcast)
        frames.set(subscriber.vsn, frame)
        if (frame === null) {
          this.onError(
            `broadcasting on ${topic}`,
            new Error(
              subscriber.vsn === '2.0.0'
                ? 'its topic, event or meta is over the 255 bytes a binary frame can carry'
                : 'a binary payload cannot reach a vsn 1.0.0 client',
            ),
          )
        }
      }
      if (frame === null) continue
      subscriber.send(frame)
      this.counters.broadcastsDelivered++
    }
  }
}

function topicKey(topic: string, isPrivate: boolean): string {
  return `${isPrivate ? 'private' : 'public'}\u0000${topic}`
}

/** The frame one protocol version gets; null when that version cannot carry the broadcast. */
function encodeBroadcast(
  vsn: Vsn,
  topic: string,
  broadcast: OutgoingBroadcast,
): string | Uint8Array | null {
  if (broadcast.kind === 'json') {
    return encodeFrame(vsn, {
      joinRef: null,
      ref: null,
      topic,
      event: PHOENIX_EVENTS.broadcast,
      payload: broadcast.payload,
    })
  }
  if (vsn === '2.0.0') {
    const bytes =
      typeof broadcast.payload === 'string' ? utf8.encode(broadcast.payload) : broadcast.payload
    return (
      encodeUserBroadcast(topic, broadcast.event, broadcast.metaJson, broadcast.encoding, bytes) ??
      null
    )
  }
  // vsn 1.0.0: the server's UserBroadcast.convert_to_json_broadcast, the payload verbatim.
  if (broadcast.encoding !== 'json') return null
  const payloadJson =
    typeof broadcast.payload === 'string'
      ? broadcast.payload
      : utf8Decoder.decode(broadcast.payload)
  const meta = broadcast.metaJson === null ? '' : `,"meta":${broadcast.metaJson}`
  return encodeFrameWithPayloadJson(
    vsn,
    null,
    null,
    topic,
    PHOENIX_EVENTS.broadcast,
    `{"event":${JSON.stringify(broadcast.event)},"payload":${payloadJson},"type":"broadcast"${meta}}`,
  )
}
