/**
 * Query key conventions the engine understands, and the factory that produces them.
 *
 *   createTableFactory('deals').all        → ['deals']
 *   createTableFactory('deals').list()     → ['deals', 'list']
 *   createTableFactory('deals').list(f)    → ['deals', 'list', f]
 *   createTableFactory('deals').record(42) → ['deals', 'record', 42]
 *
 * Matching rule for a change to (table, recordId):
 *   - a key whose first element is not the table: never touched;
 *   - a record key ([table, 'record', id, ...]): invalidated only when String(id) === recordId;
 *   - every other key of the table (lists, `.all`, counts, custom keys such as
 *     ['deals', 'stats']): invalidated on every change, since they may depend on any row.
 */

export const LIST_SCOPE = 'list'
export const RECORD_SCOPE = 'record'

export type RecordId = string | number

export interface TableKeys<TTable extends string> {
  readonly table: TTable
  readonly all: readonly [TTable]
  list(): readonly [TTable, typeof LIST_SCOPE]
  list<TFilters>(filters: TFilters): readonly [TTable, typeof LIST_SCOPE, TFilters]
  record(id: RecordId): readonly [TTable, typeof RECORD_SCOPE, RecordId]
}

export function createTableFactory<TTable extends string>(table: TTable): TableKeys<TTable> {
  function list(): readonly [TTable, typeof LIST_SCOPE]
  function list<TFilters>(filters: TFilters): readonly [TTable, typeof LIST_SCOPE, TFilters]
  function list(...args: unknown[]) {
    return args.length === 0 || args[0] === undefined
      ? ([table, LIST_SCOPE] as const)
      : ([table, LIST_SCOPE, args[0]] as const)
  }
  return {
    table,
    all: [table] as const,
    list,
    record: (id) => [table, RECORD_SCOPE, id] as const,
  }
}

/** `QueryKeys`: one factory per table, from a list of table names. */
export function createQueryKeys<const TTables extends readonly string[]>(
  tables: TTables,
): { readonly [T in TTables[number]]: TableKeys<T> } {
  const keys: Record<string, TableKeys<string>> = {}
  for (const table of tables) keys[table] = createTableFactory(table)
  return keys as { readonly [T in TTables[number]]: TableKeys<T> }
}

export interface KeyTarget {
  table: string
  /** Set for record keys: only a change to this record touches the query. */
  recordId?: string
}

/** Which changes a query key depends on, per the rule above; undefined when no table owns it. */
export function classifyQueryKey(queryKey: readonly unknown[]): KeyTarget | undefined {
  const table = queryKey[0]
  if (typeof table !== 'string') return undefined
  const id = queryKey[2]
  if (queryKey[1] === RECORD_SCOPE && (typeof id === 'string' || typeof id === 'number')) {
    return { table, recordId: String(id) }
  }
  return { table }
}
