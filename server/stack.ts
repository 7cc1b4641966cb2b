import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createApiKeys, DEV_JWT_SECRET, MIN_JWT_SECRET_LENGTH } from './auth/api-keys'
import { handleAuth } from './auth/auth-handler'
import { findUser, handleDevToken } from './auth/dev-token-handler'
import { SessionIssuer } from './auth/sessions'
import { UserStore } from './auth/user-store'
import { applySchema } from './db/apply-schema'
import { BroadcastCapture } from './db/broadcast-capture'
import { Catalog } from './db/catalog'
import { ChangeCapture } from './db/change-capture'
import type { Database } from './db/database'
import { openPgliteDatabase } from './db/pglite-database'
import { openPostgresDatabase } from './db/postgres-database'
import { CORS_HEADERS, send, sendJson } from './http/http-io'
import { BroadcastDispatcher, type BroadcastStats } from './realtime/broadcast-dispatcher'
import { ChangeDispatcher, type DispatcherStats } from './realtime/change-dispatcher'
import type { Binding } from './realtime/postgres-changes'
import {
  DEFAULT_REALTIME_LIMITS,
  type RealtimeContext,
  type RealtimeLimits,
} from './realtime/realtime-context'
import { RealtimeServer, type RealtimeStats } from './realtime/realtime-server'
import type { SocketCloseReason } from './realtime/realtime-socket'
import { handleRest } from './rest/postgrest-handler'
import { seedDemoWorld } from './seed/demo-world'
import type { DoctorRow } from '../cli/doctor'
import { errorMessage } from '../src/error-message'
import { isTransport, TRANSPORTS, type Transport } from '../src/types'
import { REALTIME_SOCKET_PATH } from '../wire/phoenix'

/**
 * `--transport` / REALTIME_TRANSPORT of `npm run stack` and `npm run demo`: unset or empty is
 * postgres_changes.
 */
export function transportFromFlag(text: string | undefined): Transport {
  if (text === undefined || text === '') return 'postgres_changes'
  if (isTransport(text)) return text
  throw new Error(`--transport must be ${TRANSPORTS.join(' or ')} (got ${text})`)
}

export interface StackOptions {
  /** Default 54321 (the Supabase CLI's API port); 0 picks a free port. */
  port?: number
  /** Default 127.0.0.1: a development stack with a published secret stays on this machine. */
  host?: string
  /** PGlite keeps its data in this directory between runs; in memory when absent. */
  dataDir?: string
  /** A real Postgres server instead of PGlite (plain Postgres: the Supabase shim is applied). */
  databaseUrl?: string
  /** HS256 secret for every token; default: the Supabase CLI's development secret. */
  jwtSecret?: string
  /** Access token lifetime of signed-in users, seconds. Default 3600. */
  jwtExpirySeconds?: number
  /** Insert the demo world (where absent). Default true. */
  seed?: boolean
  /** Serve POST /dev/v1/token (service_role key only). Default true. */
  devTokens?: boolean
  /** Largest REST request body. Default 1 MiB. */
  maxBodyBytes?: number
  realtime?: Partial<RealtimeLimits>
  /**
   * How long after a join's reply the channel's postgres_changes subscription becomes ready,
   * "Subscribed to PostgreSQL" is sent, and commits start to reach it: hosted Supabase can
   * take a moment, and a commit in between is never delivered (supabase-js issue 1599).
   * Default 0 (ready with the reply).
   */
  replicationDelayMs?: number
  /**
   * How the database tells clients about changes (public.realtime_sync_settings.transport),
   * set after the schema is applied: postgres_changes on realtime_table_events (default), or
   * also realtime.send() to the private topic `org:<id>`. 'broadcast' needs the migration that
   * creates public.realtime_sync_settings.
   */
  transport?: Transport
  /** PGlite only: start from this data directory dump (see pglite-snapshot.ts). */
  pgliteSnapshot?: Blob
  /** Where the stack reports what it does; silent by default (the CLI prints). */
  log?: (line: string) => void
}

export interface Stack {
  /** http://host:port: the URL to give createClient(). */
  url: string
  port: number
  anonKey: string
  serviceRoleKey: string
  jwtSecret: string
  /** The database, as the owner (no RLS): for fixtures and assertions. */
  database: Database
  databaseKind: 'pglite' | 'postgres'
  /** The sync transport the database was set to at start. */
  transport: Transport
  /**
   * What `public.realtime_sync_doctor()` said at start (every row; `npm run stack` prints those
   * not ok). Empty when the database has no such function.
   */
  doctor: readonly DoctorRow[]
  /** An access token for an existing user (email or id), as the dev token endpoint gives. */
  tokenFor(user: string, options?: { expiresInSeconds?: number }): Promise<string>
  realtime: {
    stats(): RealtimeStats & DispatcherStats & BroadcastStats
    /** Closes every Realtime connection from the server (clients reconnect and rejoin). */
    dropConnections(): number
    /** The next `count` change messages are sent twice (at-least-once delivery, for tests/demos). */
    injectDuplicates(count: number): void
    /** Resolves when every change and database broadcast committed so far has been dispatched. */
    idle(): Promise<void>
    onSocketClosed(listener: (reason: SocketCloseReason) => void): () => void
  }
  close(): Promise<void>
}

/**
 * The local Supabase-compatible stack in this process: Postgres (PGlite or DATABASE_URL) with
 * the project's migrations and the demo world, and on one HTTP port the Realtime websocket, the
 * PostgREST subset, Auth for email + password, and the dev token endpoint.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const log = throttled(options.log ?? (() => {}))
  const jwtSecret = options.jwtSecret ?? DEV_JWT_SECRET
  if (jwtSecret.length < MIN_JWT_SECRET_LENGTH) {
    throw new Error(`the JWT secret must have at least ${MIN_JWT_SECRET_LENGTH} characters`)
  }
  const keys = createApiKeys(jwtSecret)
  const host = options.host ?? '127.0.0.1'
  const limits: RealtimeLimits = { ...DEFAULT_REALTIME_LIMITS, ...options.realtime }
  const transport = options.transport ?? 'postgres_changes'
  if (!isTransport(transport)) {
    throw new Error(`transport must be one of ${TRANSPORTS.join(', ')} (got ${String(transport)})`)
  }

  // Listen first: a port in use fails now, before the database's seconds of start-up.
  let ready!: Promise<Services>
  const server = createServer((request, response) => {
    void serve(request, response, ready, log)
  })
  server.on('upgrade', (request, socket, head) => {
    socket.on('error', () => socket.destroy())
    const url = requestUrl(request)
    if (url?.pathname !== REALTIME_SOCKET_PATH) {
      socket.destroy()
      return
    }
    ready.then(
      (services) => services.realtime.handleUpgrade(request, socket, head, url),
      () => socket.destroy(),
    )
  })
  const port = await listen(server, options.port ?? 54321, host)
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`

  let services: Services
  try {
    ready = openServices(options, { jwtSecret, url, limits, log, transport })
    services = await ready
  } catch (error) {
    ready = Promise.reject(error)
    ready.catch(() => {})
    await closeServer(server)
    throw error
  }

  let closing: Promise<void> | undefined
  return {
    url,
    port,
    anonKey: keys.anonKey,
    serviceRoleKey: keys.serviceRoleKey,
    jwtSecret,
    database: services.db,
    databaseKind: services.db.kind,
    transport,
    doctor: services.doctor,
    async tokenFor(user, tokenOptions = {}) {
      const who = user.includes('@') ? { email: user } : { user_id: user }
      const found = await findUser(services.users, who)
      if (found === undefined) throw new Error(`no user ${user}`)
      return services.sessions.accessToken(found, undefined, tokenOptions.expiresInSeconds).token
    },
    realtime: {
      stats: () => ({
        ...services.realtime.stats(),
        ...services.dispatcher.stats(),
        ...services.broadcasts.stats(),
      }),
      dropConnections: () => services.realtime.dropConnections(),
      injectDuplicates: (count) => services.dispatcher.injectDuplicates(count),
      async idle() {
        await services.dispatcher.idle()
        await services.broadcasts.idle()
      },
      onSocketClosed: (listener) => services.realtime.onSocketClosed(listener),
    },
    close() {
      closing ??= (async () => {
        const closed = closeServer(server)
        await services.realtime.close()
        await services.capture.stop()
        await services.broadcastCapture.stop()
        await services.dispatcher.idle()
        await services.broadcasts.idle()
        await closed
        await services.db.close()
      })()
      return closing
    },
  }
}

interface Services {
  db: Database
  doctor: DoctorRow[]
  catalog: Catalog
  users: UserStore
  sessions: SessionIssuer
  capture: ChangeCapture
  dispatcher: ChangeDispatcher
  broadcastCapture: BroadcastCapture
  broadcasts: BroadcastDispatcher
  realtime: RealtimeServer
  jwtSecret: string
  maxBodyBytes: number
  devTokens: boolean
}

async function openServices(
  options: StackOptions,
  shared: {
    jwtSecret: string
    url: string
    limits: RealtimeLimits
    log: (line: string) => void
    transport: Transport
  },
): Promise<Services> {
  const { jwtSecret, log } = shared
  const db =
    options.databaseUrl !== undefined
      ? await openPostgresDatabase(options.databaseUrl)
      : await openPgliteDatabase({
          ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
          ...(options.pgliteSnapshot === undefined ? {} : { loadDataDir: options.pgliteSnapshot }),
        })
  try {
    const users = new UserStore(db)
    if (options.pgliteSnapshot === undefined || options.databaseUrl !== undefined) {
      await applySchema(db)
      if (options.seed !== false) await db.withSetupLock(() => seedDemoWorld(db, users))
    }
    await setTransport(db, shared.transport)
    const doctor = await runDoctor(db, log)
    const catalog = new Catalog(db)
    await catalog.reload()
    const sessions = new SessionIssuer(
      users,
      jwtSecret,
      options.jwtExpirySeconds ?? 3600,
      () => `${shared.url}/auth/v1`,
    )
    const onError = (context: string, error: unknown) =>
      log(`[realtime] ${context}: ${errorMessage(error)}`)
    const dispatcher = new ChangeDispatcher(db, catalog, onError)
    const capture = new ChangeCapture(
      db,
      (change) => dispatcher.enqueue(change),
      () => log('[realtime] ignored a malformed change notification'),
    )
    await db.withSetupLock(() => capture.start())
    const broadcasts = new BroadcastDispatcher(db, onError)
    const broadcastCapture = new BroadcastCapture(
      db,
      (notification) => broadcasts.enqueue(notification),
      () => log('[realtime] ignored a malformed broadcast notification'),
    )
    const capturing = await db.withSetupLock(() => broadcastCapture.start())
    if (!capturing) {
      log(
        '[realtime] realtime.messages is missing or cannot be captured: realtime.send() broadcasts do not reach clients (client broadcasts still do)',
      )
    }
    const context: RealtimeContext = {
      db,
      catalog,
      dispatcher,
      broadcasts,
      jwtSecret,
      log,
      ensureCaptured: (bindings) => ensureCaptured(bindings, capture, catalog, db),
      replicationDelayMs: options.replicationDelayMs ?? 0,
    }
    const realtime = new RealtimeServer(context, shared.limits)
    return {
      db,
      doctor,
      catalog,
      users,
      sessions,
      capture,
      dispatcher,
      broadcastCapture,
      broadcasts,
      realtime,
      jwtSecret,
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
      devTokens: options.devTokens !== false,
    }
  } catch (error) {
    await db.close().catch(() => {})
    throw error
  }
}

/**
 * The documented mode switch (`update public.realtime_sync_settings set transport = ...`), so
 * that the stack starts in the mode asked for whatever a kept data directory last held. A
 * database without the table has postgres_changes only.
 */
async function setTransport(db: Database, transport: Transport): Promise<void> {
  const found = await db.query<{ present: boolean }>(
    `select pg_catalog.to_regclass('public.realtime_sync_settings') is not null as present`,
  )
  if (found.rows[0]?.present !== true) {
    if (transport === 'broadcast') {
      throw new Error(
        'transport broadcast needs the table public.realtime_sync_settings (migration 20261202000000_realtime_broadcast.sql), which this database does not have',
      )
    }
    return
  }
  await db.query('update public.realtime_sync_settings set transport = $1::text', [transport])
}

/**
 * The database advisor, as the owner, once the schema, the seed and the transport are in place:
 * what the stack's banner reports. A database without the function gets no advice; a call that
 * fails is logged, never a failed start.
 */
async function runDoctor(db: Database, log: (line: string) => void): Promise<DoctorRow[]> {
  try {
    const present = await db.query<{ present: boolean }>(
      `select pg_catalog.to_regprocedure('public.realtime_sync_doctor()') is not null as present`,
    )
    if (present.rows[0]?.present !== true) return []
    const result = await db.query<DoctorRow>(
      'select "check", status, subject, detail, fix from public.realtime_sync_doctor()',
    )
    return result.rows
  } catch (error) {
    log(`[doctor] realtime_sync_doctor() failed: ${errorMessage(error)}`)
    return []
  }
}

/** A binding on a table published after start: give it a trigger before the join is answered. */
async function ensureCaptured(
  bindings: readonly Binding[],
  capture: ChangeCapture,
  catalog: Catalog,
  db: Database,
): Promise<void> {
  const missing = bindings.some(
    (binding) =>
      binding.schema === '*' ||
      binding.table === '*' ||
      !capture.isCaptured(binding.schema, binding.table),
  )
  if (!missing) return
  await db.withSetupLock(() => capture.syncTriggers())
  await catalog.reload()
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  ready: Promise<Services>,
  log: (line: string) => void,
): Promise<void> {
  try {
    const services = await ready
    const url = requestUrl(request)
    if (url === undefined) return sendJson(response, 400, { message: 'bad request' })
    if (request.method === 'OPTIONS') return send(response, 204, undefined, CORS_HEADERS)
    const path = url.pathname
    if (path === '/rest/v1' || path.startsWith('/rest/v1/')) {
      return await handleRest(request, response, path.slice('/rest/v1/'.length), url, services)
    }
    if (path.startsWith('/auth/v1/')) {
      return await handleAuth(request, response, path.slice('/auth/v1/'.length), url, services)
    }
    if (path === '/dev/v1/token' && services.devTokens) {
      return await handleDevToken(request, response, services)
    }
    if (path === '/' || path === '/health') {
      return sendJson(response, 200, { status: 'ok', database: services.db.kind })
    }
    sendJson(response, 404, { message: 'no Route matched with those values' })
  } catch (error) {
    log(`[http] ${request.method} ${request.url?.split('?')[0]}: ${errorMessage(error)}`)
    sendJson(response, 500, { message: 'internal error' })
  }
}

/**
 * The same line at most once per 10 s (with a count of the repeats): a failing policy or a lost
 * database must not flood the terminal with one line per change.
 */
function throttled(log: (line: string) => void): (line: string) => void {
  const last = new Map<string, { at: number; repeats: number }>()
  return (line) => {
    const now = Date.now()
    const seen = last.get(line)
    if (seen !== undefined && now - seen.at < 10_000) {
      seen.repeats++
      return
    }
    if (last.size > 1_000) last.clear()
    last.set(line, { at: now, repeats: 0 })
    log(seen !== undefined && seen.repeats > 0 ? `${line} (and ${seen.repeats} more times)` : line)
  }
}

function requestUrl(request: IncomingMessage): URL | undefined {
  try {
    return new URL(request.url ?? '/', 'http://localhost')
  } catch {
    return undefined
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening)
      if (error.code === 'EADDRINUSE') {
        reject(
          new Error(
            `port ${port} on ${host} is already in use: stop the other process or pass --port <n> (0 picks a free port)`,
            { cause: error },
          ),
        )
      } else {
        reject(error)
      }
    }
    const onListening = () => {
      server.off('error', onError)
      resolve((server.address() as AddressInfo).port)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, host)
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}
