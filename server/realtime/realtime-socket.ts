import type { WebSocket } from 'ws'
import {
  type DecodedFrame,
  decodeBinaryFrame,
  decodeTextFrame,
  PHOENIX_EVENTS,
  PHOENIX_TOPIC,
  type PhoenixMessage,
  replyFrame,
  type Vsn,
} from '../../wire/phoenix'
import { type BinaryBroadcastBody, type ChannelSocket, RealtimeChannel } from './realtime-channel'
import type { RealtimeContext, RealtimeLimits } from './realtime-context'
import { errorMessage } from '../../src/error-message'

export type SocketCloseReason = 'client' | 'slow-consumer' | 'idle' | 'server'

/**
 * One client connection: Phoenix's socket side (heartbeats, routing pushes to channels, replying
 * to whatever cannot be routed) with a bounded send queue. Nothing a client sends can throw out
 * of here or stop the other channels on the socket.
 */
export class RealtimeSocket implements ChannelSocket {
  private readonly channels = new Map<string, RealtimeChannel>()
  lastMessageAt = Date.now()
  private closed = false

  constructor(
    private readonly ws: WebSocket,
    readonly vsn: Vsn,
    readonly apiKeyToken: string,
    private readonly context: RealtimeContext,
    private readonly limits: RealtimeLimits,
    private readonly onClose: (socket: RealtimeSocket, reason: SocketCloseReason) => void,
  ) {
    ws.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary))
    ws.on('close', () => this.closedBy('client'))
    ws.on('error', () => this.closedBy('client'))
  }

  get channelCount(): number {
    return this.channels.size
  }

  sendFrame(frame: string | Uint8Array): void {
    if (this.closed) return
    if (this.ws.bufferedAmount + frame.length > this.limits.maxBufferedBytes) {
      // The client does not read fast enough. Dropping it bounds memory; it reconnects, rejoins
      // and (being a Realtime client) must refetch what it missed.
      this.close('slow-consumer')
      return
    }
    this.ws.send(frame)
  }

  channelClosed(channel: RealtimeChannel): void {
    if (this.channels.get(channel.topic) === channel) this.channels.delete(channel.topic)
  }

  /** Closes the connection from the server side. */
  close(reason: SocketCloseReason): void {
    if (this.closed) return
    if (reason === 'slow-consumer') {
      // Its buffers are full: a close handshake would wait behind them.
      this.ws.terminate()
    } else {
      this.ws.close(reason === 'idle' ? 1000 : 1001, reason)
      // A peer that never answers the close handshake is cut off.
      setTimeout(() => this.ws.terminate(), 2_000).unref()
    }
    this.closedBy(reason)
  }

  private closedBy(reason: SocketCloseReason): void {
    if (this.closed) return
    this.closed = true
    for (const channel of [...this.channels.values()]) channel.dispose()
    this.channels.clear()
    this.onClose(this, reason)
  }

  private receive(data: Buffer, isBinary: boolean): void {
    this.lastMessageAt = Date.now()
    if (data.length > this.limits.maxMessageBytes) {
      this.error(
        { ref: null, topic: PHOENIX_TOPIC },
        `message too large: ${data.length} bytes, at most ${this.limits.maxMessageBytes}`,
      )
      return
    }
    let binary: BinaryBroadcastBody | undefined
    let decoded: DecodedFrame
    if (isBinary) {
      // vsn 2.0.0 clients send broadcasts as binary frames of kind 3; the 1.0.0 serializer has
      // no binary frames, and kind 4 is the server's.
      if (this.vsn !== '2.0.0') {
        this.error({ ref: null, topic: PHOENIX_TOPIC }, 'binary frames need vsn 2.0.0')
        return
      }
      decoded = decodeBinaryFrame(data)
      if (decoded.ok && decoded.binary !== 'user-broadcast-push') {
        this.error(
          { ref: null, topic: decoded.message.topic },
          'a client sends binary frames of kind 3 (broadcast push) only',
        )
        return
      }
      if (decoded.ok) binary = decoded.binaryPayload
    } else {
      decoded = decodeTextFrame(this.vsn, data.toString('utf8'))
    }
    if (!decoded.ok) {
      this.error(
        { ref: decoded.ref ?? null, topic: decoded.topic ?? PHOENIX_TOPIC },
        decoded.reason,
      )
      return
    }
    try {
      this.route(decoded.message, binary)
    } catch (error) {
      this.context.log(`[realtime] ${errorMessage(error)}`)
      this.error(decoded.message, 'internal error')
    }
  }

  private route(message: PhoenixMessage, binary: BinaryBroadcastBody | undefined): void {
    if (message.topic === PHOENIX_TOPIC) {
      if (message.event === PHOENIX_EVENTS.heartbeat) {
        this.sendFrame(replyFrame(this.vsn, message, 'ok', {}))
        return
      }
      this.error(message, 'unmatched topic')
      return
    }
    if (message.event === PHOENIX_EVENTS.join) {
      this.join(message)
      return
    }
    const channel = this.channels.get(message.topic)
    // A push for a channel that is not joined, or for an earlier join of it, is Phoenix's
    // "unmatched topic".
    if (
      channel === undefined ||
      (message.joinRef !== null && message.joinRef !== channel.joinRef)
    ) {
      this.error(message, 'unmatched topic')
      return
    }
    channel.handle(message, binary)
  }

  private join(message: PhoenixMessage): void {
    if (!message.topic.startsWith('realtime:')) {
      this.error(message, 'unmatched topic')
      return
    }
    if (message.topic === 'realtime:') {
      this.error(message, 'TopicNameRequired: You must provide a topic name')
      return
    }
    const existing = this.channels.get(message.topic)
    // Phoenix closes the earlier channel on a duplicate join of the same topic.
    existing?.stop()
    if (this.channels.size >= this.limits.maxChannelsPerSocket) {
      this.error(message, 'ChannelRateLimitReached: Too many channels')
      return
    }
    const channel = new RealtimeChannel(this, this.context, message.topic, message.joinRef)
    this.channels.set(message.topic, channel)
    channel.join(message).catch((error: unknown) => {
      this.context.log(`[realtime] join failed: ${errorMessage(error)}`)
      this.error(message, 'Unknown Error on Channel')
      channel.dispose()
    })
  }

  /** A socket-level error reply: to the push's ref, outside any join (join_ref null). */
  private error(request: { ref: string | null; topic: string }, reason: string): void {
    this.sendFrame(
      replyFrame(this.vsn, { joinRef: null, ref: request.ref, topic: request.topic }, 'error', {
        reason,
      }),
    )
  }
}
