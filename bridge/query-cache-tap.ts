import { QUERY_CLIENTS_GLOBAL } from '../src/register-query-client'
import { type DataChanges, diffData } from '../src/data-diff'
import { type ActionableClient, isActionableClient } from './query-actions'
import type { TapRing } from './socket/socket-tap'

/**
 * The page's TanStack Query clients, observed through their QueryCache events, with or without
 * our engine: the client the page exposes as `window.__TANSTACK_QUERY_CLIENT__` (the TanStack
 * Query devtools' convention), the ones handed over with `registerQueryClient()` (and our
 * engine's own). Each invalidation, fetch start, fetch end (its duration, whether the data
 * changed) and query added or removed goes into a bounded ring, raw, so the Socket tab can say
 * what the app did after a delivery. With no panel, that ring write is the whole cost.
 */
export type CacheEventKind =
  'invalidated' | 'fetching' | 'fetched' | 'failed' | 'set' | 'added' | 'removed'

export interface CacheRecord {
  kind: 'query'
  at: number
  client: number
  event: CacheEventKind
  queryHash: string
  /** The query's key, by reference: copied and bounded only when a panel reads it. */
  queryKey: unknown
  durationMs?: number
  dataChanged?: boolean
  /** What a fetch changed, computed only while a panel watches (the engine's diffs: 'devtools'). */
  changes?: DataChanges
  error?: unknown
}

/** The slice of a QueryClient the tap uses (TanStack Query 4 and 5). */
export interface QueryClientLike {
  getQueryCache(): { subscribe(listener: (event: CacheEventLike) => void): () => void }
}

interface CacheEventLike {
  type: string
  query: { queryHash: string; queryKey: unknown; state: { data: unknown; error?: unknown } }
  action?: { type?: string; manual?: boolean }
}

export const TANSTACK_CLIENT_GLOBAL = '__TANSTACK_QUERY_CLIENT__'

export class QueryCacheTap {
  private readonly watched = new WeakSet<object>()
  /** The clients found, in order, for the panel's actions on queries (query-actions.ts). */
  private readonly found: ActionableClient[] = []
  private nextClient = 1
  /** The data and start of each running fetch, to tell its duration and whether data changed. */
  private readonly fetches = new WeakMap<object, { at: number; data: unknown }>()

  constructor(
    readonly ring: TapRing<CacheRecord>,
    private readonly now: () => number = () => performance.now() + performance.timeOrigin,
  ) {}

  /** Starts observing a client (once per client, whatever hands it over). */
  watch(candidate: unknown): void {
    if (!isQueryClient(candidate) || this.watched.has(candidate)) return
    this.watched.add(candidate)
    if (isActionableClient(candidate)) this.found.push(candidate)
    const client = this.nextClient++
    candidate.getQueryCache().subscribe((event) => {
      // Inside the app's own cache notification: whatever the event, never throw into it.
      try {
        this.record(client, event)
      } catch {
        // An event without the shape of TanStack's: nothing to record.
      }
    })
  }

  /** The page's clients the panel may act on. */
  clients(): readonly ActionableClient[] {
    return this.found
  }

  private record(client: number, event: CacheEventLike): void {
    const kind = kindOf(event)
    if (kind === undefined) return
    const { query } = event
    const at = this.now()
    const extra: Partial<CacheRecord> = {}
    if (kind === 'fetching') this.fetches.set(query, { at, data: query.state.data })
    else if (kind === 'fetched' || kind === 'failed') {
      const started = this.fetches.get(query)
      this.fetches.delete(query)
      if (started !== undefined) {
        extra.durationMs = at - started.at
        // Structural sharing keeps the reference when the new data deep-equals the old.
        if (kind === 'fetched') extra.dataChanged = query.state.data !== started.data
        // Only for a panel that listens: with DevTools closed, no diff is computed.
        if (extra.dataChanged && this.ring.listener !== undefined) {
          extra.changes = diffData(started.data, query.state.data)
        }
      }
      if (kind === 'failed') extra.error = query.state.error
    }
    this.ring.push({
      kind: 'query',
      at,
      client,
      event: kind,
      queryHash: query.queryHash,
      queryKey: query.queryKey,
      ...extra,
    })
  }
}

const ACTIONS: Readonly<Record<string, CacheEventKind>> = {
  invalidate: 'invalidated',
  fetch: 'fetching',
  success: 'fetched',
  error: 'failed',
}

/** The cache events worth a record; every other one (observers, options) costs one lookup. */
function kindOf(event: CacheEventLike): CacheEventKind | undefined {
  if (event.type === 'added') return 'added'
  if (event.type === 'removed') return 'removed'
  if (event.type !== 'updated') return undefined
  const action = event.action?.type
  // setQueryData: the app wrote the data itself (a hook may apply a delivery that way).
  if (action === 'success' && event.action?.manual === true) return 'set'
  return action !== undefined && Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined
}

function isQueryClient(value: unknown): value is QueryClientLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as QueryClientLike).getQueryCache === 'function'
  )
}

/**
 * Finds the page's clients, before or after the page sets them: the TanStack global (kept a
 * plain value for the page; the tap only watches what is assigned), and our queue, which a
 * registerQueryClient() that ran first filled and every later one pushes into.
 */
export function installQueryClientDiscovery(
  host: Record<string, unknown>,
  tap: QueryCacheTap,
): void {
  let current = host[TANSTACK_CLIENT_GLOBAL]
  tap.watch(current)
  const descriptor = Object.getOwnPropertyDescriptor(host, TANSTACK_CLIENT_GLOBAL)
  if (descriptor === undefined || descriptor.configurable === true) {
    Object.defineProperty(host, TANSTACK_CLIENT_GLOBAL, {
      configurable: true,
      enumerable: true,
      get: () => current,
      set: (value: unknown) => {
        current = value
        tap.watch(value)
      },
    })
  }
  const queued = host[QUERY_CLIENTS_GLOBAL]
  if (Array.isArray(queued)) for (const client of queued) tap.watch(client)
  host[QUERY_CLIENTS_GLOBAL] = { push: (client: unknown) => tap.watch(client) }
}
