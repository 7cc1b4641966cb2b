import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { isApiRole } from '../auth/api-keys'
import { verifyJwt } from '../auth/jwt'
import { SUPPORTED_VSN, type Vsn } from '../../wire/phoenix'
import type { RealtimeContext, RealtimeLimits } from './realtime-context'
import { RealtimeSocket, type SocketCloseReason } from './realtime-socket'

export interface RealtimeStats {
  sockets: number
  channels: number
  /** Sockets the server closed because their send queue was full, since start. */
  slowConsumersDropped: number
}

/**
 * `/realtime/v1/websocket`: checks the API key and protocol version at the upgrade, as the
 * Realtime server's UserSocket.connect does (403 otherwise), then hands each connection to a
 * RealtimeSocket.
 */
export class RealtimeServer {
  private readonly wss: WebSocketServer
  private readonly sockets = new Set<RealtimeSocket>()
  private readonly closeListeners = new Set<(reason: SocketCloseReason) => void>()
  private slowConsumersDropped = 0
  private readonly sweeper: NodeJS.Timeout

  constructor(
    private readonly context: RealtimeContext,
    private readonly limits: RealtimeLimits,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: limits.maxFrameBytes,
      perMessageDeflate: false,
    })
    this.sweeper = setInterval(
      () => this.closeIdleSockets(),
      Math.min(15_000, limits.idleTimeoutMs),
    )
    this.sweeper.unref()
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    const vsn = url.searchParams.get('vsn') ?? '1.0.0'
    if (!(SUPPORTED_VSN as readonly string[]).includes(vsn)) {
      refuseUpgrade(socket, 400, `unsupported vsn ${vsn.slice(0, 20)}: use 1.0.0 or 2.0.0`)
      return
    }
    const apiKey = url.searchParams.get('apikey') ?? headerValue(request.headers['x-api-key'])
    const verified = verifyJwt(apiKey, this.context.jwtSecret)
    if (
      apiKey === undefined ||
      apiKey === null ||
      !verified.ok ||
      !isApiRole(verified.claims.role)
    ) {
      refuseUpgrade(socket, 403, 'invalid or missing apikey')
      return
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const realtimeSocket = new RealtimeSocket(
        ws,
        vsn as Vsn,
        apiKey,
        this.context,
        this.limits,
        (closed, reason) => this.socketClosed(closed, reason),
      )
      this.sockets.add(realtimeSocket)
    })
  }

  /** Closes every connection from the server side (clients reconnect and rejoin). */
  dropConnections(): number {
    const count = this.sockets.size
    for (const socket of [...this.sockets]) socket.close('server')
    return count
  }

  /** Calls `listener` with the reason whenever a connection ends; returns the unsubscribe. */
  onSocketClosed(listener: (reason: SocketCloseReason) => void): () => void {
    this.closeListeners.add(listener)
    return () => this.closeListeners.delete(listener)
  }

  stats(): RealtimeStats {
    let channels = 0
    for (const socket of this.sockets) channels += socket.channelCount
    return { sockets: this.sockets.size, channels, slowConsumersDropped: this.slowConsumersDropped }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper)
    this.dropConnections()
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
  }

  private socketClosed(socket: RealtimeSocket, reason: SocketCloseReason): void {
    this.sockets.delete(socket)
    if (reason === 'slow-consumer') {
      this.slowConsumersDropped++
      this.context.log('[realtime] a client could not keep up and was disconnected')
    }
    for (const listener of this.closeListeners) listener(reason)
  }

  private closeIdleSockets(): void {
    const cutoff = Date.now() - this.limits.idleTimeoutMs
    for (const socket of [...this.sockets]) {
      if (socket.lastMessageAt < cutoff) socket.close('idle')
    }
  }
}

function refuseUpgrade(socket: Duplex, status: 400 | 403, message: string): void {
  const reason = status === 400 ? 'Bad Request' : 'Forbidden'
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  )
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
