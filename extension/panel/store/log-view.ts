import type { SyncEventKind } from '../../../src/types'
import type { EngineLog } from './engine-log'
import { FilteredView } from './filtered-view'
import { type LogFilters, NO_FILTERS } from './filters'
import { EMPTY_ROWS, type EventRow, type LogRow, type RowList } from './rows'

export interface FilterValues {
  tables: readonly string[]
  orgs: readonly string[]
}

const NO_VALUES: FilterValues = { tables: [], orgs: [] }

/**
 * What the user looks at in the log, whichever log it is (an engine's or an imported file's):
 * the filters, the rows they let through, the values the filter menus offer, and the selected
 * row. The selection is a row, not an index, so it survives filtering and rows arriving.
 */
export class LogView {
  private current: LogFilters = NO_FILTERS
  private selectedRow: LogRow | undefined
  private readonly filtered = new FilteredView()
  /** The sorted menus, rebuilt only when the log met a new table or org (or was cleared). */
  private valuesCache: { log: EngineLog; key: string; values: FilterValues } | undefined

  get filters(): LogFilters {
    return this.current
  }

  get selected(): LogRow | undefined {
    return this.selectedRow
  }

  setFilters(filters: Partial<LogFilters>): void {
    this.current = { ...this.current, ...filters }
  }

  toggleKind(kind: SyncEventKind): void {
    const { kinds } = this.current
    this.setFilters({
      kinds: kinds.includes(kind) ? kinds.filter((k) => k !== kind) : [...kinds, kind],
    })
  }

  clearFilters(): void {
    this.current = NO_FILTERS
  }

  /**
   * The selection as `log` holds it now. A change is rebuilt from the log's columns when read
   * (row-columns.ts): once its row object has left the log's cache, the log's own copy is the
   * one that learns of the pass that later served it, so the selection follows that copy.
   */
  selectedIn(log: EngineLog | undefined): LogRow | undefined {
    const selected = this.selectedRow
    if (selected?.type !== 'event' || log === undefined) return selected
    const held = log.rowById(selected.id)
    if (held !== undefined && held !== selected) this.selectedRow = held
    return this.selectedRow
  }

  /** False when `row` is already the selection. */
  select(row: LogRow | undefined): boolean {
    if (row === this.selectedRow) return false
    this.selectedRow = row
    return true
  }

  /**
   * The row `delta` away from the selection in `shown` (the rows on screen): -1 up, +1 down,
   * ±Infinity for Home / End. With nothing selected, down starts at the top and up at the bottom.
   */
  rowAfterMove(shown: RowList, delta: number): LogRow | undefined {
    if (shown.length === 0) return undefined
    const selected = this.selectedRow
    const current = selected === undefined ? -1 : shown.indexOfId(selected.id)
    let index: number
    if (!Number.isFinite(delta)) index = delta > 0 ? shown.length - 1 : 0
    else if (current === -1) index = delta > 0 ? 0 : shown.length - 1
    else index = Math.min(shown.length - 1, Math.max(0, current + delta))
    return shown.at(index)
  }

  /**
   * The event `seq` in `log`, of the selected row's page load (seqs restart with every page
   * load, and a preserved log holds several), or of the log's current one.
   */
  rowOfSeq(log: EngineLog, seq: number): EventRow | undefined {
    const selected = this.selectedRow
    return log.find(selected?.type === 'event' ? selected.session : log.session, seq)
  }

  rows(log: EngineLog | undefined): RowList {
    return log === undefined ? EMPTY_ROWS : this.filtered.rows(log, this.current)
  }

  values(log: EngineLog | undefined): FilterValues {
    if (log === undefined) return NO_VALUES
    const key = `${log.generation}:${log.tables.size}:${log.orgs.size}`
    if (this.valuesCache?.log === log && this.valuesCache.key === key) {
      return this.valuesCache.values
    }
    const sort = (values: Set<string>) => [...values].sort((a, b) => a.localeCompare(b))
    const values = { tables: sort(log.tables), orgs: sort(log.orgs) }
    this.valuesCache = { log, key, values }
    return values
  }
}
