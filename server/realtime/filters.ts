/**
 * postgres_changes filters: `column=op.value`, comma = AND, with the Realtime server's grammar
 * (split at top-level commas, `not.` prefix, `in.(a,"b,c")`, double-quoted values with
 * backslash escapes) and its error messages ("Error parsing `filter` params: ...").
 *
 * Values are compared in the column's own type: at subscribe time each filter value is cast by
 * Postgres to the column type and rendered with to_jsonb(), the same rendering the capture
 * trigger gives row values, so matching a change is a comparison of like with like.
 */

import { splitTopLevel } from '../rest/postgrest-syntax'

export const FILTER_OPERATORS = [
  'eq',
  'neq',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'like',
  'ilike',
  'is',
  'isdistinct',
] as const
export type FilterOperator = (typeof FILTER_OPERATORS)[number]

/** One parsed condition; `values` are raw strings (one, or several for `in`). */
export interface ParsedFilter {
  column: string
  operator: FilterOperator
  negate: boolean
  values: string[]
}

export type FilterParse = { ok: true; filters: ParsedFilter[] } | { ok: false; error: string }

const MAX_FILTER_LENGTH = 4_096
const MAX_CONDITIONS = 32
const MAX_IN_VALUES = 1_000

export function parseFilter(filter: string): FilterParse {
  if (filter.length > MAX_FILTER_LENGTH) {
    return {
      ok: false,
      error: `Error parsing \`filter\` params: longer than ${MAX_FILTER_LENGTH} characters`,
    }
  }
  const trimmed = filter.trim()
  if (trimmed === '') return { ok: true, filters: [] }
  const segments = splitTopLevel(trimmed)
  if (segments.length > MAX_CONDITIONS) {
    return {
      ok: false,
      error: `Error parsing \`filter\` params: more than ${MAX_CONDITIONS} conditions`,
    }
  }
  const filters: ParsedFilter[] = []
  for (const segment of segments) {
    const parsed = parseSegment(segment.trim())
    if (typeof parsed === 'string')
      return { ok: false, error: `Error parsing \`filter\` params: ${parsed}` }
    filters.push(parsed)
  }
  return { ok: true, filters }
}

function parseSegment(segment: string): ParsedFilter | string {
  if (segment === '') return 'filter must not contain empty segments (check for extra commas)'
  const equals = segment.indexOf('=')
  if (equals < 0) return inspectList([segment])
  const column = segment.slice(0, equals)
  let rest = segment.slice(equals + 1)
  let negate = false
  if (rest.startsWith('not.')) {
    negate = true
    rest = rest.slice(4)
  }
  const dot = rest.indexOf('.')
  if (dot < 0) return inspectList([rest])
  const operator = rest.slice(0, dot)
  const value = rest.slice(dot + 1)
  if (!(FILTER_OPERATORS as readonly string[]).includes(operator)) {
    return inspectList([operator, value])
  }
  if (column.length === 0) return 'a filter needs a column name'
  if (operator === 'in') {
    if (value.length < 2 || !value.startsWith('(') || !value.endsWith(')')) {
      return '`in` filter value must be wrapped by parentheses'
    }
    const values = splitList(value.slice(1, -1))
    if (values.length > MAX_IN_VALUES) return `\`in\` takes at most ${MAX_IN_VALUES} values`
    return { column, operator, negate, values }
  }
  return { column, operator: operator as FilterOperator, negate, values: [unquote(value)] }
}

/** Elixir's inspect() of a list of strings, as the server prints it: ["foo", "hey"]. */
function inspectList(items: string[]): string {
  return `[${items.map((item) => JSON.stringify(item)).join(', ')}]`
}

/** The items of an `in` list: a,"b,c",d → ['a', 'b,c', 'd']. */
function splitList(text: string): string[] {
  const items: string[] = []
  let current = ''
  let quoted = false
  let wasQuoted = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!
    if (quoted) {
      if (char === '\\' && i + 1 < text.length) current += text[++i]
      else if (char === '"') quoted = false
      else current += char
      continue
    }
    if (char === '"' && current.trim() === '') {
      quoted = true
      wasQuoted = true
      current = ''
    } else if (char === ',') {
      items.push(wasQuoted ? current : current.trim())
      current = ''
      wasQuoted = false
    } else if (!wasQuoted) {
      current += char
    }
  }
  items.push(wasQuoted ? current : current.trim())
  return items
}

function unquote(value: string): string {
  if (!value.startsWith('"')) return value
  let result = ''
  for (let i = 1; i < value.length; i++) {
    const char = value[i]!
    if (char === '\\' && i + 1 < value.length) result += value[++i]
    else if (char === '"') return i === value.length - 1 ? result : value
    else result += char
  }
  return value
}

// ---------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------

/**
 * A filter ready to match rows: its values already rendered in the column's type (JSON values
 * from to_jsonb), and the column's typname to pick the comparison.
 */
export interface CompiledFilter {
  column: string
  columnType: string
  operator: FilterOperator
  negate: boolean
  /** For `is`: 'null' | 'true' | 'false' | 'unknown'. For like / ilike: the pattern. */
  values: unknown[]
  pattern?: RegExp
}

const NUMERIC_TYPES: ReadonlySet<string> = new Set([
  'int2',
  'int4',
  'int8',
  'float4',
  'float8',
  'numeric',
  'oid',
  'money',
])
const INSTANT_TYPES: ReadonlySet<string> = new Set(['timestamptz', 'timetz'])

/** Whether a row passes every filter (AND). A column the row lacks fails its condition. */
export function rowMatches(
  filters: readonly CompiledFilter[],
  row: Record<string, unknown>,
): boolean {
  for (const filter of filters) {
    if (!Object.hasOwn(row, filter.column)) return false
    const result = conditionHolds(filter, row[filter.column])
    if (result !== !filter.negate) return false
  }
  return true
}

/** SQL semantics: a comparison with NULL is not true, so it never matches (even negated). */
function conditionHolds(filter: CompiledFilter, cell: unknown): boolean | null {
  switch (filter.operator) {
    case 'is':
      return isCondition(filter.values[0], cell)
    case 'isdistinct':
      return cell === null || filter.values[0] === null
        ? (cell === null) !== (filter.values[0] === null)
        : compare(filter.columnType, cell, filter.values[0]) !== 0
    case 'in': {
      if (cell === null) return null
      return filter.values.some(
        (value) => value !== null && compare(filter.columnType, cell, value) === 0,
      )
    }
    case 'like':
    case 'ilike':
      if (cell === null) return null
      return filter.pattern!.test(typeof cell === 'string' ? cell : JSON.stringify(cell))
    default: {
      const value = filter.values[0]
      if (cell === null || value === null || value === undefined) return null
      const order = compare(filter.columnType, cell, value)
      if (order === undefined) return null
      switch (filter.operator) {
        case 'eq':
          return order === 0
        case 'neq':
          return order !== 0
        case 'lt':
          return order < 0
        case 'lte':
          return order <= 0
        case 'gt':
          return order > 0
        default:
          return order >= 0
      }
    }
  }
}

function isCondition(expected: unknown, cell: unknown): boolean {
  switch (expected) {
    case 'null':
      return cell === null
    case 'true':
      return cell === true
    case 'false':
      return cell === false
    default:
      return cell === null // unknown: a NULL boolean
  }
}

/** -1, 0, 1, or undefined when the two cannot be ordered. */
function compare(columnType: string, a: unknown, b: unknown): number | undefined {
  if (NUMERIC_TYPES.has(columnType)) {
    const x = Number(a)
    const y = Number(b)
    if (Number.isNaN(x) || Number.isNaN(y)) return undefined
    return x < y ? -1 : x > y ? 1 : 0
  }
  if (INSTANT_TYPES.has(columnType) && typeof a === 'string' && typeof b === 'string') {
    const x = instant(a)
    const y = instant(b)
    if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1
  const x = typeof a === 'string' ? a : JSON.stringify(a)
  const y = typeof b === 'string' ? b : JSON.stringify(b)
  // Code-point order, i.e. the C collation: a database with a linguistic collation may order
  // some text differently for lt/gt. eq / neq / in are exact either way.
  return x < y ? -1 : x > y ? 1 : 0
}

/** Microsecond-precise instant of a to_jsonb() timestamptz rendering, as [ms, µs] folded. */
function instant(text: string): number | undefined {
  const match = /^(.*?)(?:\.(\d{1,6}))?([+-]\d\d(?::?\d\d)?|Z)?$/.exec(text)
  if (match === null) return undefined
  const base = Date.parse(`${match[1]}${match[3] ?? 'Z'}`)
  if (Number.isNaN(base)) return undefined
  const fraction = Number((match[2] ?? '').padEnd(6, '0'))
  return base * 1000 + fraction
}

/** LIKE pattern → RegExp: % any run, _ one character, backslash escapes. */
export function likePattern(pattern: string, caseInsensitive: boolean): RegExp {
  let source = '^'
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!
    if (char === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]!)
    else if (char === '%') source += '[\\s\\S]*'
    else if (char === '_') source += '[\\s\\S]'
    else source += escapeRegExp(char)
  }
  return new RegExp(`${source}$`, caseInsensitive ? 'iu' : 'u')
}

function escapeRegExp(char: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(char) ? `\\${char}` : char
}
