import type { Query, QueryCache } from '@tanstack/query-core'
import { classifyQueryKey, DEFAULT_RECORD_SCOPES } from './query-keys'

export interface TableQueries {
  /** Lists, `.all`, and every other key of the table: touched by any change to it. */
  readonly wide: Set<Query>
  /** Record keys by String(id): touched only by a change to that record. */
  readonly records: Map<string, Set<Query>>
}

/**
 * The QueryCache indexed by table, kept current through QueryCache events, so that matching a
 * batch of changes costs O(matching queries), not O(all queries × changes).
 */
export class QueryIndex {
  private readonly tables = new Map<string, TableQueries>()
  private unsubscribe: (() => void) | undefined

  constructor(
    private readonly cache: QueryCache,
    /** The second key elements that mark a record key (the engine's `recordScopes`). */
    private readonly recordScopes: readonly string[] = DEFAULT_RECORD_SCOPES,
  ) {}

  start(): void {
    if (this.unsubscribe) return
    for (const query of this.cache.getAll()) this.add(query)
    this.unsubscribe = this.cache.subscribe((event) => {
      if (event.type === 'added') this.add(event.query)
      else if (event.type === 'removed') this.remove(event.query)
    })
  }

  stop(): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    this.tables.clear()
  }

  table(name: string): TableQueries | undefined {
    return this.tables.get(name)
  }

  /** Every indexed query, table by table. */
  *queries(): IterableIterator<[table: string, query: Query]> {
    for (const [table, entry] of this.tables) {
      for (const query of entry.wide) yield [table, query]
      for (const set of entry.records.values()) for (const query of set) yield [table, query]
    }
  }

  private add(query: Query): void {
    const target = classifyQueryKey(query.queryKey, this.recordScopes)
    if (target === undefined) return
    let entry = this.tables.get(target.table)
    if (entry === undefined) {
      entry = { wide: new Set(), records: new Map() }
      this.tables.set(target.table, entry)
    }
    if (target.recordId === undefined) {
      entry.wide.add(query)
      return
    }
    let set = entry.records.get(target.recordId)
    if (set === undefined) {
      set = new Set()
      entry.records.set(target.recordId, set)
    }
    set.add(query)
  }

  private remove(query: Query): void {
    const target = classifyQueryKey(query.queryKey, this.recordScopes)
    if (target === undefined) return
    const entry = this.tables.get(target.table)
    if (entry === undefined) return
    if (target.recordId === undefined) {
      entry.wide.delete(query)
    } else {
      const set = entry.records.get(target.recordId)
      set?.delete(query)
      if (set?.size === 0) entry.records.delete(target.recordId)
    }
    if (entry.wide.size === 0 && entry.records.size === 0) this.tables.delete(target.table)
  }
}
