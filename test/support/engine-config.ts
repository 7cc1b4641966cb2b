import type { EngineConfig } from '../../src/types'

/** The engine's defaults as the engine tests run it: fake time makes the windows exact. */
export function testConfig(config: Partial<EngineConfig> = {}): EngineConfig {
  return {
    dedupWindowMs: 2_000,
    echoWindowMs: 3_000,
    batchMs: 200,
    bufferSize: 10_000,
    // Off, so a rule's test sees no unconfirmed write; test/engine/write-confirmations.test.ts
    // turns it on.
    writeConfirmMs: 0,
    dedupBy: 'event',
    batchMode: 'leading',
    ...config,
  }
}
