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
 *   - a record key ([table, scope, id, ...] where scope is one of the record scopes, by default
 *     only 'record', and id a string or number): invalidated only when String(id) === recordId;
 *   - every other key of the table (lists, `.all`, counts, custom keys such as
 *     ['deals', 'stats']): invalidated on every change, since they may depend on any row.
 *
 * Apps whose single-row keys use another word (TkDodo's ['deals', 'detail', id]) name it in the
 * engine's `recordScopes` option (['record', 'detail'], or ['detail'] alone).
 */

export const LIST_SCOPE = 'list'
export const RECORD_SCOPE = 'record'
/** The second key elements that mark a single-row key when the app names none. */
export const DEFAULT_RECORD_SCOPES: readonly string[] = Object.freeze([RECORD_SCOPE])

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

/**
 * Which changes a query key depends on, per the rule above; undefined when no table owns it.
 * `recordScopes`: the second elements that mark a record key (the engine's `recordScopes`).
 */
export function classifyQueryKey(
  queryKey: readonly unknown[],
  recordScopes: readonly unknown[] = DEFAULT_RECORD_SCOPES,
): KeyTarget | undefined {
  const table = queryKey[0]
  if (typeof table !== 'string') return undefined
  const id = queryKey[2]
  if ((typeof id === 'string' || typeof id === 'number') && recordScopes.includes(queryKey[1])) {
    return { table, recordId: String(id) }
  }
  return { table }
}

/** Bounds of the `recordScopes` option (the DevTools wire checks the same). */
export const RECORD_SCOPE_LIMITS = { scopes: 32, length: 100 } as const

/**
 * The `recordScopes` option, checked: 1 to 32 strings of 1 to 100 characters, not 'list' (a list
 * depends on every row). Throws a TypeError saying what it takes.
 */
export function recordScopesOf(value: unknown): readonly string[] {
  if (value === undefined) return DEFAULT_RECORD_SCOPES
  const { scopes, length } = RECORD_SCOPE_LIMITS
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.length > scopes ||
    value.some(
      (scope) =>
        typeof scope !== 'string' ||
        scope.length === 0 ||
        scope.length > length ||
        scope === LIST_SCOPE,
    )
  ) {
    throw new TypeError(
      `createRealtimeSync: recordScopes takes 1 to ${scopes} strings of 1 to ${length} characters, not '${LIST_SCOPE}', such as ['record', 'detail']`,
    )
  }
  return Object.freeze([...value] as string[])
}
