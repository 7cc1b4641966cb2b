import { isObject } from './is-object'
import { isSecretKeyName, REDACTED, redactString } from './redact-text'

/**
 * What a refetch changed: a bounded structural diff of a query's data before and after. TanStack
 * Query's structural sharing keeps every unchanged part of the new data by reference, so the walk
 * skips them at the cost of one comparison: an identical refetch costs nothing, a 1,000-row list
 * with one row changed costs about one pass over the ids. A list of rows with an `id` is compared
 * by id (rows added, removed, changed, or only moved); anything else by key and index.
 */
export interface DataChanges {
  /** The changed paths, at most MAX_CHANGED_PATHS, in the order met. */
  paths: ChangedPath[]
  /** Changed paths beyond those listed. */
  morePaths?: number
  /** Ids of rows added to a list, and removed from it (at most MAX_LISTED_ROWS each). */
  added?: string[]
  removed?: string[]
  /** Rows added or removed beyond those listed. */
  moreRows?: number
  /** The same rows, in another order. */
  reordered?: boolean
  /** The walk stopped at its budget: there may be more than this says. */
  truncated?: boolean
}

export interface ChangedPath {
  /** `title`, `[3].stage`, `[id=dea1…].title`, or '' for the data itself. */
  path: string
  /** The value before and after, as JSON text cut to MAX_PREVIEW_CHARS; absent: it did not exist. */
  before?: string
  after?: string
}

export const MAX_CHANGED_PATHS = 20
export const MAX_LISTED_ROWS = 20
export const MAX_PREVIEW_CHARS = 200
export const MAX_PATH_CHARS = 300
/** Nodes visited at most: a huge changed tree is cut, never walked whole. */
const NODE_BUDGET = 20_000
const MAX_DEPTH = 16

/** What changed from `before` to `after`; undefined when it is the same value. Never throws. */
export function diffData(before: unknown, after: unknown): DataChanges | undefined {
  if (Object.is(before, after)) return undefined
  const walk = new Walk()
  try {
    walk.compare(before, after, '', 0)
  } catch {
    // A getter that throws, a proxy: what was found so far stands, marked incomplete.
    walk.changes.truncated = true
  }
  const { changes } = walk
  if (changes.paths.length === 0 && changes.added === undefined && changes.removed === undefined) {
    // Equal by value, new by reference (no structural sharing): nothing a user would see.
    return changes.reordered || changes.truncated ? changes : undefined
  }
  return changes
}

class Walk {
  readonly changes: DataChanges = { paths: [] }
  private budget = NODE_BUDGET

  compare(before: unknown, after: unknown, path: string, depth: number): void {
    if (Object.is(before, after)) return
    if (--this.budget < 0 || depth > MAX_DEPTH) {
      this.changes.truncated = true
      this.note(path, before, after)
      return
    }
    if (Array.isArray(before) && Array.isArray(after)) {
      if (isRowList(before) && isRowList(after)) return this.rows(before, after, path, depth)
      const length = Math.max(before.length, after.length)
      for (let i = 0; i < length; i++) {
        this.compare(before[i], after[i], `${path}[${i}]`, depth + 1)
      }
      return
    }
    if (isPlainObject(before) && isPlainObject(after)) {
      for (const key of Object.keys(before)) {
        this.compare(before[key], after[key], join(path, key), depth + 1)
      }
      for (const key of Object.keys(after)) {
        if (!(key in before)) this.compare(undefined, after[key], join(path, key), depth + 1)
      }
      return
    }
    this.note(path, before, after)
  }

  /** Two lists of rows with ids: by id, so a row moving is not every row changing. */
  private rows(before: RowLike[], after: RowLike[], path: string, depth: number): void {
    const old = new Map<string, { row: RowLike; index: number }>()
    before.forEach((row, index) => old.set(String(row.id), { row, index }))
    const seen = new Set<string>()
    let lastIndex = -1
    for (const row of after) {
      const id = String(row.id)
      seen.add(id)
      const previous = old.get(id)
      if (previous === undefined) {
        this.listRow('added', id)
        continue
      }
      // The rows both lists hold keep their relative order, unless one moved.
      if (previous.index < lastIndex) this.changes.reordered = true
      lastIndex = previous.index
      this.compare(previous.row, row, `${path}[id=${id}]`, depth + 1)
    }
    for (const id of old.keys()) if (!seen.has(id)) this.listRow('removed', id)
  }

  private listRow(which: 'added' | 'removed', id: string): void {
    const list = (this.changes[which] ??= [])
    if (list.length < MAX_LISTED_ROWS) list.push(redactString(id).slice(0, MAX_PREVIEW_CHARS))
    else this.changes.moreRows = (this.changes.moreRows ?? 0) + 1
  }

  private note(path: string, before: unknown, after: unknown): void {
    const { changes } = this
    if (changes.paths.length >= MAX_CHANGED_PATHS) {
      changes.morePaths = (changes.morePaths ?? 0) + 1
      return
    }
    const key = lastKey(path)
    const changed: ChangedPath = { path: path.slice(0, MAX_PATH_CHARS) }
    if (before !== undefined) changed.before = preview(before, key)
    if (after !== undefined) changed.after = preview(after, key)
    changes.paths.push(changed)
  }
}

interface RowLike {
  id: string | number
}

function isRowList(list: unknown[]): list is RowLike[] {
  if (list.length === 0) return false
  for (const row of list) {
    if (!isObject(row)) return false
    const id = row.id
    if (typeof id !== 'string' && typeof id !== 'number') return false
  }
  return true
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isObject(value) || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}

function lastKey(path: string): string {
  const dot = path.lastIndexOf('.')
  return dot === -1 ? path : path.slice(dot + 1)
}

/** A value as short JSON text, secrets replaced: what a person reads in "before → after". */
function preview(value: unknown, key: string): string {
  if (isSecretKeyName(key)) return REDACTED
  let text: string
  try {
    text =
      typeof value === 'string'
        ? JSON.stringify(
            value.length > MAX_PREVIEW_CHARS ? value.slice(0, MAX_PREVIEW_CHARS) : value,
          )
        : value instanceof Date
          ? JSON.stringify(value.toISOString())
          : (JSON.stringify(value, bounded()) ?? String(value))
  } catch {
    text = `[${typeof value}]`
  }
  text = redactString(text)
  return text.length > MAX_PREVIEW_CHARS ? `${text.slice(0, MAX_PREVIEW_CHARS - 1)}…` : text
}

/** A replacer that stops a big value's JSON early: only its first few hundred characters show. */
function bounded(): (this: unknown, key: string, value: unknown) => unknown {
  let left = MAX_PREVIEW_CHARS * 2
  return function (key, value) {
    if (isSecretKeyName(key)) return REDACTED
    if (typeof value === 'bigint') return `${value}n`
    left -= typeof value === 'string' ? value.length + key.length : key.length + 4
    return left < 0 && typeof value === 'object' && value !== null ? '…' : value
  }
}
