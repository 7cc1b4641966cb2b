import { quoteIdent, type TableInfo } from '../db/catalog'
import type { RestFilter, RestQuery, SelectItem } from './postgrest-query'

/**
 * SQL for the PostgREST subset. Every identifier is a catalog entry quoted with quoteIdent;
 * every value is a parameter, passed as text and cast in SQL to the column's type (without
 * modifiers, so nothing is silently truncated). The result is built as JSON by Postgres
 * (json_agg), the way PostgREST builds it.
 */

export interface Statement {
  sql: string
  params: (string | null)[]
}

/** The table's alias in every statement. */
const T = 'pgrst_t'

class Params {
  readonly values: (string | null)[] = []
  add(value: string | null): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}

function column(table: TableInfo, name: string): { sql: string; type: string } {
  const info = table.columnsByName.get(name)
  // resolveColumns() ran first; this is the last line of defence, never reached by a client.
  if (info === undefined) throw new Error(`unknown column ${name}`)
  return { sql: `${T}.${quoteIdent(info.name)}`, type: info.baseSqlType }
}

function selectList(table: TableInfo, select: SelectItem[] | undefined): string {
  if (select === undefined) return `${T}.*`
  return select
    .map((item) => `${column(table, item.column).sql} as ${quoteIdent(item.alias)}`)
    .join(', ')
}

function condition(table: TableInfo, filter: RestFilter, params: Params): string {
  const { sql: col, type } = column(table, filter.column)
  const value = () => `${params.add(filter.values[0] ?? null)}::text::${type}`
  let sql: string
  switch (filter.operator) {
    case 'eq':
      sql = `${col} = ${value()}`
      break
    case 'neq':
      sql = `${col} <> ${value()}`
      break
    case 'gt':
      sql = `${col} > ${value()}`
      break
    case 'gte':
      sql = `${col} >= ${value()}`
      break
    case 'lt':
      sql = `${col} < ${value()}`
      break
    case 'lte':
      sql = `${col} <= ${value()}`
      break
    case 'like':
      sql = `${col} like ${params.add(filter.values[0] ?? '')}::text`
      break
    case 'ilike':
      sql = `${col} ilike ${params.add(filter.values[0] ?? '')}::text`
      break
    case 'match':
      sql = `${col} ~ ${params.add(filter.values[0] ?? '')}::text`
      break
    case 'imatch':
      sql = `${col} ~* ${params.add(filter.values[0] ?? '')}::text`
      break
    case 'isdistinct':
      sql = `${col} is distinct from ${value()}`
      break
    case 'in':
      sql = `${col} = any(${params.add(arrayLiteral(filter.values))}::text::${type}[])`
      break
    case 'is':
      sql = `${col} ${IS_SQL[filter.values[0] as keyof typeof IS_SQL] ?? 'is null'}`
      break
  }
  return filter.negate ? `not (${sql})` : sql
}

/** Fixed SQL for each `is` value: keywords cannot be parameters, so they come from this table. */
const IS_SQL = {
  null: 'is null',
  not_null: 'is not null',
  true: 'is true',
  false: 'is false',
  unknown: 'is unknown',
} as const

/** A Postgres array literal with every element quoted: {"a","b \"c\""}. */
function arrayLiteral(values: string[]): string {
  return `{${values.map((value) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`
}

function whereClause(table: TableInfo, query: RestQuery, params: Params): string {
  const terms = query.filters.map((filter) => condition(table, filter, params))
  for (const group of query.anyOf) {
    terms.push(`(${group.map((filter) => condition(table, filter, params)).join(' or ')})`)
  }
  if (terms.length === 0) return ''
  return ` where ${terms.join(' and ')}`
}

function orderClause(table: TableInfo, query: RestQuery): string {
  if (query.order.length === 0) return ''
  const terms = query.order.map((term) => {
    const nulls = term.nulls === undefined ? '' : ` nulls ${term.nulls}`
    return `${column(table, term.column).sql} ${term.descending ? 'desc' : 'asc'}${nulls}`
  })
  return ` order by ${terms.join(', ')}`
}

/** Wraps a statement producing rows (`source`) into `{ body: json text, n: row count }`. */
function asJsonBody(source: string, stripNulls: boolean): string {
  const aggregate = `coalesce(pg_catalog.json_agg(pgrst_source), '[]')`
  const body = stripNulls ? `pg_catalog.json_strip_nulls(${aggregate})` : aggregate
  return `with pgrst_source as (${source}) select ${body}::text as body, count(*)::int as n from pgrst_source`
}

export interface ReadOptions {
  stripNulls: boolean
}

export function readStatement(table: TableInfo, query: RestQuery, options: ReadOptions): Statement {
  const params = new Params()
  let source = `select ${selectList(table, query.select)} from ${table.sqlName} as ${T}`
  source += whereClause(table, query, params)
  source += orderClause(table, query)
  if (query.limit !== undefined) source += ` limit ${params.add(String(query.limit))}::text::bigint`
  if (query.offset !== undefined)
    source += ` offset ${params.add(String(query.offset))}::text::bigint`
  return { sql: asJsonBody(source, options.stripNulls), params: params.values }
}

export function countStatement(table: TableInfo, query: RestQuery): Statement {
  const params = new Params()
  const sql = `select count(*)::int as total from ${table.sqlName} as ${T}${whereClause(table, query, params)}`
  return { sql, params: params.values }
}

export interface WriteOptions {
  /** return=representation: the written rows come back, shaped by `select`. */
  returning: boolean
  stripNulls: boolean
}

export interface InsertOptions extends WriteOptions {
  columns: string[]
  /** Upsert (Prefer: resolution=...): on conflict with these columns. */
  onConflict: { columns: string[]; action: 'merge' | 'ignore' } | undefined
}

export function insertStatement(
  table: TableInfo,
  query: RestQuery,
  rowsJson: string,
  options: InsertOptions,
): Statement {
  const params = new Params()
  const body = params.add(rowsJson)
  const names = options.columns.map((name) => quoteIdent(table.columnsByName.get(name)!.name))
  let source: string
  if (names.length === 0) {
    // One row of defaults per empty object, as PostgREST inserts `{}` and `[{}, {}]`: a select
    // of no columns fills every column with its default.
    source = `insert into ${table.sqlName} as ${T}
      select from pg_catalog.json_array_elements(${body}::text::json)`
  } else {
    const list = names.join(', ')
    source = `insert into ${table.sqlName} as ${T} (${list})
      select ${list} from pg_catalog.json_populate_recordset(null::${table.sqlName}, ${body}::text::json)`
  }
  if (options.onConflict !== undefined) {
    const target = options.onConflict.columns
      .map((name) => quoteIdent(table.columnsByName.get(name)!.name))
      .join(', ')
    const updates = names.map((name) => `${name} = excluded.${name}`).join(', ')
    source +=
      options.onConflict.action === 'ignore' || updates === ''
        ? ` on conflict (${target}) do nothing`
        : ` on conflict (${target}) do update set ${updates}`
  }
  return writeStatement(table, query, source, params, options)
}

export function updateStatement(
  table: TableInfo,
  query: RestQuery,
  patchJson: string,
  patchColumns: string[],
  options: WriteOptions,
): Statement {
  const params = new Params()
  const body = params.add(patchJson)
  const assignments = patchColumns
    .map((name) => {
      const quoted = quoteIdent(table.columnsByName.get(name)!.name)
      return `${quoted} = pgrst_body.${quoted}`
    })
    .join(', ')
  let source = `update ${table.sqlName} as ${T} set ${assignments}
    from (select * from pg_catalog.json_populate_record(null::${table.sqlName}, ${body}::text::json)) as pgrst_body`
  source += whereClause(table, query, params)
  return writeStatement(table, query, source, params, options)
}

export function deleteStatement(
  table: TableInfo,
  query: RestQuery,
  options: WriteOptions,
): Statement {
  const params = new Params()
  let source = `delete from ${table.sqlName} as ${T}`
  source += whereClause(table, query, params)
  return writeStatement(table, query, source, params, options)
}

/**
 * A write (`source`, its parameters in `params`) as a `{ body, n }` statement. RETURNING needs
 * SELECT on the columns (and the row to pass SELECT policies), so it is asked for only with
 * return=representation, as PostgREST does.
 */
function writeStatement(
  table: TableInfo,
  query: RestQuery,
  source: string,
  params: Params,
  options: WriteOptions,
): Statement {
  const returning = options.returning
    ? ` returning ${selectList(table, query.select)}`
    : ' returning 1 as pgrst_one'
  return { sql: asJsonBody(source + returning, options.stripNulls), params: params.values }
}
