import type { Catalog } from '../db/catalog'
import type { Database } from '../db/database'
import type { BroadcastDispatcher } from './broadcast-dispatcher'
import type { ChangeDispatcher } from './change-dispatcher'
import type { Binding } from './postgres-changes'

/** What channels and sockets share: the database, its catalog, the dispatchers, the secret. */
export interface RealtimeContext {
  db: Database
  catalog: Catalog
  dispatcher: ChangeDispatcher
  broadcasts: BroadcastDispatcher
  jwtSecret: string
  /** Makes sure the bindings' tables have capture triggers (a table published after start). */
  ensureCaptured(bindings: readonly Binding[]): Promise<void>
  /** From a join's reply until its bindings receive commits (see StackOptions). */
  replicationDelayMs: number
  log(line: string): void
}

export interface RealtimeLimits {
  /** Larger text frames get an error reply, unread; the connection stays. Default 256 KiB. */
  maxMessageBytes: number
  /** ws closes the connection (1009) on frames above this. Default 1 MiB. */
  maxFrameBytes: number
  /**
   * Bytes a socket may have waiting to be written. Past this the client is not reading fast
   * enough: it is disconnected (it reconnects and rejoins) instead of growing memory. 16 MiB.
   */
  maxBufferedBytes: number
  /** A socket that sends nothing (not even a heartbeat) this long is closed. Default 60 s. */
  idleTimeoutMs: number
  /** Channels one socket may join. Default 100. */
  maxChannelsPerSocket: number
}

export const DEFAULT_REALTIME_LIMITS: RealtimeLimits = {
  maxMessageBytes: 256 * 1024,
  maxFrameBytes: 1024 * 1024,
  maxBufferedBytes: 16 * 1024 * 1024,
  idleTimeoutMs: 60_000,
  maxChannelsPerSocket: 100,
}
