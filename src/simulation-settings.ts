/**
 * The five settings a simulation varies, and the ones a recorded log ran with. Its own module so
 * the panel reads a log's settings without loading the simulation (a chunk it loads on demand).
 */
import { DEFAULT_BATCH_MODE, DEFAULT_DEDUP_BY, TUNABLE_OPTIONS } from './options'
import type { BatchMode, DedupBy, EngineConfig } from './types'

export interface SimulationSettings {
  dedupWindowMs: number
  echoWindowMs: number
  batchMs: number
  batchMode: BatchMode
  dedupBy: DedupBy
}

/** The settings a log ran with: its engine's config, else the engine's defaults. */
export function recordedSettings(config: Partial<EngineConfig> | undefined): SimulationSettings {
  return {
    dedupWindowMs: config?.dedupWindowMs ?? TUNABLE_OPTIONS.dedupWindowMs.default,
    echoWindowMs: config?.echoWindowMs ?? TUNABLE_OPTIONS.echoWindowMs.default,
    batchMs: config?.batchMs ?? TUNABLE_OPTIONS.batchMs.default,
    batchMode: config?.batchMode ?? DEFAULT_BATCH_MODE,
    dedupBy: config?.dedupBy ?? DEFAULT_DEDUP_BY,
  }
}
