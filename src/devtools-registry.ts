import type { EventLogSnapshot } from './event-log'
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
export const REGISTRY_VERSION = 1

/** What the bridge (and a developer at the console) can do with one engine. */
export interface DevtoolsEngine {
  readonly id: string
  readonly name: string
  readonly version: string
  getConfig(): EngineConfig
  /** Change a window or the buffer size live; throws RangeError/TypeError on a bad value. */
  setOption(name: string, value: unknown): EngineConfig
  readEvents(sinceSeq?: number): EventLogSnapshot
  readMetrics(): MinuteMetrics[]
  readChannels(): ChannelState[]
  /** Live events. Nothing is copied or posted while no one subscribes. */
  subscribe(listener: (event: SyncEvent) => void): () => void
  clear(): void
  /** console.table of the newest events, for debugging without the extension. */
  print(limit?: number): void
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
  const slot = host as Host
  const existing = slot[DEVTOOLS_GLOBAL] as Partial<DevtoolsRegistry> | undefined
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

export function registerEngine(engine: DevtoolsEngine, host: object = globalThis): () => void {
  const registry = getDevtoolsRegistry(host)
  if (registry === undefined) return () => {}
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
