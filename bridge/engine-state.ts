import type { ChannelState, EngineConfig, MinuteMetrics } from '../src/types'

/** What `engine-state` messages carry (as JSON) besides the events. */
export interface EngineState {
  config: EngineConfig
  channels: ChannelState[]
  metrics: MinuteMetrics[]
  /** Events that fell off the engine's ring: never silent loss. */
  dropped: number
  lastSeq: number
}
