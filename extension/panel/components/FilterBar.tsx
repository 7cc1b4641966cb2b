import { SYNC_EVENT_KINDS } from '../../../src/types'
import { formatTime } from '../store/format'
import type { PanelSnapshot, PanelStore } from '../store/panel-store'

export interface FilterBarProps {
  store: PanelStore
  snapshot: PanelSnapshot
}

/** Text, kind chips, table and organization filters. Markers (reloads, gaps) always show. */
export function FilterBar({ store, snapshot }: FilterBarProps) {
  const { filters } = snapshot
  // A chosen value stays selectable after a Clear emptied the lists.
  const tables = withValue(snapshot.tables, filters.table)
  const orgs = withValue(snapshot.orgs, filters.org)
  return (
    <div className="filter-bar">
      <input
        type="search"
        className="filter-text"
        placeholder="Filter: table, record, reason, payload…"
        aria-label="Filter events"
        value={filters.text}
        onChange={(event) => store.setFilterText(event.target.value)}
      />
      <fieldset className="kind-chips" aria-label="Kinds">
        {SYNC_EVENT_KINDS.map((kind) => {
          const on = filters.kinds.includes(kind)
          return (
            <button
              key={kind}
              type="button"
              className={on ? `chip chip-on kind-${kind}` : 'chip'}
              aria-pressed={on}
              title={
                on
                  ? `Stop filtering on ${kind}`
                  : `Show only ${kind} events (with the other chips on)`
              }
              onClick={() => store.toggleKind(kind)}
            >
              {kind}
            </button>
          )
        })}
      </fieldset>
      <select
        aria-label="Table"
        value={filters.table ?? ''}
        onChange={(event) => store.setFilters({ table: event.target.value || undefined })}
      >
        <option value="">All tables</option>
        {tables.map((table) => (
          <option key={table} value={table}>
            {table}
          </option>
        ))}
      </select>
      <select
        aria-label="Organization"
        value={filters.org ?? ''}
        onChange={(event) => store.setFilters({ org: event.target.value || undefined })}
      >
        <option value="">All orgs</option>
        {orgs.map((org) => (
          <option key={org} value={org}>
            {org}
          </option>
        ))}
      </select>
      {filters.range !== undefined && (
        <span className="filter-range">
          {formatTime(filters.range.from)}–{formatTime(filters.range.to)} (from the timeline){' '}
          <button
            type="button"
            className="link-button"
            aria-label="Clear the time range"
            onClick={() => store.setFilters({ range: undefined })}
          >
            ×
          </button>
        </span>
      )}
      {snapshot.filtering && (
        <button type="button" className="link-button" onClick={() => store.clearFilters()}>
          Clear filters
        </button>
      )}
    </div>
  )
}

function withValue(values: readonly string[], value: string | undefined): readonly string[] {
  return value === undefined || values.includes(value) ? values : [...values, value]
}
