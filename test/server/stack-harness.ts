import { randomUUID } from 'node:crypto'
import { createClient, type RealtimeChannel, type SupabaseClient } from '@supabase/supabase-js'
import WebSocket from 'ws'
import { preparedPgliteSnapshot } from '../../server/db/pglite-snapshot'
import { type Stack, type StackOptions, startStack } from '../../server/stack'

/**
 * Shared by the test/server files: one stack per file (PGlite by default, the server of
 * DATABASE_URL when it is set), real supabase-js clients over real sockets, and waits that
 * resolve on a condition or fail after a timeout, never a fixed sleep.
 */

export const STACK_START_TIMEOUT = 60_000

/**
 * `npm run stack` as node's arguments: `node --import tsx`, not the tsx binary, which runs the
 * script in a child of its own and relays signals to it (under load a SIGTERM could reach that
 * relay before it learned of the stack's own handler, ending with 143, not a clean stop).
 */
export const STACK_CLI = ['--import', 'tsx', 'server/main.ts'] as const

/** What the banner of `npm run stack` tells a client: its URL and keys. */
export function stackFromBanner(banner: string): {
  url: string
  anonKey: string
  serviceRoleKey: string
} {
  const field = (label: string) => {
    const found = new RegExp(`${label}\\s+(\\S+)`).exec(banner)?.[1]
    if (found === undefined) throw new Error(`the stack's banner has no ${label}:\n${banner}`)
    return found
  }
  return {
    url: field('API URL'),
    anonKey: field('anon key'),
    serviceRoleKey: field('service_role key'),
  }
}

/** PGlite from a cached prepared data directory, or DATABASE_URL's Postgres when set. */
export async function startTestStack(options: Partial<StackOptions> = {}): Promise<Stack> {
  const databaseUrl = process.env.DATABASE_URL
  if (databaseUrl !== undefined && databaseUrl !== '') {
    return startStack({ port: 0, databaseUrl, ...options })
  }
  return startStack({ port: 0, pgliteSnapshot: await preparedPgliteSnapshot(), ...options })
}

const socketsByClient = new WeakMap<SupabaseClient, WebSocket[]>()

export interface ClientOptions {
  /** A user's access token (accessToken option: supabase.auth is then disabled). */
  token?: string | (() => string)
  vsn?: '1.0.0' | '2.0.0'
  /** The `apikey` (default the anon key; the service_role key for supabase.auth.admin). */
  apiKey?: string
}

/** A supabase-js client for the stack: ws transport (Node 20), no persisted session. */
export function createTestClient(
  stack: Pick<Stack, 'url' | 'anonKey'>,
  options: ClientOptions = {},
): SupabaseClient {
  const token = options.token
  // The real ws WebSocket, remembered per client: tests inject raw frames and read raw replies.
  const sockets: WebSocket[] = []
  class TrackedWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args)
      sockets.push(this)
    }
  }
  const client = createClient(stack.url, options.apiKey ?? stack.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: {
      transport: TrackedWebSocket as never,
      ...(options.vsn === undefined ? {} : { vsn: options.vsn }),
    },
    ...(token === undefined
      ? {}
      : { accessToken: async () => (typeof token === 'function' ? token() : token) }),
  })
  socketsByClient.set(client, sockets)
  return client
}

/** Leaves every channel and closes the socket, so no supabase-js timer outlives the test. */
export async function closeClient(client: SupabaseClient): Promise<void> {
  await client.removeAllChannels()
  client.realtime.disconnect()
}

/** The client's current Realtime socket. */
export function socketOf(client: SupabaseClient): WebSocket {
  const socket = socketsByClient.get(client)?.at(-1)
  if (socket === undefined) throw new Error('this client has no socket yet')
  return socket
}

/** Resolves with `value` when `register`'s callback fires; rejects after `ms`. */
export function within<T>(
  ms: number,
  what: string,
  start: (resolve: (value: T) => void, reject: (error: Error) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)),
      ms,
    )
    start(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

/**
 * Subscribes and resolves on SUBSCRIBED; rejects on CHANNEL_ERROR / TIMED_OUT / CLOSED.
 * `onStatus` sees every later status too (reconnects, server closes).
 */
export function subscribe(
  channel: RealtimeChannel,
  onStatus: (status: string, error?: Error) => void = () => {},
): Promise<void> {
  return within(15_000, `${channel.topic} to be SUBSCRIBED`, (resolve, reject) => {
    let settled = false
    channel.subscribe((status, error) => {
      onStatus(status, error)
      if (settled) return
      if (status === 'SUBSCRIBED') {
        settled = true
        resolve(undefined)
      } else {
        settled = true
        reject(new Error(`${channel.topic}: ${status} ${error?.message ?? ''}`))
      }
    })
  })
}

/** Collects what a callback receives and waits for what the test expects. */
export class Collector<T> {
  readonly items: T[] = []
  private waiters: { predicate: (items: T[]) => boolean; resolve: () => void }[] = []

  readonly push = (item: T): void => {
    this.items.push(item)
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.predicate(this.items)) return true
      waiter.resolve()
      return false
    })
  }

  /** Resolves when `predicate(items)` holds; fails after `ms`. */
  until(predicate: (items: T[]) => boolean, what: string, ms = 10_000): Promise<T[]> {
    if (predicate(this.items)) return Promise.resolve(this.items)
    return within(ms, what, (resolve) => {
      this.waiters.push({ predicate, resolve: () => resolve(this.items) })
    })
  }

  untilSome(match: (item: T) => boolean, what: string, ms = 10_000): Promise<T> {
    return this.until((items) => items.some(match), what, ms).then((items) => items.find(match)!)
  }
}

/** What a postgres_changes callback receives, with `new` / `old` readable as plain records. */
export interface ChangePayload {
  schema: string
  table: string
  commit_timestamp: string
  eventType: 'INSERT' | 'UPDATE' | 'DELETE'
  new: Record<string, unknown>
  old: Record<string, unknown>
  errors: unknown
}

/**
 * Every frame sent to a socket before this call has reached the client once this resolves:
 * a heartbeat's reply travels behind them on the same connection. Proves "nothing arrived".
 */
export function drainSocket(client: SupabaseClient): Promise<void> {
  return within(10_000, 'a heartbeat reply', (resolve) => {
    client.realtime.onHeartbeat((status) => {
      if (status === 'ok') resolve(undefined)
    })
    void client.realtime.sendHeartbeat()
  })
}

// ---------------------------------------------------------------------------------------
// A private corner of the database per test file, so files can share one Postgres server
// ---------------------------------------------------------------------------------------

export interface TestWorld {
  orgs: string[]
  /** user id by name, each a member of the orgs given. */
  users: Record<string, { id: string; email: string; token: string }>
}

/** Creates organizations and users (members of the given orgs) with fresh ids. */
export async function createWorld(
  stack: Stack,
  orgNames: string[],
  members: Record<string, string[]>,
): Promise<TestWorld & { org: (name: string) => string }> {
  const suffix = randomUUID().slice(0, 8)
  const orgId = (name: string) => `org_${name}_${suffix}`
  for (const name of orgNames) {
    await stack.database.query(
      'insert into public.organizations (id, name) values ($1::text, $2::text)',
      [orgId(name), `${name} ${suffix}`],
    )
  }
  const users: TestWorld['users'] = {}
  for (const [userName, orgs] of Object.entries(members)) {
    const id = randomUUID()
    const email = `${userName}-${suffix}@test.test`
    await stack.database.query(
      `insert into auth.users (id, email, encrypted_password) values ($1::text::uuid, $2::text, 'none')`,
      [id, email],
    )
    for (const org of orgs) {
      await stack.database.query(
        `insert into public.organization_members (organization_id, user_id)
         values ($1::text, $2::text::uuid)`,
        [orgId(org), id],
      )
    }
    users[userName] = { id, email, token: await stack.tokenFor(id) }
  }
  return { orgs: orgNames.map(orgId), users, org: orgId }
}

/** Inserts a deal as the owner (no actor) and returns its id. */
export async function insertDeal(
  stack: Stack,
  orgId: string,
  fields: { title?: string; stage?: string; value?: number } = {},
): Promise<string> {
  const result = await stack.database.query<{ id: string }>(
    `insert into public.deals (organization_id, title, stage, value)
     values ($1::text, $2::text, $3::text, $4::text::numeric) returning id::text`,
    [
      orgId,
      fields.title ?? 'a deal',
      fields.stage ?? 'lead',
      fields.value === undefined ? null : String(fields.value),
    ],
  )
  return result.rows[0]!.id
}

/** Highest realtime_table_events id so far. */
export async function lastEventId(stack: Stack): Promise<number> {
  const result = await stack.database.query<{ id: number }>(
    'select coalesce(max(id), 0)::int as id from public.realtime_table_events',
  )
  return result.rows[0]!.id
}
