import { useVirtualizer, type VirtualItem } from '@tanstack/react-virtual'
import {
  type KeyboardEvent,
  type MouseEvent,
  type RefObject,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
} from 'react'
import type { LogRow, RowList } from '../store/rows'
import { LogRowView } from './LogRowView'

/** Fixed row height (px): the virtualizer never measures, 100k rows scroll smoothly. */
export const ROW_HEIGHT = 20
/**
 * A panel docked to the side (≤ 600 px): each row on two lines, the verdict on its own across
 * the whole width, so what happened is read, not cut to a few characters.
 */
export const NARROW_ROW_HEIGHT = 36
const NARROW_QUERY = '(max-width: 600px)'
/** Rows rendered beyond each edge of the viewport. */
const OVERSCAN = 12

export interface EventLogProps {
  rows: RowList
  /** Changes whenever rows may have changed (new rows, a batch's keys arrived). */
  version: number
  selectedId?: number
  onSelect(row: LogRow): void
  /** Keyboard: -1 / +1 rows, ±Infinity for Home / End. */
  onMove(delta: number): void
}

interface Anchor {
  id: number
  offset: number
}

function anchorOf(element: HTMLElement, rows: RowList, height: number): Anchor | undefined {
  const index = Math.floor(element.scrollTop / height)
  const row = rows.at(index)
  return row === undefined ? undefined : { id: row.id, offset: element.scrollTop - index * height }
}

/** Whether the panel is docked narrow (a media query, so the rows' height follows the CSS). */
function useNarrow(): boolean {
  const query = typeof window === 'undefined' ? undefined : window.matchMedia?.(NARROW_QUERY)
  const [narrow, setNarrow] = useState(query?.matches === true)
  useEffect(() => {
    if (query === undefined) return
    const onChange = () => setNarrow(query.matches)
    query.addEventListener('change', onChange)
    return () => query.removeEventListener('change', onChange)
  }, [query])
  return narrow
}

/**
 * The virtualizer, its options built here and not in EventLog: the virtualizer keeps its first
 * render's options (and so their closures' scope) for its whole life, and in this scope there is
 * no `rows` to keep. The virtualizer only needs the count: rows have one height, so its items
 * are keyed by index (React keys are row ids, set when rendering).
 */
function useLogVirtualizer(
  count: number,
  scrollRef: RefObject<HTMLDivElement | null>,
  height: number,
) {
  // Read through a ref: the virtualizer keeps its first render's estimateSize.
  const heightRef = useRef(height)
  // The virtualizer's API is mutable by design (React Compiler skips this component).
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => heightRef.current,
    overscan: OVERSCAN,
  })
  useLayoutEffect(() => {
    if (heightRef.current === height) return
    heightRef.current = height
    virtualizer.measure()
  }, [height, virtualizer])
  return virtualizer
}

/** Whether the log follows the newest rows: a ref for handlers and effects, state for render. */
function useFollowing() {
  const following = useRef(true)
  const [isFollowing, setFollowing] = useState(true)
  // Built here, not in EventLog, so the callback (kept from the first render) keeps no rows.
  const follow = useCallback((on: boolean) => {
    following.current = on
    setFollowing(on)
  }, [])
  return { following, isFollowing, follow }
}

/**
 * The indexes the log shows at the bottom of a viewport `size` px tall, as the virtualizer would
 * once scrolled there: from the first row in view minus the overscan, to the last row.
 */
function tailRange(count: number, size: number, height: number): { start: number; end: number } {
  if (count === 0 || size <= 0) return { start: 0, end: -1 }
  const offset = Math.max(0, count * height - size)
  const first = Math.min(count - 1, Math.floor(offset / height))
  return { start: Math.max(0, first - OVERSCAN), end: count - 1 }
}

/** The indexes of the virtualizer's items (consecutive, overscan included). */
function itemsRange(items: readonly VirtualItem[]): { start: number; end: number } {
  return items.length === 0
    ? { start: 0, end: -1 }
    : { start: items[0]!.index, end: items[items.length - 1]!.index }
}

/**
 * The virtualized event log. Newest at the bottom; it follows new rows until the user scrolls
 * up (or selects an older row), and follows again once scrolled back to the bottom.
 */
export function EventLog({ rows, version, selectedId, onSelect, onMove }: EventLogProps) {
  const scrollRef = useRef<HTMLDivElement>(null)
  const { following, isFollowing, follow } = useFollowing()
  const narrow = useNarrow()
  const height = narrow ? NARROW_ROW_HEIGHT : ROW_HEIGHT
  const virtualizer = useLogVirtualizer(rows.length, scrollRef, height)

  /** The top visible row while not following: kept in place when rows change above it. */
  const anchor = useRef<Anchor | undefined>(undefined)
  /** The selection last brought into view (new rows must not scroll to it again). */
  const shownSelection = useRef<number | undefined>(undefined)

  // New rows (a new `rows` list or `version`): stay at the bottom while following; otherwise
  // keep the top row where it was (the oldest rows may have been let go, or a filter changed).
  useLayoutEffect(() => {
    const element = scrollRef.current
    if (element === null) return
    if (following.current) {
      // The rows' height, not scrollHeight: reading it would force a layout at every batch.
      element.scrollTop = rows.length * height
      return
    }
    const kept = anchor.current
    const index = kept === undefined ? -1 : rows.indexOfId(kept.id)
    if (kept !== undefined && index !== -1) {
      const top = index * height + kept.offset
      if (element.scrollTop !== top) element.scrollTop = top
    }
    anchor.current = anchorOf(element, rows, height)
    // `version`: the same list object may have grown.
  }, [rows, version, following, height])

  // Selection moved (keys, a trail link): bring it into view; an older row stops following.
  useEffect(() => {
    if (selectedId === shownSelection.current) return
    shownSelection.current = selectedId
    if (selectedId === undefined) return
    const index = rows.indexOfId(selectedId)
    if (index === -1) return
    if (index < rows.length - 1 && following.current) follow(false)
    virtualizer.scrollToIndex(index, { align: 'auto' })
  }, [selectedId, rows, virtualizer, follow, following])

  const onScroll = () => {
    const element = scrollRef.current
    if (element === null) return
    const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight <= height
    if (atBottom !== following.current) follow(atBottom)
    anchor.current = anchorOf(element, rows, height)
  }

  const onClick = (event: MouseEvent<HTMLDivElement>) => {
    const target = (event.target as Element).closest('[data-row-id]')
    if (target === null) return
    const index = rows.indexOfId(Number(target.getAttribute('data-row-id')))
    const row = rows.at(index)
    if (row !== undefined) onSelect(row)
  }

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 0) / height) - 1)
    const moves: Record<string, number> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: page,
      PageUp: -page,
      Home: Number.NEGATIVE_INFINITY,
      End: Number.POSITIVE_INFINITY,
    }
    const delta = moves[event.key]
    if (delta === undefined) return
    event.preventDefault()
    onMove(delta)
  }

  // Following: the newest rows, in this very commit (the layout effect above scrolls to them
  // before the browser paints). The virtualizer only learns the new offset from the scroll event
  // a frame later, and would render the rows around the old bottom until then.
  const { start, end } = isFollowing
    ? tailRange(rows.length, virtualizer.scrollRect?.height ?? 0, height)
    : itemsRange(virtualizer.getVirtualItems())
  const shown: { row: LogRow; top: number }[] = []
  for (let index = start; index <= end; index++) {
    const row = rows.at(index)
    if (row !== undefined) shown.push({ row, top: index * height })
  }
  return (
    <div className={narrow ? 'event-log event-log-narrow' : 'event-log'}>
      <div className="log-header" role="presentation">
        <span>Time</span>
        <span>Kind</span>
        <span>Org</span>
        <span>Table</span>
        <span>Op</span>
        <span>Record</span>
        <span className="cell-num">Latency</span>
        <span>Verdict</span>
      </div>
      <div
        ref={scrollRef}
        className="log-scroll"
        role="listbox"
        aria-label="Events"
        aria-activedescendant={selectedId === undefined ? undefined : `log-row-${selectedId}`}
        tabIndex={0}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
        onClick={onClick}
      >
        {rows.length === 0 ? (
          <div className="log-empty">
            No events yet{version > 0 ? ' (or none match the filters)' : ''}.
          </div>
        ) : (
          <div className="log-sizer" style={{ height: rows.length * height }}>
            {shown.map(({ row, top }) => (
              <LogRowView
                key={row.id}
                row={row}
                top={top}
                selected={row.id === selectedId}
                servedBy={row.type === 'event' ? row.servedBy : undefined}
              />
            ))}
          </div>
        )}
      </div>
      {!isFollowing && rows.length > 0 && (
        <button
          type="button"
          className="follow-button"
          onClick={() => {
            follow(true)
            const element = scrollRef.current
            if (element !== null) element.scrollTop = element.scrollHeight
          }}
        >
          ↓ Follow newest events
        </button>
      )}
    </div>
  )
}
