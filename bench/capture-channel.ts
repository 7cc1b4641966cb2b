import type { SupabaseRealtimeLike } from '../src/supabase-realtime'

/**
 * Just enough of supabase-js for the engine to hand over its postgres_changes callback, so a
 * benchmark can feed payloads through the whole engine path without a socket. Every channel
 * reports SUBSCRIBED once, as the real client does after a join.
 */
export function captureChannel() {
  let deliver: (payload: object) => void = () => {
    throw new Error('engine did not subscribe')
  }
  const supabase: SupabaseRealtimeLike = {
    realtime: { setAuth: async () => {} },
    removeChannel: async () => 'ok',
    channel: (name) => {
      const channel = {
        topic: `realtime:${name}`,
        on: (_type: string, _filter: unknown, callback: (payload: object) => void) => {
          deliver = callback
          return channel
        },
        subscribe: (status?: (status: string) => void) => {
          queueMicrotask(() => status?.('SUBSCRIBED'))
          return channel
        },
      }
      return channel
    },
  }
  return { supabase, deliver: (payload: object) => deliver(payload) }
}
