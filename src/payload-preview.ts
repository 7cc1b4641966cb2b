/**
 * A bounded copy of an untrusted value for the log: strings cut, depth and entry counts capped,
 * so a huge or cyclic payload costs a few KB in the ring and never throws.
 */
export const PREVIEW_BUDGET_CHARS = 2_048
const MAX_DEPTH = 4
const MAX_ENTRIES = 20
const MAX_STRING = 256

export function previewPayload(value: unknown, budgetChars = PREVIEW_BUDGET_CHARS): unknown {
  const budget = { left: budgetChars }
  return preview(value, 0, budget, new WeakSet())
}

function preview(value: unknown, depth: number, budget: { left: number }, seen: WeakSet<object>) {
  if (budget.left <= 0) return '…'
  switch (typeof value) {
    case 'string': {
      const limit = Math.min(MAX_STRING, budget.left)
      budget.left -= Math.min(value.length, limit)
      return value.length > limit ? `${value.slice(0, limit)}… (${value.length} chars)` : value
    }
    case 'number':
    case 'boolean':
      budget.left -= 8
      return value
    case 'undefined':
      return undefined
    case 'bigint':
    case 'symbol':
    case 'function':
      budget.left -= 16
      return `[${typeof value}]`
  }
  if (value === null) return null
  const object = value as object
  if (seen.has(object)) return '[circular]'
  if (depth >= MAX_DEPTH) return Array.isArray(object) ? '[array]' : '[object]'
  seen.add(object)
  if (Array.isArray(object)) {
    const out: unknown[] = object
      .slice(0, MAX_ENTRIES)
      .map((item) => preview(item, depth + 1, budget, seen))
    if (object.length > MAX_ENTRIES) out.push(`… ${object.length - MAX_ENTRIES} more`)
    return out
  }
  const out: Record<string, unknown> = {}
  let n = 0
  for (const key in object) {
    if (!Object.hasOwn(object, key)) continue
    if (n++ >= MAX_ENTRIES || budget.left <= 0) {
      out['…'] = 'more keys'
      break
    }
    budget.left -= key.length
    out[key.slice(0, MAX_STRING)] = preview(
      (object as Record<string, unknown>)[key],
      depth + 1,
      budget,
      seen,
    )
  }
  return out
}
