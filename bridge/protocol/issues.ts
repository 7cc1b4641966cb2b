import type * as v from 'valibot'

/** "events[3].seq: Invalid type: Expected number but received "7"" (+ how many more). */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0]
  if (first === undefined) return 'invalid'
  const path = issuePath(first)
  const more =
    issues.length > 1
      ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})`
      : ''
  // valibot says 'Invalid key: Expected "x" but received undefined' for a missing field.
  const message =
    first.message.startsWith('Invalid key') && first.received === 'undefined'
      ? 'missing'
      : first.message
  return `${path || '(root)'}: ${message}${more}`
}

export function issuePath(issue: v.BaseIssue<unknown>): string {
  let out = ''
  for (const item of issue.path ?? []) {
    const key = (item as { key?: unknown }).key
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out
}
