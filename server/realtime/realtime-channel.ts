import { isApiRole } from '../auth/api-keys'
import { type JwtVerification, verifyJwt } from '../auth/jwt'
import type { SessionIdentity } from '../db/session-identity'
import type { ChangeSubscriber } from './change-dispatcher'
import { encodeFrame, type PhoenixMessage, replyFrame, type Vsn } from './phoenix-frames'
import {
  assignBindingIds,
  type Binding,
  compileBindings,
  MAX_BINDINGS_PER_CHANNEL,
} from './postgres-changes'
import type { RealtimeContext } from './realtime-context'

/** setTimeout rejects delays past 2^31 ms: a far expiry is re-checked hourly, as Realtime does. */
const MAX_TOKEN_TIMER_MS = 3_600_000

/** What a channel needs from its socket. */
export interface ChannelSocket {
  readonly vsn: Vsn
  /** The API key the socket connected with: the token of a join that sends none. */
  readonly apiKeyToken: string
  sendFrame(frame: string): void
  channelClosed(channel: RealtimeChannel): void
}

/**
 * One joined topic on one socket (`realtime:<name>`): its postgres_changes bindings, the token it
 * is authorized by, and the server side of join / access_token / leave as Supabase's
 * RealtimeChannel answers them.
 */
export class RealtimeChannel implements ChangeSubscriber {
  readonly vsn: Vsn
  bindings: readonly Binding[] = []
  identity: SessionIdentity = { role: 'anon', claims: { role: 'anon' } }
  identityKey = ''
  private token = ''
  private tokenExp = 0
  private tokenTimer: NodeJS.Timeout | undefined
  private replicationTimer: NodeJS.Timeout | undefined
  private closed = false
  private registered = false

  constructor(
    private readonly socket: ChannelSocket,
    private readonly context: RealtimeContext,
    readonly topic: string,
    readonly joinRef: string | null,
  ) {
    this.vsn = socket.vsn
  }

  /** The channel name without the `realtime:` prefix, as the server reports it. */
  get name(): string {
    return this.topic.slice('realtime:'.length)
  }

  send(frame: string): void {
    if (!this.closed) this.socket.sendFrame(frame)
  }

  async join(message: PhoenixMessage): Promise<void> {
    const payload = message.payload
    const config = isObject(payload.config) ? payload.config : {}
    if (config.private === true) {
      // Private channels authorize through RLS on realtime.messages (Broadcast / Presence),
      // which the local stack does not serve.
      return this.refuse(
        message,
        `Unauthorized: You do not have permissions to read from this Channel topic: ${this.name}`,
      )
    }

    const presented = payload.access_token ?? payload.user_token
    const token =
      typeof presented === 'string' && !presented.startsWith('sb_')
        ? presented
        : this.socket.apiKeyToken
    const verified = verifyJwt(token, this.context.jwtSecret)
    if (!verified.ok) return this.refuse(message, joinErrorReason(verified))
    if (!isApiRole(verified.claims.role)) {
      return this.refuse(message, `Unauthorized: the role ${verified.claims.role} may not join`)
    }

    const rawBindings = Array.isArray(config.postgres_changes)
      ? (config.postgres_changes as unknown[]).filter(isObject)
      : []
    if (rawBindings.length > MAX_BINDINGS_PER_CHANNEL) {
      return this.refuse(
        message,
        `Unauthorized: at most ${MAX_BINDINGS_PER_CHANNEL} postgres_changes bindings per channel`,
      )
    }
    const requests = assignBindingIds(rawBindings)
    // Validated before the reply: once the client sees SUBSCRIBED, every later commit reaches it.
    const compiled =
      requests.length === 0
        ? { ok: true as const, bindings: [] }
        : await compileBindings(requests, this.context.catalog, this.context.db)
    if (compiled.ok && compiled.bindings.length > 0) {
      await this.context.ensureCaptured(compiled.bindings)
    }
    if (this.closed) return

    // From here on synchronous: the reply goes out before any change can be sent to the channel.
    this.setToken(token, verified.claims)
    this.socket.sendFrame(
      replyFrame(this.vsn, message, 'ok', {
        postgres_changes: requests.map((request) => ({ ...request.params, id: request.id })),
      }),
    )
    if (requests.length === 0) return
    const delay = this.context.replicationDelayMs
    if (delay <= 0) return this.replicationReady(compiled)
    // As on hosted Supabase under load: SUBSCRIBED now, commits reach the channel only later.
    this.replicationTimer = setTimeout(() => {
      this.replicationTimer = undefined
      if (!this.closed) this.replicationReady(compiled)
    }, delay)
  }

  /** The bindings start receiving commits, and the client is told so. */
  private replicationReady(
    compiled: { ok: true; bindings: readonly Binding[] } | { ok: false; error: string },
  ): void {
    if (compiled.ok && compiled.bindings.length > 0) {
      this.bindings = compiled.bindings
      this.context.dispatcher.add(this)
      this.registered = true
    }
    this.push(
      'system',
      compiled.ok
        ? {
            extension: 'postgres_changes',
            status: 'ok',
            message: 'Subscribed to PostgreSQL',
            channel: this.name,
          }
        : {
            extension: 'postgres_changes',
            status: 'error',
            message: compiled.error,
            channel: this.name,
          },
    )
  }

  /** A push from the client on this joined channel. */
  handle(message: PhoenixMessage): void {
    switch (message.event) {
      case 'access_token':
        this.refreshToken(message.payload.access_token)
        return
      case 'phx_leave':
        this.socket.sendFrame(replyFrame(this.vsn, message, 'ok', {}))
        this.stop()
        return
      case 'broadcast':
      case 'presence':
        this.socket.sendFrame(
          replyFrame(this.vsn, message, 'error', {
            reason: `${message.event} is not served by the local stack (postgres_changes only)`,
          }),
        )
        return
      default:
        this.socket.sendFrame(
          replyFrame(this.vsn, message, 'error', { reason: `unknown event: ${message.event}` }),
        )
    }
  }

  /** Ends the channel from the server side: phx_close, so the client does not rejoin. */
  stop(): void {
    if (this.closed) return
    this.socket.sendFrame(
      encodeFrame(this.vsn, {
        joinRef: this.joinRef,
        ref: this.joinRef,
        topic: this.topic,
        event: 'phx_close',
        payload: {},
      }),
    )
    this.dispose()
  }

  /** The socket went away: forget the channel without telling anyone. */
  dispose(): void {
    if (this.closed) return
    this.closed = true
    if (this.tokenTimer !== undefined) clearTimeout(this.tokenTimer)
    if (this.replicationTimer !== undefined) clearTimeout(this.replicationTimer)
    if (this.registered) this.context.dispatcher.remove(this)
    this.socket.channelClosed(this)
  }

  private refuse(message: PhoenixMessage, reason: string): void {
    this.socket.sendFrame(replyFrame(this.vsn, message, 'error', { reason }))
    this.dispose()
  }

  /**
   * A new token for the channel (the client sends one whenever its session changes). Invalid or
   * expired: a system error and phx_close, and the client does not rejoin, as on Supabase.
   */
  private refreshToken(token: unknown): void {
    if (typeof token !== 'string' || token.startsWith('sb_') || token === this.token) return
    const verified = verifyJwt(token, this.context.jwtSecret)
    if (!verified.ok) {
      this.shutdown(verified.message)
    } else if (!isApiRole(verified.claims.role)) {
      this.shutdown(`the role ${verified.claims.role} may not join`)
    } else {
      this.setToken(token, verified.claims)
    }
  }

  private setToken(
    token: string,
    claims: Record<string, unknown> & { role: string; exp: number },
  ): void {
    this.token = token
    this.tokenExp = claims.exp
    const { exp: _exp, iat: _iat, ...stable } = claims
    this.identity = { role: claims.role as SessionIdentity['role'], claims }
    this.identityKey = `${claims.role}\u0000${JSON.stringify(stable)}`
    this.armTokenTimer()
  }

  private armTokenTimer(): void {
    if (this.tokenTimer !== undefined) clearTimeout(this.tokenTimer)
    const delay = Math.min(MAX_TOKEN_TIMER_MS, Math.max(0, this.tokenExp * 1000 - Date.now()))
    this.tokenTimer = setTimeout(() => {
      this.tokenTimer = undefined
      const now = Math.floor(Date.now() / 1000)
      if (this.tokenExp <= now)
        this.shutdown(`Token has expired ${now - this.tokenExp} seconds ago`)
      else this.armTokenTimer()
    }, delay + 1)
    this.tokenTimer.unref()
  }

  private shutdown(reason: string): void {
    this.push('system', {
      extension: 'system',
      status: 'error',
      message: reason,
      channel: this.name,
    })
    this.stop()
  }

  private push(event: string, payload: Record<string, unknown>): void {
    this.socket.sendFrame(
      encodeFrame(this.vsn, {
        joinRef: this.joinRef,
        ref: null,
        topic: this.topic,
        event,
        payload,
      }),
    )
  }
}

/** The join error reasons of Supabase's RealtimeChannel.join/3. */
function joinErrorReason(verified: Extract<JwtVerification, { ok: false }>): string {
  switch (verified.reason) {
    case 'expired':
    case 'missing_claims':
      return `InvalidJWTToken: ${verified.message}`
    case 'malformed':
      return `MalformedJWT: ${verified.message}`
    default:
      return `JwtSignatureError: ${verified.message}`
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
