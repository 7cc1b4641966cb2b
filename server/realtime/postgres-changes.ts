import type { Catalog, ColumnInfo, TableInfo } from '../db/catalog'
import type { CapturedChange } from '../db/change-capture'
import type { Queryable } from '../db/database'
import { type CompiledFilter, likePattern, type ParsedFilter, parseFilter } from './filters'
import { errorMessage } from '../../src/error-message'

/**
 * postgres_changes bindings: what a channel's join asks for, checked against the catalog the
 * way the Realtime server checks a subscription, and the change messages built for them.
 */

export type BindingEvent = '*' | 'INSERT' | 'UPDATE' | 'DELETE'

/** A binding as the client sent it (echoed back verbatim in the join reply) plus its id. */
export interface BindingRequest {
  params: Record<string, unknown>
  id: number
}

/** A binding ready to match changes. */
export interface Binding {
  id: number
  event: BindingEvent
  /** '*' matches every published schema. */
  schema: string
  /** '*' matches every published table of the schema. */
  table: string
  filters: CompiledFilter[]
  /** Columns to send (primary key always included); undefined: all. */
  select: ReadonlySet<string> | undefined
}

export const MAX_BINDINGS_PER_CHANNEL = 100

/**
 * Ids as the server makes them (`:erlang.phash2(params)`): a 27-bit hash of the binding, a
 * number, because the client compares it with `ids.includes(id)` and a string would not match.
 * Unique within the channel.
 */
export function assignBindingIds(bindings: readonly Record<string, unknown>[]): BindingRequest[] {
  const used = new Set<number>()
  const hashes = new Map<string, number>()
  return bindings.map((params) => {
    const canonical = canonicalJson(params)
    let id = hashes.get(canonical)
    if (id === undefined) {
      id = fnv1a(canonical) & 0x7ffffff
      while (used.has(id)) id = (id + 1) & 0x7ffffff
      used.add(id)
      hashes.set(canonical, id)
    }
    return { params, id }
  })
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

export type CompiledBindings = { ok: true; bindings: Binding[] } | { ok: false; error: string }

/**
 * Validates every binding; all or nothing, as the server inserts a join's subscriptions in one
 * transaction. `db` casts filter values to their column types (and rejects what does not cast).
 */
export async function compileBindings(
  requests: readonly BindingRequest[],
  catalog: Catalog,
  db: Queryable,
): Promise<CompiledBindings> {
  const bindings: Binding[] = []
  for (const request of requests) {
    const compiled = await compileBinding(request, catalog, db)
    if (!compiled.ok) return compiled
    bindings.push(compiled.binding)
  }
  return { ok: true, bindings }
}

async function compileBinding(
  request: BindingRequest,
  catalog: Catalog,
  db: Queryable,
): Promise<{ ok: true; binding: Binding } | { ok: false; error: string }> {
  const { params } = request
  const event = bindingEvent(params.event)
  const schema = params.schema ?? (typeof params.table === 'string' ? 'public' : undefined)
  const table = params.table ?? '*'
  if (typeof schema !== 'string' || typeof table !== 'string') {
    return {
      ok: false,
      error: `No subscription params provided. Please provide at least a \`schema\` or \`table\` to subscribe to: ${describeParams(params)}`,
    }
  }
  const filterText = params.filter
  if (filterText !== undefined && filterText !== null && typeof filterText !== 'string') {
    return { ok: false, error: 'Error parsing `filter` params: the filter must be a string' }
  }
  const parsed = parseFilter(typeof filterText === 'string' ? filterText : '')
  if (!parsed.ok) return parsed
  const select = params.select
  if (
    select !== undefined &&
    (!Array.isArray(select) || !select.every((c) => typeof c === 'string'))
  ) {
    return {
      ok: false,
      error:
        'Error parsing `select` params: expected a list of column name strings, e.g. select: ["col1", "col2"]',
    }
  }

  const wildcard = schema === '*' || table === '*'
  if (wildcard) {
    if (parsed.filters.length > 0 || select !== undefined) {
      return {
        ok: false,
        error:
          'Filters and column selection need an explicit schema and table name (the local stack does not apply them to wildcard subscriptions).',
      }
    }
    await catalog.reload()
    const any = catalog.tables().some((t) => t.published && (schema === '*' || t.schema === schema))
    if (!any) return { ok: false, error: notEnabled(event, schema, table, params) }
    return {
      ok: true,
      binding: { id: request.id, event, schema, table, filters: [], select: undefined },
    }
  }

  let info = await catalog.find(schema, table)
  if (info !== undefined && !info.published) {
    // Published since the cache was read? (`alter publication ... add table` while running.)
    await catalog.reload()
    info = catalog.cached(schema, table)
  }
  if (info === undefined || !info.published) {
    return { ok: false, error: notEnabled(event, schema, table, params) }
  }
  const filters: CompiledFilter[] = []
  for (const filter of parsed.filters) {
    const compiled = await compileFilter(filter, info, db)
    if (typeof compiled === 'string') {
      return {
        ok: false,
        error: `Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: [${describeParams(params)}]. Exception: ${compiled}`,
      }
    }
    filters.push(compiled)
  }
  let selected: Set<string> | undefined
  if (Array.isArray(select)) {
    selected = new Set(info.primaryKey.map((column) => column.name))
    for (const name of select as string[]) {
      if (!info.columnsByName.has(name)) {
        return {
          ok: false,
          error: `Error parsing \`select\` params: column ${name} does not exist on ${schema}.${table}`,
        }
      }
      selected.add(name)
    }
  }
  return { ok: true, binding: { id: request.id, event, schema, table, filters, select: selected } }
}

function bindingEvent(value: unknown): BindingEvent {
  if (value === '*') return '*'
  if (typeof value !== 'string') return '*'
  const upper = value.toUpperCase()
  return upper === 'INSERT' || upper === 'UPDATE' || upper === 'DELETE' ? upper : '*'
}

function notEnabled(
  event: BindingEvent,
  schema: string,
  table: string,
  params: Record<string, unknown>,
): string {
  const filters = typeof params.filter === 'string' ? params.filter : ''
  return `Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [event: ${event}, schema: ${schema}, table: ${table}, filters: [${filters}]]`
}

function describeParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ')
}

/** Resolves the column and renders the values in its type; a string is the error. */
async function compileFilter(
  filter: ParsedFilter,
  table: TableInfo,
  db: Queryable,
): Promise<CompiledFilter | string> {
  const column = table.columnsByName.get(filter.column)
  if (column === undefined) {
    return `invalid column for filter ${filter.column}`
  }
  const base = {
    column: column.name,
    columnType: column.type,
    operator: filter.operator,
    negate: filter.negate,
  }
  if (filter.operator === 'is') {
    const value = filter.values[0]!.toLowerCase()
    if (!['null', 'true', 'false', 'unknown'].includes(value)) {
      return `invalid value for \`is\` filter: ${filter.values[0]} (expected null, true, false or unknown)`
    }
    return { ...base, values: [value] }
  }
  if (filter.operator === 'like' || filter.operator === 'ilike') {
    const pattern = filter.values[0]!
    return {
      ...base,
      values: [pattern],
      pattern: likePattern(pattern, filter.operator === 'ilike'),
    }
  }
  const values = await castValues(db, column, filter.values)
  return typeof values === 'string' ? values : { ...base, values }
}

/**
 * Each value cast to the column's type by Postgres and rendered by to_jsonb(), as row values
 * are. `null` in an in-list stays SQL NULL. The type name comes from the catalog.
 */
async function castValues(
  db: Queryable,
  column: ColumnInfo,
  values: string[],
): Promise<unknown[] | string> {
  try {
    const result = await db.query<{ values: string }>(
      `select coalesce(pg_catalog.json_agg(pg_catalog.to_jsonb(v.value::${column.baseSqlType}) order by v.ord), '[]')::text as values
       from unnest($1::text[]) with ordinality as v (value, ord)`,
      [values],
    )
    return JSON.parse(result.rows[0]!.values) as unknown[]
  } catch (error) {
    return errorMessage(error)
  }
}

// ---------------------------------------------------------------------------------------
// Matching and messages
// ---------------------------------------------------------------------------------------

export function bindingCovers(binding: Binding, change: CapturedChange): boolean {
  if (binding.event !== '*' && binding.event !== change.type) return false
  if (binding.schema !== '*' && binding.schema !== change.schema) return false
  return binding.table === '*' || binding.table === change.table
}

/** The row a change's filters are evaluated on: the new row, or the old one for DELETE. */
export function filterRow(change: CapturedChange): Record<string, unknown> | null {
  return change.type === 'DELETE' ? change.oldRecord : change.record
}

/**
 * `data` of a postgres_changes message. `columns` is always an array whenever a record is
 * present (the client throws without it). old_record is the primary key only unless the table
 * has REPLICA IDENTITY FULL, and always the key for a DELETE under RLS, as Supabase sends it.
 */
export function changeData(
  change: CapturedChange,
  table: TableInfo,
  select: ReadonlySet<string> | undefined,
): Record<string, unknown> {
  const keep = (name: string) => select === undefined || select.has(name)
  const columns = table.columns
    .filter((column) => keep(column.name))
    .map((column) => ({ name: column.name, type: column.type }))
  const data: Record<string, unknown> = {
    schema: change.schema,
    table: change.table,
    commit_timestamp: change.commitTimestamp,
    type: change.type,
    columns,
    errors: null,
  }
  if (change.record !== null) data.record = project(change.record, keep)
  if (change.oldRecord !== null) {
    const wholeOldRow =
      table.replicaIdentityFull &&
      !(change.type === 'DELETE' && table.rowSecurity) &&
      !change.truncated
    data.old_record = wholeOldRow ? project(change.oldRecord, keep) : keyOf(change.oldRecord, table)
  }
  return data
}

function project(
  row: Record<string, unknown>,
  keep: (name: string) => boolean,
): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(row)) if (keep(name)) result[name] = value
  return result
}

/** The primary key columns of a row (an empty object for a table without one). */
export function keyOf(row: Record<string, unknown>, table: TableInfo): Record<string, unknown> {
  const key: Record<string, unknown> = {}
  for (const column of table.primaryKey) key[column.name] = row[column.name] ?? null
  return key
}
