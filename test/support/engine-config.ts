import type { EngineConfig } from '../../src/types'

/** The engine's defaults as the engine tests run it: fake time makes the windows exact. */
export function testConfig(config: Partial<EngineConfig> = {}): EngineConfig {
  return {
    dedupWindowMs: 2_000,
    echoWindowMs: 3_000,
    batchMs: 200,
    bufferSize: 10_000,
    dedupBy: 'event',
    batchMode: 'leading',
    ...config,
  }
}
