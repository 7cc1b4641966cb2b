/**
 * One line for an app without our engine (or with several QueryClients): hand a TanStack
 * QueryClient to the Realtime DevTools panel, which then shows what the app did after each
 * realtime delivery (invalidations, refetches, their durations). Without the extension it costs
 * one array entry. The engine registers its own client.
 */
export const QUERY_CLIENTS_GLOBAL = '__REALTIME_SYNC_DEVTOOLS_QUERY_CLIENTS__'

/** Clients queued before the extension's bridge (if any) takes them: the newest few. */
const MAX_QUEUED = 20

export function registerQueryClient(queryClient: object, host: object = globalThis): void {
  const slot = host as Record<string, unknown>
  // The extension's bridge replaces the queue with an object whose push watches at once.
  const queue = (slot[QUERY_CLIENTS_GLOBAL] ??= []) as { push(client: object): unknown }
  if (!Array.isArray(queue)) {
    queue.push(queryClient)
    return
  }
  if (queue.includes(queryClient)) return
  queue.push(queryClient)
  // Without the extension nobody drains it: it must not keep every client ever made alive.
  if (queue.length > MAX_QUEUED) queue.splice(0, queue.length - MAX_QUEUED)
}
