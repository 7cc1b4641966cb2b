/**
 * Injected by the extension into every page, in the MAIN world, synchronously at
 * document_start (the .iife name makes crxjs emit a synchronous bundle): it must exist before
 * the page's own scripts so no engine registration is missed.
 */
import { systemScheduler } from '../src/scheduler'
import { SocketFaults } from './faults/socket-faults'
import { startPageBridge } from './page-bridge'
import { type CacheRecord, installQueryClientDiscovery, QueryCacheTap } from './query-cache-tap'
import { installSocketTap, TapRing } from './socket/socket-tap'
import { installWriteTap, WRITE_RING_SIZE, type WriteTapRecord } from './writes/write-tap'

const GUARD = '__REALTIME_SYNC_DEVTOOLS_BRIDGE__'
const host = window as unknown as Record<string, unknown>
if (!host[GUARD]) {
  Object.defineProperty(host, GUARD, { value: true })
  // Before the page's scripts: every supabase-js Realtime socket is made through the tap.
  const socketTap = new TapRing()
  // Faults act only once the panel (or a call on the registry) starts one (bridge/faults).
  const socketFaults = new SocketFaults(systemScheduler)
  installSocketTap(window, socketTap, undefined, socketFaults)
  const cacheTap = new TapRing<CacheRecord>()
  const queryCaches = new QueryCacheTap(cacheTap)
  installQueryClientDiscovery(host, queryCaches)
  // Before supabase-js resolves fetch: every PostgREST write of the page goes through the tap.
  const writeTap = new TapRing<WriteTapRecord>(WRITE_RING_SIZE)
  installWriteTap(window, writeTap)
  startPageBridge({
    window,
    host: window,
    scheduler: systemScheduler,
    socketTap,
    cacheTap,
    writeTap,
    queryClients: () => queryCaches.clients(),
    socketFaults,
  })
}
