import { createClient, type SupabaseClient } from '@supabase/supabase-js'
import WebSocket from 'ws'

/**
 * The simulated users of the load generator: `count` users of one organization, each with a deal
 * of their own to update (500 concurrent users, each updating different records).
 * Fixed ids and emails per index, so a second run reuses them instead of adding more.
 */

export interface LoadUser {
  index: number
  id: string
  email: string
  dealId: string
  /** A user access token: the writes go through REST as this user (RLS and actor_id apply). */
  token: string
}

export interface LoadWorldOptions {
  /** The stack's URL, e.g. http://127.0.0.1:54321. */
  url: string
  serviceRoleKey: string
  users: number
  organizationId: string
  /** Token lifetime; at least the run's duration. */
  tokenSeconds?: number
}

export const MAX_LOAD_USERS = 10_000

const pad = (n: number) => String(n).padStart(12, '0')
export const loadUserId = (index: number) => `10ad5e70-0000-4000-8000-${pad(index)}`
export const loadDealId = (index: number) => `10add3a1-0000-4000-8000-${pad(index)}`
const loadEmail = (index: number) => `load-${String(index).padStart(4, '0')}@load.test`

/** A service_role client (Node 20 has no global WebSocket, so realtime gets ws). */
export function adminClient(url: string, serviceRoleKey: string): SupabaseClient {
  return createClient(url, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never },
  })
}

/**
 * Creates (or finds) the users, their memberships, profiles and deals, and a token for each.
 * Local stack only: the tokens come from its dev token endpoint.
 */
export async function prepareLoadWorld(options: LoadWorldOptions): Promise<LoadUser[]> {
  const { url, serviceRoleKey, users: count, organizationId } = options
  if (!Number.isInteger(count) || count < 1 || count > MAX_LOAD_USERS) {
    throw new Error(`users must be an integer from 1 to ${MAX_LOAD_USERS} (got ${count})`)
  }
  const admin = adminClient(url, serviceRoleKey)
  const indexes = Array.from({ length: count }, (_, i) => i + 1)

  const organization = await admin.from('organizations').select('id').eq('id', organizationId)
  if (organization.error) throw new Error(`reading organizations: ${organization.error.message}`)
  if (organization.data.length === 0) throw new Error(`no organization ${organizationId}`)

  await inBatches(indexes, 32, async (index) => {
    const created = await admin.auth.admin.createUser({
      id: loadUserId(index),
      email: loadEmail(index),
      user_metadata: { name: `Load user ${index}` },
    })
    if (created.error && created.error.code !== 'email_exists') {
      throw new Error(`creating ${loadEmail(index)}: ${created.error.message}`)
    }
  })
  const upsert = async (table: string, rows: Record<string, unknown>[]) => {
    const result = await admin.from(table).upsert(rows, { ignoreDuplicates: true })
    if (result.error) throw new Error(`writing ${table}: ${result.error.message}`)
  }
  await upsert(
    'organization_members',
    indexes.map((i) => ({
      organization_id: organizationId,
      user_id: loadUserId(i),
      role: 'member',
    })),
  )
  await upsert(
    'profiles',
    indexes.map((i) => ({
      id: loadUserId(i),
      email: loadEmail(i),
      display_name: `Load user ${i}`,
    })),
  )
  await upsert(
    'deals',
    indexes.map((i) => ({
      id: loadDealId(i),
      organization_id: organizationId,
      title: `Load deal #${i}`,
      stage: 'lead',
      value: 0,
    })),
  )

  const tokens = new Map<number, string>()
  await inBatches(indexes, 32, async (index) => {
    tokens.set(index, await devToken(options, loadUserId(index)))
  })
  await admin.removeAllChannels()
  return indexes.map((index) => ({
    index,
    id: loadUserId(index),
    email: loadEmail(index),
    dealId: loadDealId(index),
    token: tokens.get(index)!,
  }))
}

async function devToken(options: LoadWorldOptions, userId: string): Promise<string> {
  const response = await fetch(`${options.url}/dev/v1/token`, {
    method: 'POST',
    headers: { apikey: options.serviceRoleKey, 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: userId, expires_in: options.tokenSeconds ?? 24 * 3600 }),
  })
  if (!response.ok) {
    throw new Error(
      `POST /dev/v1/token answered ${response.status}: the load generator needs the local stack (npm run stack or npm run demo)`,
    )
  }
  return ((await response.json()) as { access_token: string }).access_token
}

async function inBatches<T>(items: T[], size: number, each: (item: T) => Promise<void>) {
  for (let start = 0; start < items.length; start += size) {
    await Promise.all(items.slice(start, start + size).map(each))
  }
}
