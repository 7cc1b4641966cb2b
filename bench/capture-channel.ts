import type { SupabaseRealtimeLike } from '../src/supabase-realtime'

type Callback = (payload: object) => void

/**
 * Just enough of supabase-js for the engine to hand over its postgres_changes callback, so a
 * benchmark can feed payloads through the whole engine path without a socket. Every channel
 * reports SUBSCRIBED once, then "Subscribed to PostgreSQL" on its system binding, as the real
 * client and server do after a join: without it the engine would wait for replication and, once
 * the wait ran out, resync in the middle of a measurement.
 */
export function captureChannel() {
  // Keyed by binding type: the engine also binds 'system' (and 'broadcast' in that transport),
  // and a payload handed to any callback but postgres_changes' is silently ignored.
  let bindings = new Map<string, Callback>()
  const supabase: SupabaseRealtimeLike = {
    realtime: { setAuth: async () => {} },
    removeChannel: async () => 'ok',
    channel: (name) => {
      const own = new Map<string, Callback>()
      bindings = own
      const channel = {
        topic: `realtime:${name}`,
        on: (type: string, _filter: unknown, callback: Callback) => {
          own.set(type, callback)
          return channel
        },
        subscribe: (status?: (status: string) => void) => {
          queueMicrotask(() => {
            status?.('SUBSCRIBED')
            own.get('system')?.({
              extension: 'postgres_changes',
              status: 'ok',
              message: 'Subscribed to PostgreSQL',
            })
          })
          return channel
        },
      }
      return channel
    },
  }
  return {
    supabase,
    deliver: (payload: object) => {
      const callback = bindings.get('postgres_changes')
      if (callback === undefined) throw new Error('the engine has no postgres_changes binding')
      callback(payload)
    },
  }
}
