import type { DatabaseClockState } from './database-clock'
import type { EventLogSnapshot } from './event-log'
import type { QuerySummary } from './query-summaries'
import type { ChannelState, EngineConfig, MinuteMetrics, SyncEvent } from './types'

/**
 * The page-global hook through which the DevTools bridge finds engines, as React and Apollo do:
 * whichever side loads first creates the registry (queue-before-hook), so load order never
 * matters, and several engines on one page are listed by name.
 *
 * The registry holds data only (no functions): the engine and the bridge are separate bundles,
 * each with its own copy of the helpers below, agreeing on this shape and its version.
 */
export const DEVTOOLS_GLOBAL = '__REALTIME_SYNC_DEVTOOLS__'
/** 2: one engine facade (getChannels / getMetrics, subscribe for state, subscribeEvents). */
export const REGISTRY_VERSION = 2

/**
 * What changed in an engine besides its log (which subscribeEvents streams). 'metrics': a minute
 * ended, and its MinuteMetrics come with the change (engines of 0.2.0 never send it).
 */
export type EngineChange = 'config' | 'channels' | 'cleared' | 'metrics'

/** A subscriber of the engine: `minute`, the minute that ended, comes with 'metrics' only. */
export type EngineChangeListener = (change: EngineChange, minute?: MinuteMetrics) => void

/**
 * What the bridge (and a developer at the console) can do with one engine: the engine's own
 * facade (RealtimeSync) is registered as is.
 */
export interface DevtoolsEngine {
  readonly id: string
  readonly name: string
  readonly version: string
  getConfig(): EngineConfig
  /** Change a window or the buffer size live; throws RangeError/TypeError on a bad value. */
  setOption(name: string, value: unknown): EngineConfig
  /** The log's events after `sinceSeq`, with its dropped count and last seq. */
  readEvents(sinceSeq?: number): EventLogSnapshot
  getMetrics(): MinuteMetrics[]
  /** The same array until a channel changes (useSyncExternalStore-friendly). */
  getChannels(): readonly ChannelState[]
  /**
   * The page's clock against the database's; undefined until a database time was seen. Engines
   * of 0.2.0 lack it.
   */
  getDatabaseClock?(): DatabaseClockState | undefined
  /**
   * Config, channels, a clear, or a minute's metrics when it ended: for status UIs, metric sinks
   * and the bridge, instead of polling.
   */
  subscribe(listener: EngineChangeListener): () => void
  /** Live events. Nothing is copied or posted while no one subscribes. */
  subscribeEvents(listener: (event: SyncEvent) => void): () => void
  /**
   * Told the new last seq at each append, with nothing completed or copied: a reader that
   * batches (the bridge) reads what it was told about with readEvents, once per batch. Engines
   * of 0.2.0 lack it (the bridge then listens with subscribeEvents).
   */
  subscribeAppends?(listener: (lastSeq: number) => void): () => void
  /** Every query of the engine's QueryClient, with how realtime reaches it (0.2.0 lacks it). */
  getQueries?(): QuerySummary[]
  /** Told when the QueryCache changed (fetches, observers, additions): coalesce. */
  subscribeQueries?(listener: () => void): () => void
  clear(): void
  /**
   * console.table of the newest events, for debugging without the extension. `describe` words
   * each event (describeEvent from 'realtime-sync-devtools/describe'); without it, the facts.
   */
  print(limit?: number, describe?: (event: SyncEvent) => string): void
}

export type RegistryChange = { type: 'register' | 'unregister'; engine: DevtoolsEngine }

export interface DevtoolsRegistry {
  readonly version: typeof REGISTRY_VERSION
  readonly engines: Map<string, DevtoolsEngine>
  readonly listeners: Set<(change: RegistryChange) => void>
}

type Host = Record<string, unknown>

/** The page's registry, created if absent; undefined if another incompatible version owns it. */
export function getDevtoolsRegistry(host: object = globalThis): DevtoolsRegistry | undefined {
  const existing = (host as Host)[DEVTOOLS_GLOBAL] as Partial<DevtoolsRegistry> | undefined
  if (existing === undefined) {
    const registry: DevtoolsRegistry = {
      version: REGISTRY_VERSION,
      engines: new Map(),
      listeners: new Set(),
    }
    Object.defineProperty(host, DEVTOOLS_GLOBAL, { value: registry, configurable: true })
    return registry
  }
  if (
    existing.version === REGISTRY_VERSION &&
    existing.engines instanceof Map &&
    existing.listeners instanceof Set
  ) {
    return existing as DevtoolsRegistry
  }
  return undefined
}

/**
 * The version of a registry this code cannot use ('unknown' when it has none), or undefined
 * when the page has ours or none yet. Said to the user: an engine missing from the panel
 * because of it must not be a mystery.
 */
export function incompatibleRegistryVersion(host: object = globalThis): string | undefined {
  const existing = (host as Host)[DEVTOOLS_GLOBAL] as Partial<DevtoolsRegistry> | undefined
  if (existing === undefined || getDevtoolsRegistry(host) !== undefined) return undefined
  const version = (existing as { version?: unknown } | null)?.version
  return typeof version === 'number' || typeof version === 'string'
    ? String(version).slice(0, 50)
    : 'unknown'
}

export function registerEngine(engine: DevtoolsEngine, host: object = globalThis): () => void {
  const registry = getDevtoolsRegistry(host)
  if (registry === undefined) {
    console.warn(
      `[realtime-sync-devtools] engine "${engine.name}" is not visible to the Realtime DevTools panel: ` +
        `the page's ${DEVTOOLS_GLOBAL} is registry version ${incompatibleRegistryVersion(host) ?? 'unknown'}, ` +
        `this engine uses version ${REGISTRY_VERSION}. Use one version of realtime-sync-devtools per page.`,
    )
    return () => {}
  }
  registry.engines.set(engine.id, engine)
  notify(registry, { type: 'register', engine })
  return () => {
    if (registry.engines.get(engine.id) !== engine) return
    registry.engines.delete(engine.id)
    notify(registry, { type: 'unregister', engine })
  }
}

/** Calls `listener` for each engine already registered, then for every later change. */
export function watchEngines(
  listener: (change: RegistryChange) => void,
  host: object = globalThis,
): () => void {
  const registry = getDevtoolsRegistry(host)
  if (registry === undefined) return () => {}
  for (const engine of registry.engines.values()) listener({ type: 'register', engine })
  registry.listeners.add(listener)
  return () => {
    registry.listeners.delete(listener)
  }
}

function notify(registry: DevtoolsRegistry, change: RegistryChange): void {
  for (const listener of registry.listeners) {
    try {
      listener(change)
    } catch {
      // A broken listener (an old bridge) must not stop the engine or the other listeners.
    }
  }
}

let engineCount = 0

/** A page-unique id: names may repeat (two engines called 'app'), ids never do. */
export function nextEngineId(name: string): string {
  engineCount++
  return `${name}#${engineCount}`
}
