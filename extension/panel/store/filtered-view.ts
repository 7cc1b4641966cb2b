import type { EngineLog } from './engine-log'
import { compileFilter, filtersKey, type LogFilters } from './filters'
import { RowDeque } from './row-deque'
import type { LogRow, RowList } from './rows'

interface Cache {
  log: EngineLog
  key: string
  generation: number
  predicate: (row: LogRow) => boolean
  rows: RowDeque<LogRow>
  /** Rows up to this id have been tested. */
  scannedId: number
}

/**
 * The log's rows after the filters, kept incrementally: a filter change scans the log once
 * (100k rows in tens of ms), new rows are tested as they arrive, and rows the log let go of
 * leave the view too. No filter: the log's own rows, no copy.
 */
export class FilteredView {
  private cache: Cache | undefined

  rows(log: EngineLog, filters: LogFilters): RowList {
    const predicate = compileFilter(filters)
    if (predicate === undefined) {
      this.cache = undefined
      return log.view()
    }
    const key = filtersKey(filters)
    let cache = this.cache
    if (
      cache === undefined ||
      cache.log !== log ||
      cache.key !== key ||
      cache.generation !== log.generation
    ) {
      cache = {
        log,
        key,
        generation: log.generation,
        predicate,
        rows: new RowDeque(),
        scannedId: 0,
      }
      this.cache = cache
    }
    const source = log.rows
    for (let i = source.lowerBound(cache.scannedId + 1); i < source.length; i++) {
      const row = source.at(i)!
      if (cache.predicate(row)) cache.rows.push(row)
    }
    cache.scannedId = source.last()?.id ?? cache.scannedId
    const stale = cache.rows.lowerBound(source.first()?.id ?? Number.POSITIVE_INFINITY)
    if (stale > 0) cache.rows.dropFront(stale)
    return cache.rows.view()
  }
}
