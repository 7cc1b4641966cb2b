import { BATCH_MODES, type BatchMode, DEDUP_MODES, type DedupBy, type TunableConfig } from './types'

export type TunableName = keyof TunableConfig

export interface OptionSpec {
  default: number
  min: number
  max: number
  unit: 'ms' | 'events'
  /** One line for a user: what the option decides. */
  description: string
}

/**
 * The options a running engine can change, once: the engine's defaults and validation, the
 * wire schema, the panel's Config tab (inputs, limits, texts) and the export all derive from
 * this table.
 */
export const TUNABLE_OPTIONS: Readonly<Record<TunableName, OptionSpec>> = {
  dedupWindowMs: {
    default: 2_000,
    min: 0,
    max: 600_000,
    unit: 'ms',
    description: 'A change seen again within this window is dropped as a duplicate.',
  },
  echoWindowMs: {
    default: 3_000,
    min: 0,
    max: 600_000,
    unit: 'ms',
    description:
      "A change to a row this tab wrote within this window, by this user, is this tab's own echo: dropped.",
  },
  batchMs: {
    default: 200,
    min: 0,
    max: 60_000,
    unit: 'ms',
    description: 'Changes within this window coalesce into one invalidation pass.',
  },
  bufferSize: {
    default: 10_000,
    min: 1,
    max: 1_000_000,
    unit: 'events',
    description: "Capacity of the engine's circular event log; the oldest events fall off.",
  },
  writeConfirmMs: {
    default: 5_000,
    min: 0,
    max: 600_000,
    unit: 'ms',
    description:
      'A write this tab marked that no change event confirms within this window is logged as unconfirmed, with why (0: off).',
  },
}

export const TUNABLE_OPTION_NAMES = Object.keys(TUNABLE_OPTIONS) as TunableName[]

export const DEFAULT_DEDUP_BY: DedupBy = 'event'
export const DEFAULT_BATCH_MODE: BatchMode = 'leading'

/** What each batch mode does, for the Config tab and the docs. */
export const BATCH_MODE_DESCRIPTIONS: Readonly<Record<BatchMode, string>> = {
  leading:
    'a change after a quiet batchMs is applied at once; what follows within batchMs coalesces',
  trailing: 'every change waits for the end of the batchMs window its batch opened',
}

/** What each dedup mode drops, for the Config tab and the docs. */
export const DEDUP_MODE_DESCRIPTIONS: Readonly<Record<DedupBy, string>> = {
  event: 'the same change delivered twice (same event id, or same row, operation and commit time)',
  row: 'any second change to the same row within the window, whatever it was',
}
export { BATCH_MODES, DEDUP_MODES }

export function isTunableName(name: unknown): name is TunableName {
  // hasOwn: a name such as '__proto__' or 'toString' must not reach the prototype.
  return typeof name === 'string' && Object.hasOwn(TUNABLE_OPTIONS, name)
}

/** Why `value` cannot be option `name`, in a sentence; undefined when it can. */
export function optionError(name: unknown, value: unknown): string | undefined {
  if (!isTunableName(name)) return `unknown option ${String(name).slice(0, 100)}`
  const { min, max } = TUNABLE_OPTIONS[name]
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) {
    return undefined
  }
  const shown = typeof value === 'number' ? String(value) : typeof value
  return `${name} must be a whole number from ${formatNumber(min)} to ${formatNumber(max)} (got ${shown})`
}

export function validateOption(name: unknown, value: unknown): asserts name is TunableName {
  const error = optionError(name, value)
  if (error === undefined) return
  throw isTunableName(name) ? new RangeError(error) : new TypeError(error)
}

function formatNumber(n: number): string {
  return n.toLocaleString('en-US')
}

/** Tables whose changes invalidate across organizations (`globalTables`' default). */
export const DEFAULT_GLOBAL_TABLES = ['organizations', 'profiles', 'role_permissions'] as const
