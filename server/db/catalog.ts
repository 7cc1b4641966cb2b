import type { Database } from './database'

/**
 * The schema cache: every table, view and column a client may name, read from pg_catalog.
 * Identifiers that reach SQL text come only from here (quoted with quoteIdent); a name a client
 * sent is used only to look an entry up. Values always travel as parameters.
 */

export interface ColumnInfo {
  name: string
  /** pg_type.typname, as Realtime reports it in `columns` (int8, text, _text, timestamptz ...). */
  type: string
  /** format_type(): a valid SQL type to cast to (e.g. `timestamp with time zone`, `numeric(10,2)`). */
  sqlType: string
  /** The type without modifiers (`character varying`, `numeric`): a cast that never truncates. */
  baseSqlType: string
  generated: boolean
}

export interface TableInfo {
  oid: number
  schema: string
  name: string
  /** "schema"."name", ready for SQL. */
  sqlName: string
  /** r table, p partitioned table, v view, m materialized view, f foreign table. */
  kind: string
  rowSecurity: boolean
  columns: ColumnInfo[]
  columnsByName: ReadonlyMap<string, ColumnInfo>
  primaryKey: ColumnInfo[]
  /** In publication supabase_realtime: Realtime may stream it. */
  published: boolean
  /** REPLICA IDENTITY FULL: old_record carries the whole old row instead of its key. */
  replicaIdentityFull: boolean
}

/** Schemas the REST API serves (PostgREST's db-schemas). */
export const EXPOSED_SCHEMAS: readonly string[] = ['public']

/** "name" with embedded quotes doubled: safe for any identifier taken from the catalog. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

interface CatalogRow {
  oid: number
  schema: string
  name: string
  kind: string
  row_security: boolean
  replica_identity: string
  published: boolean
  columns: string
  primary_key: string
}

const CATALOG_SQL = `
  select c.oid::int as oid, n.nspname::text as schema, c.relname::text as name,
         c.relkind::text as kind, c.relrowsecurity as row_security,
         c.relreplident::text as replica_identity,
         (exists (
            select 1 from pg_catalog.pg_publication p
            where p.pubname = 'supabase_realtime' and p.puballtables
          ) or exists (
            select 1 from pg_catalog.pg_publication_tables pt
            where pt.pubname = 'supabase_realtime'
              and pt.schemaname = n.nspname and pt.tablename = c.relname
          )) as published,
         coalesce((
           select pg_catalog.json_agg(pg_catalog.json_build_object(
                    'name', a.attname, 'type', t.typname,
                    'sqlType', pg_catalog.format_type(a.atttypid, a.atttypmod),
                    'baseSqlType', pg_catalog.format_type(a.atttypid, null),
                    'generated', a.attgenerated <> '') order by a.attnum)
           from pg_catalog.pg_attribute a
           join pg_catalog.pg_type t on t.oid = a.atttypid
           where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
         ), '[]')::text as columns,
         coalesce((
           select pg_catalog.json_agg(a.attname order by k.ord)
           from pg_catalog.pg_index i
           cross join lateral pg_catalog.unnest(i.indkey::int2[]) with ordinality as k (attnum, ord)
           join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
           where i.indrelid = c.oid and i.indisprimary
         ), '[]')::text as primary_key
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p', 'v', 'm', 'f')
    and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'realtime_stack')
    and (n.nspname = any($1::text[]) or exists (
      select 1 from pg_catalog.pg_publication_tables pt
      where pt.pubname = 'supabase_realtime' and pt.schemaname = n.nspname and pt.tablename = c.relname
    ))`

/** A missing name triggers a reload, at most this often (a table created after start appears). */
const RELOAD_INTERVAL_MS = 1_000

export class Catalog {
  private tablesByKey = new Map<string, TableInfo>()
  private loadedAt = 0
  private loading: Promise<void> | undefined

  constructor(private readonly db: Database) {}

  /** Reads the catalog now. */
  reload(): Promise<void> {
    this.loading ??= this.read().finally(() => {
      this.loading = undefined
    })
    return this.loading
  }

  /** The table as last read, without touching the database. */
  cached(schema: string, name: string): TableInfo | undefined {
    return this.tablesByKey.get(tableKey(schema, name))
  }

  /** The table, reading the catalog again first when it is unknown and the cache is not fresh. */
  async find(schema: string, name: string): Promise<TableInfo | undefined> {
    const table = this.cached(schema, name)
    if (table !== undefined) return table
    await this.refreshIfStale()
    return this.cached(schema, name)
  }

  /** Reads the catalog again unless it was read within the last second (a column added since). */
  async refreshIfStale(): Promise<boolean> {
    if (Date.now() - this.loadedAt < RELOAD_INTERVAL_MS) return false
    await this.reload()
    return true
  }

  tables(): TableInfo[] {
    return [...this.tablesByKey.values()]
  }

  /** For error hints, as PostgREST gives them: a known table whose name is closest. */
  closestTable(schema: string, name: string): TableInfo | undefined {
    let best: TableInfo | undefined
    let bestDistance = Number.POSITIVE_INFINITY
    for (const table of this.tablesByKey.values()) {
      if (table.schema !== schema) continue
      const distance = editDistance(table.name, name)
      if (distance < bestDistance) {
        best = table
        bestDistance = distance
      }
    }
    return bestDistance <= Math.max(2, name.length / 3) ? best : undefined
  }

  private async read(): Promise<void> {
    const result = await this.db.query<CatalogRow>(CATALOG_SQL, [EXPOSED_SCHEMAS])
    const next = new Map<string, TableInfo>()
    for (const row of result.rows) {
      const columns = JSON.parse(row.columns) as ColumnInfo[]
      const columnsByName = new Map(columns.map((column) => [column.name, column]))
      const primaryKey = (JSON.parse(row.primary_key) as string[])
        .map((name) => columnsByName.get(name))
        .filter((column): column is ColumnInfo => column !== undefined)
      next.set(tableKey(row.schema, row.name), {
        oid: row.oid,
        schema: row.schema,
        name: row.name,
        sqlName: `${quoteIdent(row.schema)}.${quoteIdent(row.name)}`,
        kind: row.kind,
        rowSecurity: row.row_security,
        columns,
        columnsByName,
        primaryKey,
        published: row.published,
        replicaIdentityFull: row.replica_identity === 'f',
      })
    }
    this.tablesByKey = next
    this.loadedAt = Date.now()
  }
}

function tableKey(schema: string, name: string): string {
  return `${schema}\u0000${name}`
}

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!
    previous[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!
      previous[j] = Math.min(
        above + 1,
        previous[j - 1]! + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
      diagonal = above
    }
  }
  return previous[b.length]!
}
