import type { ColumnInfo, TableInfo } from '../db/catalog'
import { parseError, type RestError, restError } from './postgrest-errors'
import { splitTopLevel } from './postgrest-syntax'

/**
 * The PostgREST query string, as postgrest-js builds it (URLSearchParams, so `+` is a space):
 *   select=id,title,t:title   filters col=[not.]op.value   order=col.desc.nullslast
 *   or=(col.op.value,col.op.value)  (one level: any of plain filters; no nested and / or)
 *   limit=10 offset=20   columns="a","b" (bulk insert)   on_conflict=id (upsert)
 * Parsed into names and values only; names are resolved against the catalog in
 * resolveColumns() before any SQL is written.
 */

export const REST_OPERATORS = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'like',
  'ilike',
  'match',
  'imatch',
  'is',
  'isdistinct',
  'in',
] as const
export type RestOperator = (typeof REST_OPERATORS)[number]

export const IS_VALUES = ['null', 'not_null', 'true', 'false', 'unknown'] as const

export interface SelectItem {
  column: string
  alias: string
}

export interface RestFilter {
  column: string
  operator: RestOperator
  negate: boolean
  /** One value; several for `in`. For `is`, one of IS_VALUES. */
  values: string[]
}

export interface OrderTerm {
  column: string
  descending: boolean
  nulls: 'first' | 'last' | undefined
}

export interface RestQuery {
  /** undefined: `*` (every column). */
  select: SelectItem[] | undefined
  filters: RestFilter[]
  /** Each `or=(...)`: any one of its filters holds. */
  anyOf: RestFilter[][]
  order: OrderTerm[]
  limit: number | undefined
  offset: number | undefined
  /** Bulk insert: the columns to take from each object. */
  columns: string[] | undefined
  onConflict: string[] | undefined
}

const RESERVED = new Set(['select', 'order', 'limit', 'offset', 'columns', 'on_conflict'])
const UNSUPPORTED_LOGIC = new Set(['and', 'not.or', 'not.and'])
const MAX_FILTERS = 100
const MAX_IN_VALUES = 1_000

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: RestError }

export function parseRestQuery(params: URLSearchParams): Parsed<RestQuery> {
  const query: RestQuery = {
    select: undefined,
    filters: [],
    anyOf: [],
    order: [],
    limit: undefined,
    offset: undefined,
    columns: undefined,
    onConflict: undefined,
  }
  for (const [key, value] of params) {
    if (UNSUPPORTED_LOGIC.has(key)) {
      return fail(parseError(`"${key}" filters are not supported by the local stack`))
    }
    switch (key) {
      case 'select': {
        const select = parseSelect(value)
        if (!select.ok) return select
        query.select = select.value
        break
      }
      case 'order': {
        const order = parseOrder(value)
        if (!order.ok) return order
        query.order = order.value
        break
      }
      case 'or': {
        const group = parseAnyOf(value)
        if (!group.ok) return group
        query.anyOf.push(group.value)
        break
      }
      case 'limit':
      case 'offset': {
        if (!/^\d{1,9}$/.test(value))
          return fail(parseError(`"${key}" must be a non-negative integer`))
        query[key] = Number(value)
        break
      }
      case 'columns':
      case 'on_conflict': {
        const names = splitNames(value)
        if (!names.ok) return names
        if (key === 'columns') query.columns = names.value
        else query.onConflict = names.value
        break
      }
      default: {
        if (RESERVED.has(key)) break
        const filter = parseFilter(key, value)
        if (!filter.ok) return filter
        query.filters.push(filter.value)
        if (query.filters.length > MAX_FILTERS) return fail(parseError('too many filters'))
      }
    }
  }
  return { ok: true, value: query }
}

function parseSelect(value: string): Parsed<SelectItem[] | undefined> {
  const items = splitTopLevel(value)
  if (items.length === 1 && items[0]!.trim() === '*') return { ok: true, value: undefined }
  const result: SelectItem[] = []
  for (const raw of items) {
    const item = raw.trim()
    if (item === '*') return fail(parseError('"*" cannot be combined with other columns here'))
    if (item.includes('(')) {
      return fail(parseError(`embedded resources are not supported by the local stack: ${item}`))
    }
    if (item.includes('->') || item.includes('::')) {
      return fail(parseError(`JSON paths and casts are not supported by the local stack: ${item}`))
    }
    const colon = item.indexOf(':')
    const alias = colon < 0 ? undefined : unquoteName(item.slice(0, colon).trim())
    const column = unquoteName((colon < 0 ? item : item.slice(colon + 1)).trim())
    if (column === '' || alias === '')
      return fail(parseError(`failed to parse select parameter (${value})`))
    result.push({ column, alias: alias ?? column })
  }
  return { ok: true, value: result }
}

function parseOrder(value: string): Parsed<OrderTerm[]> {
  const terms: OrderTerm[] = []
  for (const raw of splitTopLevel(value)) {
    const parts = raw.trim().split('.')
    const column = unquoteName(parts[0] ?? '')
    if (column === '') return fail(parseError(`failed to parse order (${value})`))
    let descending = false
    let nulls: OrderTerm['nulls']
    for (const modifier of parts.slice(1)) {
      if (modifier === 'asc') descending = false
      else if (modifier === 'desc') descending = true
      else if (modifier === 'nullsfirst') nulls = 'first'
      else if (modifier === 'nullslast') nulls = 'last'
      else return fail(parseError(`failed to parse order (${value})`, `unexpected "${modifier}"`))
    }
    terms.push({ column, descending, nulls })
  }
  return { ok: true, value: terms }
}

function parseFilter(key: string, value: string): Parsed<RestFilter> {
  const column = unquoteName(key)
  let rest = value
  let negate = false
  if (rest.startsWith('not.')) {
    negate = true
    rest = rest.slice(4)
  }
  const dot = rest.indexOf('.')
  const operator = dot < 0 ? rest : rest.slice(0, dot)
  const operand = dot < 0 ? '' : rest.slice(dot + 1)
  if (!(REST_OPERATORS as readonly string[]).includes(operator) || dot < 0) {
    const known = /^[a-z]+$/.test(operator) && dot >= 0
    return fail(
      parseError(
        known
          ? `operator "${operator}" is not supported by the local stack`
          : `failed to parse filter (${value})`,
      ),
    )
  }
  if (operator === 'in') {
    if (!operand.startsWith('(') || !operand.endsWith(')')) {
      return fail(
        parseError(`failed to parse filter (${value})`, '"in" needs a list in parentheses'),
      )
    }
    const values = splitList(operand.slice(1, -1))
    if (values.length > MAX_IN_VALUES) return fail(parseError('too many values in "in"'))
    return { ok: true, value: { column, operator, negate, values } }
  }
  if (operator === 'is') {
    const lower = operand.toLowerCase()
    if (!(IS_VALUES as readonly string[]).includes(lower)) {
      return fail(
        parseError(
          `failed to parse filter (${value})`,
          '"is" takes null, not_null, true, false or unknown',
        ),
      )
    }
    return { ok: true, value: { column, operator, negate, values: [lower] } }
  }
  const text = operator === 'like' || operator === 'ilike' ? operand.replaceAll('*', '%') : operand
  return { ok: true, value: { column, operator: operator as RestOperator, negate, values: [text] } }
}

/** `(a.gt.1,b.eq."x,y")`: plain filters only; a value with , . : ( ) is double-quoted. */
function parseAnyOf(value: string): Parsed<RestFilter[]> {
  if (!value.startsWith('(') || !value.endsWith(')')) {
    return fail(
      parseError(`failed to parse logic tree (${value})`, '"or" needs a list in parentheses'),
    )
  }
  const filters: RestFilter[] = []
  for (const item of splitTopLevel(value.slice(1, -1))) {
    const dot = item.indexOf('.')
    const rest = dot < 0 ? '' : item.slice(dot + 1)
    if (dot <= 0) return fail(parseError(`failed to parse logic tree (${value})`))
    if (/^(not\.)?(or|and)\(/.test(item) || /^(not\.)?(or|and)$/.test(item.slice(0, dot))) {
      return fail(
        parseError(
          `failed to parse logic tree (${value})`,
          'nested and / or are not supported by the local stack',
        ),
      )
    }
    const filter = parseFilter(item.slice(0, dot), unquoteOperand(rest))
    if (!filter.ok) return filter
    filters.push(filter.value)
  }
  if (filters.length === 0 || filters.length > MAX_FILTERS) {
    return fail(parseError(`failed to parse logic tree (${value})`))
  }
  return { ok: true, value: filters }
}

/** `gte."2026-12-01T10:00:00.000Z"` → `gte.2026-12-01T10:00:00.000Z` (the operator is kept). */
function unquoteOperand(text: string): string {
  const match = /^((?:not\.)?[a-z]+\.)("(?:[^"\\]|\\.)*")$/.exec(text)
  return match === null ? text : match[1]! + unquoteName(match[2]!)
}

function splitNames(value: string): Parsed<string[]> {
  const names = splitTopLevel(value).map((name) => unquoteName(name.trim()))
  if (names.some((name) => name === ''))
    return fail(parseError(`failed to parse column list (${value})`))
  return { ok: true, value: names }
}

/** The items of an `in` list: a,"b,c",d → ['a', 'b,c', 'd']. */
function splitList(text: string): string[] {
  if (text.trim() === '') return []
  return splitTopLevel(text).map((item) => unquoteName(item.trim()))
}

/** "a \"b\"" → a "b"; an unquoted name as is. */
function unquoteName(text: string): string {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    return text.slice(1, -1).replace(/\\(.)/g, '$1')
  }
  return text
}

function fail<T>(error: RestError): Parsed<T> {
  return { ok: false, error }
}

// ---------------------------------------------------------------------------------------
// Names → catalog
// ---------------------------------------------------------------------------------------

/** The catalog entry of every column the query names; PostgREST's 42703 for an unknown one. */
export function resolveColumn(table: TableInfo, name: string): Parsed<ColumnInfo> {
  const column = table.columnsByName.get(name)
  if (column === undefined) {
    return fail(restError(400, '42703', `column ${table.name}.${name} does not exist`))
  }
  return { ok: true, value: column }
}

export function resolveColumns(table: TableInfo, query: RestQuery): RestError | undefined {
  const names = [
    ...(query.select ?? []).map((item) => item.column),
    ...query.filters.map((filter) => filter.column),
    ...query.anyOf.flat().map((filter) => filter.column),
    ...query.order.map((term) => term.column),
    ...(query.onConflict ?? []),
  ]
  for (const name of names) {
    const resolved = resolveColumn(table, name)
    if (!resolved.ok) return resolved.error
  }
  for (const name of query.columns ?? []) {
    if (!table.columnsByName.has(name)) return unknownBodyColumn(table, name)
  }
  return undefined
}

/** PostgREST's answer to a body key that is not a column. */
export function unknownBodyColumn(table: TableInfo, name: string): RestError {
  return restError(
    400,
    'PGRST204',
    `Could not find the '${name}' column of '${table.name}' in the schema cache`,
  )
}
