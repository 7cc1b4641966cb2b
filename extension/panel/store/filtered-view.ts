import type { EngineLog } from './engine-log'
import { compileRowFilter, filtersKey, type LogFilters } from './filters'
import { lowerBoundBy, type RowChunk, type RowColumns } from './row-columns'
import type { LogRow, RowList } from './rows'

/** Dropped ids kept before a compaction: at least this many, and an eighth of the list. */
const COMPACT_MIN = 1_024

interface Cache {
  store: RowColumns
  key: string
  generation: number
  predicate: (chunk: RowChunk, slot: number) => boolean
  /** The ids of the rows that pass, in id order, from `head` on. */
  ids: number[]
  head: number
  /** Rows up to this id have been tested. */
  scannedId: number
}

/**
 * The log's rows after the filters, kept incrementally as row ids: a filter change scans the
 * log's columns once (a million rows in tens of ms, no row read unless its text is searched and
 * it is not a change), new rows are tested as they arrive, and rows the log let go of leave the
 * view too. No filter: the log's own rows, no copy.
 */
export class FilteredView {
  private cache: Cache | undefined

  rows(log: EngineLog, filters: LogFilters): RowList {
    const store = log.rows
    const predicate = compileRowFilter(filters, store)
    if (predicate === undefined) {
      this.cache = undefined
      return log.view()
    }
    const key = filtersKey(filters)
    let cache = this.cache
    if (
      cache === undefined ||
      cache.store !== store ||
      cache.key !== key ||
      cache.generation !== log.generation
    ) {
      cache = {
        store,
        key,
        generation: log.generation,
        predicate,
        ids: [],
        head: 0,
        scannedId: 0,
      }
      this.cache = cache
    }
    const end = store.end
    const { predicate: passes, ids: passed } = cache
    store.scan(store.lowerBoundId(cache.scannedId + 1), end, (chunk, slot) => {
      if (passes(chunk, slot)) passed.push(chunk.ids[slot]!)
    })
    if (end > store.head) cache.scannedId = store.idOf(end - 1)
    // Rows the log let go of leave the view.
    const oldest = store.length > 0 ? store.idOf(store.head) : Number.POSITIVE_INFINITY
    const ids = cache.ids
    cache.head = lowerBoundBy(cache.head, ids.length, (i) => ids[i]! < oldest)
    if (cache.head >= COMPACT_MIN && cache.head * 8 >= ids.length) {
      cache.ids = ids.slice(cache.head)
      cache.head = 0
    }
    return new FilteredRows(log.view(), cache.ids, cache.head, cache.ids.length - cache.head)
  }
}

/** The filtered rows at the time: later ids go beyond its length, a compaction makes a new list. */
class FilteredRows implements RowList {
  constructor(
    /** The log's rows at the time, which still hold a row the cap lets go of meanwhile. */
    private readonly all: RowList,
    private readonly ids: readonly number[],
    private readonly start: number,
    readonly length: number,
  ) {}

  at(index: number): LogRow | undefined {
    if (index < 0 || index >= this.length) return undefined
    return this.all.at(this.all.indexOfId(this.ids[this.start + index]!))
  }

  indexOfId(id: number): number {
    const end = this.start + this.length
    const i = lowerBoundBy(this.start, end, (k) => this.ids[k]! < id)
    return i < end && this.ids[i] === id ? i - this.start : -1
  }
}
