/**
 * supabase-js subscribers for bench/stack.bench.ts, in a worker thread: like browser tabs, the
 * clients parse and dispatch on their own core, not on the server's.
 *
 * Messages in:  subscribe {id, url, anonKey, token, orgId, timestamps, arrivals, transport}
 *               · until {id, count, request}
 *               heartbeats {id, count, request} · report {id, request} · close {request}
 * Messages out: subscribed {id} · event {id, key, at} (when `timestamps`) · reached {request}
 *               heartbeats {request, times} · closed {request}
 *               · report {request, keys, duplicates, arrivals ([key, at] when `arrivals`)}
 * `transport`: 'postgres_changes' (default) or 'broadcast' (the private topic org:<id>).
 */
import { parentPort } from 'node:worker_threads'
import { createClient, type SupabaseClient } from '@supabase/supabase-js'
import WebSocket from 'ws'

interface Subscriber {
  client: SupabaseClient
  keys: Set<string>
  duplicates: number
  timestamps: boolean
  /** First arrival time per key, kept in the worker and reported at the end (fan-out latency). */
  arrivals: Map<string, number> | undefined
  waiters: { count: number; request: number }[]
}

const subscribers = new Map<number, Subscriber>()
const port = parentPort!

/** Epoch milliseconds with sub-millisecond precision, comparable across threads. */
const now = () => performance.timeOrigin + performance.now()

port.on('message', (message: Record<string, unknown>) => {
  void handle(message).catch((error: unknown) => {
    port.postMessage({
      type: 'error',
      message: error instanceof Error ? error.message : String(error),
    })
  })
})

async function handle(message: Record<string, unknown>): Promise<void> {
  switch (message.cmd) {
    case 'subscribe': {
      const { id, url, anonKey, token, orgId, timestamps, arrivals, transport } = message as {
        id: number
        url: string
        anonKey: string
        token: string
        orgId: string
        timestamps: boolean
        arrivals?: boolean
        transport?: 'postgres_changes' | 'broadcast'
      }
      const client = createClient(url, anonKey, {
        auth: { persistSession: false, autoRefreshToken: false },
        realtime: { transport: WebSocket as never },
        accessToken: async () => token,
      })
      const subscriber: Subscriber = {
        client,
        keys: new Set(),
        duplicates: 0,
        timestamps,
        arrivals: arrivals === true ? new Map() : undefined,
        waiters: [],
      }
      subscribers.set(id, subscriber)
      await client.realtime.setAuth()
      await new Promise<void>((resolve, reject) => {
        const channel =
          transport === 'broadcast'
            ? client
                .channel(`org:${orgId}`, { config: { private: true } })
                .on('broadcast', { event: '*' }, (message) =>
                  received(id, subscriber, message.payload as Record<string, unknown>),
                )
            : client.channel(`org:${orgId}`).on(
                'postgres_changes',
                {
                  event: 'INSERT',
                  schema: 'public',
                  table: 'realtime_table_events',
                  filter: `organization_id=eq.${orgId}`,
                },
                (payload) => received(id, subscriber, payload.new as Record<string, unknown>),
              )
        channel.subscribe((status, error) => {
          if (status === 'SUBSCRIBED') resolve()
          else reject(new Error(`${status} ${error?.message ?? ''}`))
        })
      })
      port.postMessage({ type: 'subscribed', id })
      return
    }
    case 'until': {
      const { id, count, request } = message as { id: number; count: number; request: number }
      const subscriber = subscribers.get(id)!
      if (subscriber.keys.size >= count) port.postMessage({ type: 'reached', request })
      else subscriber.waiters.push({ count, request })
      return
    }
    case 'heartbeats': {
      const { id, count, request } = message as { id: number; count: number; request: number }
      const client = subscribers.get(id)!.client
      const times: number[] = []
      for (let i = 0; i < count; i++) {
        const start = performance.now()
        await new Promise<void>((resolve) => {
          client.realtime.onHeartbeat((status) => {
            if (status === 'ok') resolve()
          })
          void client.realtime.sendHeartbeat()
        })
        times.push(performance.now() - start)
      }
      port.postMessage({ type: 'heartbeats', request, times })
      return
    }
    case 'report': {
      const { id, request } = message as { id: number; request: number }
      const subscriber = subscribers.get(id)!
      port.postMessage({
        type: 'report',
        request,
        keys: [...subscriber.keys],
        duplicates: subscriber.duplicates,
        ...(subscriber.arrivals === undefined ? {} : { arrivals: [...subscriber.arrivals] }),
      })
      return
    }
    case 'close': {
      for (const { client } of subscribers.values()) {
        await client.removeAllChannels()
        client.realtime.disconnect()
      }
      subscribers.clear()
      port.postMessage({ type: 'closed', request: message.request })
      return
    }
  }
}

function received(id: number, subscriber: Subscriber, row: Record<string, unknown>): void {
  const key = `${String(row.organization_id)}/${String(row.record_id)}`
  if (subscriber.keys.has(key)) subscriber.duplicates++
  else subscriber.arrivals?.set(key, now())
  subscriber.keys.add(key)
  if (subscriber.timestamps) port.postMessage({ type: 'event', id, key, at: now() })
  if (subscriber.waiters.length === 0) return
  subscriber.waiters = subscriber.waiters.filter((waiter) => {
    if (subscriber.keys.size < waiter.count) return true
    port.postMessage({ type: 'reached', request: waiter.request })
    return false
  })
}
