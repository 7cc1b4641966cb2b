import type { MalformedInput, MalformedProblem, ResyncFallback, ValueType } from './types'

/**
 * The facts the engine's parts hand the pipeline to log: what the catch-up found of a gap, and
 * what the channels or the parser found wrong with a value. The event record holds them as they
 * are (src/event-fields.ts); src/describe-event.ts words them.
 */
/** What a resync found, or why it could not replay (src/catch-up.ts). */
export interface ResyncFacts {
  gapMs: number
  first?: true
  replayedCount?: number
  rereadCount?: number
  firstId?: string
  lastId?: string
  fallback?: ResyncFallback
  maxReplay?: number
  retentionMs?: number
  error?: string
}

/** What was wrong with a value the engine could not use. */
export interface MalformedFacts {
  input: MalformedInput
  problem: MalformedProblem
  field?: string
  found?: ValueType
  error?: string
  replayed?: true
}
