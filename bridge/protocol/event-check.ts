import { EVENT_FIELDS, EVENT_LAYOUTS, type KindLayout } from '../../src/event-fields'
import { SYNC_EVENT_KINDS, type SyncEvent, type SyncEventKind } from '../../src/types'
import { ACCEPT, COPY, isSeq, REJECT, RULE_COPIES, RULE_TESTS } from './field-rules'

const identity = (value: unknown) => value

/**
 * SyncEventSchema (records.ts) as a table walk, for the panel's ingest: every event streamed goes
 * through it, and `v.safeParse` cost as much as the JSON.parse of the batch. Both are derived
 * from the field table (src/event-fields.ts) and the rules (field-rules.ts): the same checks and
 * limits, and the same output (the kind's known keys only, in the table's order; a key present
 * with `undefined` kept, as valibot keeps it). Returns undefined when the schema would reject
 * the value: ask the schema for the reason. test/panel/sync-event-check.test.ts holds the two to
 * agreement.
 *
 * What the engine sends is already that output: a plain object with its kind's keys, in the
 * table's order. Such an event is checked and returned as it is, with no copy; anything else
 * (an unknown key, another order, a channel with more than topic and status) is checked and
 * copied field by field.
 */
export function checkSyncEvent(value: unknown): SyncEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const input = value as Record<string, unknown>
  if (!isSeq(input.seq) || !isFinite(input.at)) return undefined
  const layout = CHECKS.get(input.kind)
  if (layout === undefined) return undefined
  // A plain object: for-in sees its own keys only, and V8 reads input[key] from its enum cache.
  if (Object.getPrototypeOf(input) !== Object.prototype) return checkAndCopy(input, layout)
  // Walks the layout's order along with the input's keys: an unknown key, or one out of order,
  // runs off its end (keys are interned strings: each comparison is a pointer's).
  const { names, tests, required } = layout
  let next = 0
  let present = 0
  for (const key in input) {
    while (next < names.length && names[next] !== key) next++
    if (next === names.length) return checkAndCopy(input, layout)
    const index = next++
    if (index < HEAD) continue
    const x = input[key]
    if (x === undefined) {
      // A required field of any value is there, even as undefined (v.unknown() takes it).
      if (required[index] && layout.anyValue[index]) present++
      continue
    }
    if (required[index]) present++
    const verdict = tests[index]!(x)
    if (verdict === REJECT) return undefined
    if (verdict === COPY) return checkAndCopy(input, layout)
  }
  return present === layout.requiredCount ? (input as unknown as SyncEvent) : undefined
}

/** The slow path, for what is not already in the schema's shape: check, then copy known fields. */
function checkAndCopy(input: Record<string, unknown>, layout: KindCheck): SyncEvent | undefined {
  const { names, tests, copies, required, anyValue } = layout
  const out: Record<string, unknown> = { seq: input.seq, at: input.at, kind: input.kind }
  for (let i = HEAD; i < names.length; i++) {
    const name = names[i]!
    const x = input[name]
    if (x !== undefined) {
      const verdict = tests[i]!(x)
      if (verdict === REJECT) return undefined
      out[name] = verdict === COPY ? copies[i]!(x) : x
    } else if (required[i] && !(anyValue[i] && name in input)) {
      return undefined
    } else if (name in input) {
      out[name] = undefined
    }
  }
  return out as unknown as SyncEvent
}

/** seq, at and kind lead every layout and are checked before the walk. */
const HEAD = 3

interface KindCheck {
  /** seq, at, kind, then the kind's fields in the table's order. */
  names: readonly string[]
  tests: readonly ((value: unknown) => number)[]
  /** Each field's copy to its schema's shape, for a COPY verdict (identity where none is needed). */
  copies: readonly ((value: unknown) => unknown)[]
  required: readonly boolean[]
  /** Fields of the rule 'any': undefined is a value of theirs. */
  anyValue: readonly boolean[]
  requiredCount: number
}

const CHECKS = new Map<unknown, KindCheck>(
  SYNC_EVENT_KINDS.map((kind: SyncEventKind) => {
    const { fields, required } = EVENT_LAYOUTS[kind] as KindLayout
    const accept = () => ACCEPT
    return [
      kind,
      {
        names: ['seq', 'at', 'kind', ...fields],
        tests: [
          accept,
          accept,
          accept,
          ...fields.map((name) => RULE_TESTS[EVENT_FIELDS[name].rule]),
        ],
        copies: [
          identity,
          identity,
          identity,
          ...fields.map((name) => RULE_COPIES[EVENT_FIELDS[name].rule] ?? identity),
        ],
        required: [false, false, false, ...fields.map((name) => required.includes(name))],
        anyValue: [false, false, false, ...fields.map((name) => EVENT_FIELDS[name].rule === 'any')],
        requiredCount: required.length,
      },
    ]
  }),
)

const isFinite = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value)
