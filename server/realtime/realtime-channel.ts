import { isApiRole } from '../auth/api-keys'
import { type JwtVerification, verifyJwt } from '../auth/jwt'
import { asPostgresError } from '../db/database'
import type { SessionIdentity } from '../db/session-identity'
import type { BroadcastSubscriber, OutgoingBroadcast } from './broadcast-dispatcher'
import type { ChangeSubscriber } from './change-dispatcher'
import {
  authorizeChannel,
  type ChannelPermissions,
  NO_PERMISSIONS,
  UNDEFINED_TABLE,
} from './channel-authorization'
import {
  type BinaryPayload,
  encodeFrame,
  PHOENIX_EVENTS,
  type PhoenixMessage,
  replyFrame,
  type Vsn,
} from '../../wire/phoenix'
import {
  assignBindingIds,
  type Binding,
  compileBindings,
  MAX_BINDINGS_PER_CHANNEL,
} from './postgres-changes'
import type { RealtimeContext } from './realtime-context'
import { errorMessage } from '../../src/error-message'
import { isObject } from '../../src/is-object'

/** setTimeout rejects delays past 2^31 ms: a far expiry is re-checked hourly, as Realtime does. */
const MAX_TOKEN_TIMER_MS = 3_600_000

/** What a channel needs from its socket. */
export interface ChannelSocket {
  readonly vsn: Vsn
  /** The API key the socket connected with: the token of a join that sends none. */
  readonly apiKeyToken: string
  sendFrame(frame: string | Uint8Array): void
  channelClosed(channel: RealtimeChannel): void
}

/** The payload of a broadcast push that came as a binary frame (vsn 2.0.0), as it came. */
export type BinaryBroadcastBody = BinaryPayload

/**
 * One joined topic on one socket (`realtime:<name>`): its postgres_changes bindings, its
 * Broadcast settings, the token it is authorized by (and for a private channel what that token
 * may do on the topic), and the server side of join / access_token / broadcast / leave as
 * Supabase's RealtimeChannel answers them.
 *
 * Presence is not served: a presence push gets an error reply that says so. Serving it means
 * a CRDT of tracked metas per topic, presence_state / presence_diff and their own RLS checks;
 * the sync engine needs none of it, and a clear refusal beats a half-served feature.
 */
export class RealtimeChannel implements ChangeSubscriber, BroadcastSubscriber {
  readonly vsn: Vsn
  bindings: readonly Binding[] = []
  identity: SessionIdentity = { role: 'anon', claims: { role: 'anon' } }
  identityKey = ''
  /** config.private of the join: authorized by RLS on realtime.messages. */
  isPrivate = false
  private token = ''
  private tokenExp = 0
  private tokenTimer: NodeJS.Timeout | undefined
  private replicationTimer: NodeJS.Timeout | undefined
  private closed = false
  private registered = false
  private broadcastRegistered = false
  /** Private channels: what the current token may do, evaluated at join and per new token. */
  private permissions: ChannelPermissions = NO_PERMISSIONS
  private broadcastSelf = false
  private broadcastAck = false
  /** A new token whose authorization is running; a newer one supersedes it. */
  private pendingToken: string | undefined
  private reauthorization: Promise<void> = Promise.resolve()

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

  /** Public channels read every broadcast of their topic; private ones as their token may. */
  get mayRead(): boolean {
    return !this.isPrivate || this.permissions.read
  }

  send(frame: string | Uint8Array): void {
    if (!this.closed) this.socket.sendFrame(frame)
  }

  async join(message: PhoenixMessage): Promise<void> {
    const payload = message.payload
    const config = isObject(payload.config) ? payload.config : {}
    const broadcast = isObject(config.broadcast) ? config.broadcast : {}
    this.isPrivate = config.private === true
    this.broadcastSelf = broadcast.self === true
    this.broadcastAck = broadcast.ack === true
    if (broadcast.replay !== undefined && broadcast.replay !== null) {
      return this.refuse(
        message,
        this.isPrivate
          ? 'UnableToReplayMessages: replay is not served by the local stack'
          : 'UnableToReplayMessages: Replay is not allowed for public channels',
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
    if (this.isPrivate) {
      const permissions = await this.authorize(identityOf(verified.claims))
      if (this.closed) return
      if (!permissions.read) {
        return this.refuse(
          message,
          `Unauthorized: You do not have permissions to read from this Channel topic: ${this.name}`,
        )
      }
      this.permissions = permissions
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

    // From here on synchronous: the reply goes out before any change or broadcast can be sent
    // to the channel.
    this.setToken(token, verified.claims)
    this.socket.sendFrame(
      replyFrame(this.vsn, message, 'ok', {
        postgres_changes: requests.map((request) => ({ ...request.params, id: request.id })),
      }),
    )
    this.context.broadcasts.add(this)
    this.broadcastRegistered = true
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
      PHOENIX_EVENTS.system,
      compiled.ok
        ? {
            extension: PHOENIX_EVENTS.postgresChanges,
            status: 'ok',
            message: 'Subscribed to PostgreSQL',
            channel: this.name,
          }
        : {
            extension: PHOENIX_EVENTS.postgresChanges,
            status: 'error',
            message: compiled.error,
            channel: this.name,
          },
    )
  }

  /** A push from the client on this joined channel (`binary`: a broadcast's bytes, vsn 2.0.0). */
  handle(message: PhoenixMessage, binary?: BinaryBroadcastBody): void {
    switch (message.event) {
      case PHOENIX_EVENTS.accessToken:
        this.refreshToken(message.payload.access_token)
        return
      case PHOENIX_EVENTS.leave:
        this.socket.sendFrame(replyFrame(this.vsn, message, 'ok', {}))
        this.stop()
        return
      case PHOENIX_EVENTS.broadcast:
        this.broadcast(message, binary)
        return
      case PHOENIX_EVENTS.presence:
        this.socket.sendFrame(
          replyFrame(this.vsn, message, 'error', {
            reason:
              'presence is not served by the local stack (postgres_changes and broadcast only)',
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
        event: PHOENIX_EVENTS.close,
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
    if (this.broadcastRegistered) this.context.broadcasts.remove(this)
    this.socket.channelClosed(this)
  }

  private refuse(message: PhoenixMessage, reason: string): void {
    this.socket.sendFrame(replyFrame(this.vsn, message, 'error', { reason }))
    this.dispose()
  }

  /**
   * A client broadcast: relayed to the topic's channels as Realtime's BroadcastHandler does
   * (the sender too with `broadcast.self`, an ok reply with `broadcast.ack`). On a private
   * channel the token's write permission decides.
   */
  private broadcast(message: PhoenixMessage, binary: BinaryBroadcastBody | undefined): void {
    const event = message.payload.event
    if (typeof event !== 'string' || event.length === 0) {
      this.socket.sendFrame(
        replyFrame(this.vsn, message, 'error', {
          reason: 'malformed broadcast: payload.event must be a non-empty string',
        }),
      )
      return
    }
    if (this.isPrivate && !this.permissions.write) {
      // Hosted Realtime drops such a push without a word (BroadcastHandler answers :noreply),
      // and a send() with ack then times out. A client waiting for an answer is told why here.
      if (this.broadcastAck) {
        this.socket.sendFrame(
          replyFrame(this.vsn, message, 'error', {
            reason: `Unauthorized: You do not have permissions to write to this Channel topic: ${this.name}`,
          }),
        )
      }
      return
    }
    const outgoing: OutgoingBroadcast =
      binary === undefined
        ? { kind: 'json', payload: message.payload }
        : {
            kind: 'user',
            event,
            encoding: binary.encoding,
            payload: binary.body,
            // The server keeps a push's metadata ("persist") to itself.
            metaJson: null,
          }
    this.context.broadcasts.relay(this, outgoing, this.broadcastSelf)
    if (this.broadcastAck) this.socket.sendFrame(replyFrame(this.vsn, message, 'ok', {}))
  }

  /**
   * A new token for the channel (the client sends one whenever its session changes). Invalid or
   * expired: a system error and phx_close, and the client does not rejoin, as on Supabase. On a
   * private channel the policies are evaluated again for the new token (one at a time, the
   * latest token winning); a token that may no longer read closes the channel.
   */
  private refreshToken(token: unknown): void {
    if (typeof token !== 'string' || token.startsWith('sb_')) return
    if (token === this.token || token === this.pendingToken) return
    const verified = verifyJwt(token, this.context.jwtSecret)
    if (!verified.ok) {
      this.shutdown(verified.message)
    } else if (!isApiRole(verified.claims.role)) {
      this.shutdown(`the role ${verified.claims.role} may not join`)
    } else if (!this.isPrivate) {
      this.setToken(token, verified.claims)
    } else {
      this.pendingToken = token
      const claims = verified.claims
      this.reauthorization = this.reauthorization.then(async () => {
        if (this.closed || this.pendingToken !== token) return
        const permissions = await this.authorize(identityOf(claims))
        if (this.closed || this.pendingToken !== token) return
        this.pendingToken = undefined
        if (!permissions.read) {
          this.permissions = NO_PERMISSIONS
          this.shutdown(
            `You no longer have permission to read from this Channel topic: ${this.name}`,
          )
          return
        }
        this.permissions = permissions
        this.setToken(token, claims)
      })
      this.reauthorization = this.reauthorization.catch((error: unknown) => {
        this.context.log(`[realtime] a new token for ${this.name}: ${errorMessage(error)}`)
      })
    }
  }

  /**
   * The token's permissions on this private channel's topic. A policy that fails to evaluate is
   * a refusal, as on Supabase (RlsPolicyError → Unauthorized), with the cause in the log.
   */
  private async authorize(identity: SessionIdentity): Promise<ChannelPermissions> {
    try {
      return await authorizeChannel(this.context.db, identity, this.name)
    } catch (error) {
      this.context.log(
        asPostgresError(error)?.code === UNDEFINED_TABLE
          ? '[realtime] private channels need the table realtime.messages (a Supabase database has it; supabase/local/supabase-shim.sql creates it elsewhere): every private join is refused'
          : `[realtime] authorizing the private channel ${this.name}: ${errorMessage(error)}`,
      )
      return NO_PERMISSIONS
    }
  }

  private setToken(
    token: string,
    claims: Record<string, unknown> & { role: string; exp: number },
  ): void {
    this.token = token
    this.tokenExp = claims.exp
    const { exp: _exp, iat: _iat, ...stable } = claims
    this.identity = identityOf(claims)
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
    this.push(PHOENIX_EVENTS.system, {
      extension: PHOENIX_EVENTS.system,
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

/** Who a verified token's queries run as (its role was checked to be an API role). */
function identityOf(claims: Record<string, unknown> & { role: string }): SessionIdentity {
  return { role: claims.role as SessionIdentity['role'], claims }
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
