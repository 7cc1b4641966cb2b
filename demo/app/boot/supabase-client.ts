import { createClient, type SupabaseClient } from '@supabase/supabase-js'
import type { DemoConfig } from '../../demo-config'
import type { Database } from '../data/database'
import { heartbeatMsFromUrl } from './url'

export type DemoSupabaseClient = SupabaseClient<Database>

/** Prefix of the per-user localStorage key where supabase-js keeps the session. */
const STORAGE_KEY_PREFIX = 'rsd-demo:'

const clients = new Map<string, DemoSupabaseClient>()

/**
 * One client per user email. supabase-js shares a session between tabs that use the same
 * storageKey (storage events and a BroadcastChannel named after it), so a key per user keeps
 * alice's window from picking up bob's session when both are open side by side.
 * Cached at module level: React StrictMode renders twice, and two clients on one storage key
 * would fight over the session.
 */
export function getSupabaseClient(config: DemoConfig, email: string): DemoSupabaseClient {
  const key = email.toLowerCase()
  let client = clients.get(key)
  if (client === undefined) {
    const heartbeatIntervalMs = heartbeatMsFromUrl()
    client = createClient<Database>(config.supabaseUrl, config.supabaseAnonKey, {
      auth: { storageKey: STORAGE_KEY_PREFIX + key, persistSession: true },
      ...(heartbeatIntervalMs === undefined ? {} : { realtime: { heartbeatIntervalMs } }),
    })
    clients.set(key, client)
  }
  return client
}
