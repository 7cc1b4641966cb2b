import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js'
import { expect } from 'vitest'
import type { Stack } from '../../server/stack'
import type { Transport } from '../../src/types'
import {
  Collector,
  createTestClient,
  createWorld,
  type ClientOptions,
  subscribe,
  type TestWorld,
} from './stack-harness'

/**
 * Shared by broadcast.test.ts (PGlite) and broadcast-postgres.test.ts (a real Postgres server):
 * Broadcast through the real supabase-js client, and the fan-out isolation check.
 */

/** What an `.on('broadcast', ...)` callback receives. */
export interface BroadcastMessage {
  event: string
  type: 'broadcast'
  payload: Record<string, unknown>
  meta?: { id?: string; [key: string]: unknown }
}

/** A private `org:<id>` channel listening to every broadcast event, SUBSCRIBED. */
export async function joinPrivate(
  client: SupabaseClient,
  topic: string,
  received: Collector<BroadcastMessage>,
  onStatus?: (status: string, error?: Error) => void,
): Promise<RealtimeChannel> {
  await client.realtime.setAuth()
  const channel = client
    .channel(topic, { config: { private: true } })
    .on('broadcast', { event: '*' }, (message) => received.push(message as BroadcastMessage))
  await subscribe(channel, onStatus)
  return channel
}

/**
 * The engine's postgres_changes subscription for `orgId`, its rows collected in the shape of a
 * broadcast (the row as `payload`), so one fan-out check serves both transports.
 */
async function joinPostgresChanges(
  client: SupabaseClient,
  orgId: string,
  received: Collector<BroadcastMessage>,
): Promise<RealtimeChannel> {
  await client.realtime.setAuth()
  const channel = client.channel(`org:${orgId}`).on(
    'postgres_changes',
    {
      event: 'INSERT',
      schema: 'public',
      table: 'realtime_table_events',
      filter: `organization_id=eq.${orgId}`,
    },
    (change) =>
      received.push({
        event: 'INSERT',
        type: 'broadcast',
        payload: change.new as Record<string, unknown>,
      }),
  )
  await subscribe(channel)
  return channel
}

/** realtime.send as the owner (what a trigger or a SECURITY DEFINER function does). */
export async function send(
  stack: Stack,
  topic: string,
  event: string,
  payload: Record<string, unknown>,
  isPrivate = true,
): Promise<void> {
  await stack.database.query(
    'select realtime.send($1::text::jsonb, $2::text, $3::text, $4::boolean)',
    [JSON.stringify(payload), event, topic, isPrivate],
  )
}

export interface FanOutResult {
  /** Deliveries whose event row belongs to another organization than the channel's. */
  crossOrganization: number
  /** Per member channel: event ids expected (its organization's) and received. */
  channels: { org: string; expected: number[]; received: number[] }[]
}

/**
 * `writes` tracked-table writes (deals) across `orgCount` organizations, `concurrency`
 * transactions at a time, with one member per organization and one member of the first two on
 * each protocol version, listening the way the engine does in `transport` (the database in
 * that mode): a private `org:<id>` broadcast channel, or postgres_changes on
 * realtime_table_events filtered by organization. Every channel must receive exactly its
 * organizations' events, each the realtime_table_events row.
 */
export async function fanOut(
  stack: Stack,
  options: {
    transport: Transport
    writes: number
    orgCount: number
    rowsPerTransaction: number
    concurrency: number
    /**
     * Switch to broadcast in each write transaction: on a server shared with other test files
     * (DATABASE_URL) another stack's start may switch the mode back meanwhile. It serializes
     * the writers on the settings row, so a server of the file's own does without.
     */
    reassertMode: boolean
  },
  clients: SupabaseClient[],
): Promise<FanOutResult> {
  const orgNames = Array.from({ length: options.orgCount }, (_, i) => `fan${i}`)
  const members: Record<string, string[]> = {}
  orgNames.forEach((name, i) => {
    members[`solo${i}`] = [name]
  })
  members.both = [orgNames[0]!, orgNames[1]!]
  const world: TestWorld & { org: (name: string) => string } = await createWorld(
    stack,
    orgNames,
    members,
  )

  const listeners: { org: string; received: Collector<BroadcastMessage> }[] = []
  for (const [member, orgs] of Object.entries(members)) {
    for (const vsn of ['1.0.0', '2.0.0'] as const) {
      const clientOptions: ClientOptions = { token: world.users[member]!.token, vsn }
      const client = createTestClient(stack, clientOptions)
      clients.push(client)
      for (const name of orgs) {
        const received = new Collector<BroadcastMessage>()
        if (options.transport === 'broadcast') {
          await joinPrivate(client, `org:${world.org(name)}`, received)
        } else {
          await joinPostgresChanges(client, world.org(name), received)
        }
        listeners.push({ org: world.org(name), received })
      }
    }
  }

  const before = await stack.database.query<{ id: number }>(
    'select coalesce(max(id), 0)::int as id from public.realtime_table_events',
  )
  const firstId = before.rows[0]!.id
  const transactions = Math.ceil(options.writes / options.rowsPerTransaction)
  let next = 0
  const writer = async () => {
    while (next < transactions) {
      const index = next++
      const rows = Math.min(
        options.rowsPerTransaction,
        options.writes - index * options.rowsPerTransaction,
      )
      await stack.database.transaction(async (tx) => {
        if (options.reassertMode) {
          await tx.query('update public.realtime_sync_settings set transport = $1::text', [
            options.transport,
          ])
        }
        await tx.query(
          `insert into public.deals (organization_id, title, stage)
           select ($1::text[])[1 + (g + $2::int) % array_length($1::text[], 1)], 'fan ' || g, 'lead'
           from generate_series(1, $3::int) as g`,
          [world.orgs, index, rows],
        )
      })
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, writer))

  const events = await stack.database.query<{ id: number; organization_id: string }>(
    `select id::int, organization_id from public.realtime_table_events
     where id > $1::int and organization_id = any($2::text[]) order by id`,
    [firstId, world.orgs],
  )
  const expectedByOrg = new Map<string, number[]>()
  for (const row of events.rows) {
    const list = expectedByOrg.get(row.organization_id) ?? []
    list.push(row.id)
    expectedByOrg.set(row.organization_id, list)
  }
  for (const listener of listeners) {
    const expected = expectedByOrg.get(listener.org)?.length ?? 0
    await listener.received.until(
      (items) => items.length >= expected,
      `${expected} events on org:${listener.org}`,
      30_000,
    )
  }
  await stack.realtime.idle()

  let crossOrganization = 0
  const channels = listeners.map(({ org, received }) => {
    for (const message of received.items) {
      if (message.payload.organization_id !== org) crossOrganization++
    }
    return {
      org,
      expected: expectedByOrg.get(org) ?? [],
      received: received.items.map((message) => Number(message.payload.id)).sort((a, b) => a - b),
    }
  })
  return { crossOrganization, channels }
}

/**
 * What a fan-out must show: no delivery outside its organization, and every member channel
 * exactly its organization's events (`total`: their sum over the channels, when given).
 */
export function expectIsolated(result: FanOutResult, total?: number): void {
  expect(result.crossOrganization).toBe(0)
  for (const channel of result.channels) {
    expect(channel.expected.length).toBeGreaterThan(0)
    expect(channel.received).toEqual(channel.expected)
  }
  if (total !== undefined) {
    expect(result.channels.reduce((sum, c) => sum + c.expected.length, 0)).toBe(total)
  }
}
