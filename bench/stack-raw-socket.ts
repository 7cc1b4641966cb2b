/**
 * The floor for the stack's throughput: the same change messages, built by the stack's own frame
 * encoder, pushed down a bare `ws` socket to the same supabase-js client, with no database, no
 * capture, no RLS. What the socket plus the client can carry on this machine, measured beside
 * the real pipeline.
 */
import type { AddressInfo } from 'node:net'
import { createClient, type SupabaseClient } from '@supabase/supabase-js'
import WebSocket, { WebSocketServer } from 'ws'
import { createApiKeys, DEV_JWT_SECRET } from '../server/auth/api-keys'
import { assignBindingIds } from '../server/realtime/postgres-changes'
import {
  decodeTextFrame,
  encodeFrameWithPayloadJson,
  PHOENIX_EVENTS,
  replyFrame,
} from '../wire/phoenix'

const COLUMNS = [
  { name: 'id', type: 'int8' },
  { name: 'organization_id', type: 'text' },
  { name: 'table_name', type: 'text' },
  { name: 'event_type', type: 'text' },
  { name: 'record_id', type: 'text' },
  { name: 'actor_id', type: 'uuid' },
  { name: 'created_at', type: 'timestamptz' },
]

/**
 * The postgres_changes frame of the `i`th INSERT into realtime_table_events for the bindings
 * `ids` of `topic`, as the stack's encoder writes it, committed at `committedAt`.
 */
export function changeFrame(topic: string, ids: string, i: number, committedAt: Date): string {
  const data = JSON.stringify({
    schema: 'public',
    table: 'realtime_table_events',
    commit_timestamp: committedAt.toISOString(),
    type: 'INSERT',
    columns: COLUMNS,
    errors: null,
    record: {
      id: i,
      organization_id: 'org_bench',
      table_name: 'deals',
      event_type: 'INSERT',
      record_id: String(i),
      actor_id: null,
      created_at: '2026-11-23T16:23:18.774+00:00',
    },
  })
  return encodeFrameWithPayloadJson(
    '2.0.0',
    null,
    null,
    topic,
    PHOENIX_EVENTS.postgresChanges,
    `{"ids":[${ids}],"data":${data}}`,
  )
}

/** Joins `client` to org_bench's channel; `delivered` runs for each INSERT it hands over. */
export function joinBenchChannel(client: SupabaseClient, delivered: () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    client
      .channel('org:org_bench')
      .on(
        'postgres_changes',
        {
          event: 'INSERT',
          schema: 'public',
          table: 'realtime_table_events',
          filter: 'organization_id=eq.org_bench',
        },
        delivered,
      )
      .subscribe((status) => {
        if (status === 'SUBSCRIBED') resolve()
        else reject(new Error(status))
      })
  })
}

/**
 * A bare Phoenix server's side of one client socket: heartbeats answered, a join answered with
 * the binding ids its postgres_changes asked for, then `joined(topic, ids)` (the ids joined by
 * commas, as a delivery's `ids` lists them).
 */
export function answerPhoenix(
  socket: WebSocket,
  joined: (topic: string, ids: string) => void,
): void {
  socket.on('message', (data) => {
    const decoded = decodeTextFrame('2.0.0', String(data))
    if (!decoded.ok) return
    const message = decoded.message
    if (message.event === PHOENIX_EVENTS.heartbeat) {
      socket.send(replyFrame('2.0.0', message, 'ok', {}))
    } else if (message.event === PHOENIX_EVENTS.join) {
      const config = message.payload.config as { postgres_changes: Record<string, unknown>[] }
      const bindings = assignBindingIds(config.postgres_changes)
      socket.send(
        replyFrame('2.0.0', message, 'ok', {
          postgres_changes: bindings.map((binding) => ({ ...binding.params, id: binding.id })),
        }),
      )
      joined(message.topic, bindings.map((binding) => binding.id).join(','))
    }
  })
}

/**
 * Events per second the client's callback received, for `count` messages sent back to back.
 * `transport`: the WebSocket class the client uses (default ws's; the socket-tap bench passes
 * the tapped one).
 */
export async function rawSocketEventsPerSecond(
  count: number,
  transport: typeof WebSocket = WebSocket,
): Promise<number> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  const port = (server.address() as AddressInfo).port
  let blast: (() => void) | undefined
  server.on('connection', (socket) => {
    answerPhoenix(socket, (topic, ids) => {
      blast = () => {
        for (let i = 1; i <= count; i++) socket.send(changeFrame(topic, ids, i, new Date()))
      }
    })
  })

  const { anonKey } = createApiKeys(DEV_JWT_SECRET)
  const client = createClient(`http://127.0.0.1:${port}`, anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: transport as never },
  })
  let received = 0
  let done!: () => void
  const finished = new Promise<void>((resolve) => {
    done = resolve
  })
  await joinBenchChannel(client, () => {
    received++
    if (received === count) done()
  })
  const start = performance.now()
  blast!()
  await finished
  const seconds = (performance.now() - start) / 1000
  await client.removeAllChannels()
  client.realtime.disconnect()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return count / seconds
}
