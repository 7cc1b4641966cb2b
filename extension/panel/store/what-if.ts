import { TUNABLE_OPTIONS } from '../../../src/options'
import type {
  SimulatedChange,
  SimulationCounts,
  SimulationResult,
  SimulationSettings,
} from '../../../src/simulate'
import type { EngineConfig, SyncEvent } from '../../../src/types'
import { errorMessage } from '../../../src/error-message'

/** What the What-if form holds: each setting as typed ('' keeps the recorded value). */
export type WhatIfDraft = Partial<Record<keyof SimulationSettings, string>>

export const WHAT_IF_NUMBERS = ['dedupWindowMs', 'echoWindowMs', 'batchMs'] as const

/** A simulation the panel ran on the log it shows, or why it could not. */
export type WhatIfRun =
  { ok: true; result: SimulationResult; events: number; at: number } | { ok: false; error: string }

/**
 * Runs simulate() on the shown log's events (the imported file's, or the page's as held now)
 * with the draft's settings; a value the engine would refuse comes back as its sentence. The
 * engine's pipeline and TanStack's QueryClient load with the first run, not with the panel.
 */
export async function runWhatIf(
  events: readonly SyncEvent[],
  config: Partial<EngineConfig> | undefined,
  draft: WhatIfDraft,
  now: number,
): Promise<WhatIfRun> {
  const options: Partial<SimulationSettings> = {}
  for (const name of WHAT_IF_NUMBERS) {
    const text = draft[name]?.trim() ?? ''
    if (text !== '') options[name] = Number(text)
  }
  if (draft.batchMode === 'leading' || draft.batchMode === 'trailing') {
    options.batchMode = draft.batchMode
  }
  if (draft.dedupBy === 'event' || draft.dedupBy === 'row') options.dedupBy = draft.dedupBy
  try {
    // Inside the try: a chunk that fails to load is said like any other refusal.
    const { simulate } = await import('../../../src/simulate')
    const result = simulate({ events, engine: { config } }, options)
    return { ok: true, result, events: events.length, at: now }
  } catch (error) {
    return { ok: false, error: errorMessage(error).replace(/^simulate: /, '') }
  }
}

/** The rows of the side-by-side table, in the issue's order. */
export const COUNT_ROWS: readonly { field: keyof SimulationCounts; label: string }[] = [
  { field: 'received', label: 'Received' },
  { field: 'processed', label: 'Processed' },
  { field: 'deduped', label: 'Deduped' },
  { field: 'echo', label: 'Echo' },
  { field: 'passes', label: 'Passes' },
  { field: 'keysInvalidated', label: 'Keys invalidated' },
  { field: 'refetches', label: 'Refetches' },
]

/** "+3", "−2", or "" when equal. */
export function difference(recorded: number, simulated: number): string {
  const delta = simulated - recorded
  if (delta === 0) return ''
  return `${delta > 0 ? '+' : '−'}${Math.abs(delta).toLocaleString('en-US')}`
}

/** One changed event as a line: what it was, what it would be, and why. */
export function changeText(change: SimulatedChange): string {
  const what = `#${change.seq} ${change.table} ${change.recordId || '(no id)'}`
  if (change.recorded === change.simulated) {
    return `${what}: ${change.recorded}, in another pass (recorded pass ${change.recordedPass ?? '?'} → simulated pass ${change.simulatedPass ?? '?'})`
  }
  return `${what}: ${change.recorded} → ${change.simulated} (${verdictReason(change)})`
}

function verdictReason(change: SimulatedChange): string {
  const related = change.relatedSeq === undefined ? '' : ` #${change.relatedSeq}`
  switch (change.simulated) {
    case 'received':
      return change.simulatedPass === undefined
        ? 'would be processed'
        : `would be processed, in simulated pass ${change.simulatedPass}`
    case 'deduped':
      return `would be dropped as a duplicate of${related || ' an earlier delivery'}${change.match === 'same-row' ? ', the same row' : ''}`
    case 'echo':
      return `would be dropped as an echo of this tab's write${related}`
  }
}

/** The simulated passes that serve what several recorded passes served. */
export function mergedPassTexts(result: SimulationResult): string[] {
  return result.passes
    .filter((pass) => pass.recordedPasses.length > 1)
    .map(
      (pass) =>
        `Simulated pass ${pass.id} serves what recorded passes ${pass.recordedPasses.map((id) => `#${id}`).join(', ')} served (${pass.causes.length} changes, ${pass.keysInvalidated} keys)`,
    )
}

/** The settings the shown log ran with: its engine's config, else the engine's defaults. */
export { recordedSettings } from '../../../src/simulation-settings'

/** Limits of each number, for the inputs. */
export function numberLimits(name: (typeof WHAT_IF_NUMBERS)[number]): { min: number; max: number } {
  const { min, max } = TUNABLE_OPTIONS[name]
  return { min, max }
}
