import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react'
import { formatKey, formatTime } from '../store/format'
import type { PanelSnapshot, PanelStore } from '../store/panel-store'
import { DEFAULT_CORRELATION_MS } from '../store/socket-model'
import { FAULT_REACH_MS } from '../store/fault-cause'
import {
  type ChangeSpan,
  changeSpan,
  deliverySpans,
  type LaneBy,
  socketMarks,
  withFaults,
  spanLabel,
  spanPhases,
  spanStart,
  type TimelineMark,
  TimelineIndex,
  wireTimes,
} from '../store/timeline'
import {
  type DenseSource,
  drawTimeline,
  type HitMap,
  hitTest,
  type TimelineColors,
  type TimeView,
} from './timeline-draw'
import { useSocketWatch } from './use-socket-watch'

export interface TimelineViewProps {
  store: PanelStore
  snapshot: PanelSnapshot
  /** The picked change's row: show it in the Log. */
  onShowInLog?(): void
}

/** Where a benchmark listens for each frame's cost (ms from render to drawn) and bars drawn. */
export type TimelineProbeGlobal = typeof globalThis & {
  __REALTIME_TIMELINE_PROBE__?: (ms: number, bars: number) => void
}

/** More changes than this in view are drawn as density, not one bar each. */
export const MAX_DETAILED_SPANS = 2_000
const MIN_SPAN_MS = 5
const MAX_SPAN_MS = 24 * 3_600_000
const DEFAULT_SPAN_MS = 10_000

const LANE_LABELS: Record<LaneBy, string> = {
  channel: 'Channel',
  table: 'Table',
  key: 'Query key',
}

/**
 * Every change on one time axis (the Network panel's waterfall for realtime): its phases from
 * commit to what its refetches changed, lanes per channel, table or query key, and the
 * connection's life above them. Wheel zooms, drag pans, shift+drag picks a range that filters
 * the Log; hovering a bar says what it was, a click selects it in the Log.
 */
export function TimelineView({ store, snapshot, onShowInLog }: TimelineViewProps) {
  // A frame's cost, from this render to the canvas drawn (bench:browser reads it, nothing else;
  // the value never reaches the output, so the render stays pure in what it shows).
  // eslint-disable-next-line react-hooks/purity
  const renderStart = performance.now()
  const live = snapshot.mode === 'live'
  const index = useMemo(() => new TimelineIndex(), [])
  const log = store.shownLog()
  // Incremental: only the rows that arrived since the last render are read.
  index.update(log)
  const { records } = snapshot.socket
  const pageAheadMs = snapshot.engine?.clock?.pageAheadMs ?? 0
  const wire = useMemo(() => wireTimes(records), [records])
  const marksOfWire = useMemo(() => socketMarks(records), [records])
  const withoutEngine = log === undefined
  const deliveries = useMemo(
    () => (withoutEngine ? deliverySpans(records, DEFAULT_CORRELATION_MS) : []),
    [records, withoutEngine],
  )

  // The frames give each change its "on the wire" phase, and the connection its track.
  useSocketWatch(store, live)

  const [laneBy, setLaneBy] = useState<LaneBy>('channel')
  // Opened on a change the Log selected: centred on it, zoomed to its phases.
  const [initial] = useState(() => focusOn(selectedSpan(snapshot, log, pageAheadMs, new Map())))
  const [follow, setFollow] = useState(live && initial === undefined)
  const [spanMs, setSpanMs] = useState(DEFAULT_SPAN_MS)
  const [manual, setManual] = useState<TimeView | undefined>(initial)
  const [hover, setHover] = useState<{ x: number; y: number; text: string } | undefined>()
  const [picked, setPicked] = useState<ChangeSpan | undefined>()
  const [picking, setPicking] = useState<TimeView | undefined>()

  const extent = index.extent()
  const newest = Math.max(
    extent.end ?? 0,
    deliveries.at(-1)?.endAt ?? 0,
    records.at(-1)?.at ?? 0,
    live ? snapshot.builtAt : 0,
  )
  const oldest = Math.min(
    extent.start ?? Number.POSITIVE_INFINITY,
    deliveries[0]?.receivedAt ?? Number.POSITIVE_INFINITY,
    records[0]?.at ?? Number.POSITIVE_INFINITY,
  )
  const view: TimeView =
    follow || manual === undefined
      ? live || !Number.isFinite(oldest)
        ? { from: newest - spanMs * 0.95, to: newest + spanMs * 0.05 }
        : { from: oldest - 50, to: Math.max(oldest + MIN_SPAN_MS, newest) + 50 }
      : manual

  // What is in view: the changes (as bars, or as density when there are too many) and marks.
  const inView = withoutEngine ? { start: 0, end: 0 } : index.range(view.from, view.to)
  const tooMany = inView.end - inView.start > MAX_DETAILED_SPANS
  const shownSpans = useMemo<ChangeSpan[] | undefined>(() => {
    if (withoutEngine) {
      return deliveries.filter((s) => s.endAt >= view.from && s.receivedAt <= view.to)
    }
    if (tooMany) return undefined
    const spans: ChangeSpan[] = []
    for (const row of index.rowsIn(view.from, view.to)) {
      const span = changeSpan(row, log!, pageAheadMs, wire.get(eventIdOf(row.event)))
      // Read near the view; drawn only when it reaches into it.
      if (span !== undefined && span.endAt >= view.from && spanStart(span) <= view.to) {
        spans.push(span)
      }
    }
    return spans
    // The rows in view change with the snapshot (version) and the view.
  }, [snapshot.version, view.from, view.to, tooMany, withoutEngine, deliveries, wire, pageAheadMs]) // eslint-disable-line react-hooks/exhaustive-deps
  // Too many for bars: the rows in view, read by index (nothing allocated per change).
  const dense: DenseSource | undefined =
    shownSpans === undefined
      ? {
          count: inView.end - inView.start,
          at: (i) => index.atOf(inView.start + i),
          lane: (i) => denseLane(index, inView.start + i, laneBy),
        }
      : undefined
  const { faults } = snapshot.socket
  const marks = useMemo<TimelineMark[]>(
    () => withFaults([...index.engineMarks(), ...marksOfWire], faults, snapshot.builtAt),
    [snapshot.version, marksOfWire, faults], // eslint-disable-line react-hooks/exhaustive-deps
  )

  const selectedRowId = snapshot.selected?.type === 'event' ? snapshot.selected.id : undefined
  const canvas = useRef<HTMLCanvasElement>(null)
  const scroller = useRef<HTMLDivElement>(null)
  const hits = useRef<HitMap | undefined>(undefined)
  const [size, setSize] = useState({ width: 600, height: 300 })
  const [scrollTop, setScrollTop] = useState(0)
  const spacer = useRef<HTMLDivElement>(null)
  const colors = useRef<TimelineColors | undefined>(undefined)
  useEffect(() => {
    const element = scroller.current
    if (element === null || typeof ResizeObserver === 'undefined') return
    const observer = new ResizeObserver(() =>
      setSize({ width: element.clientWidth, height: element.clientHeight }),
    )
    observer.observe(element)
    return () => observer.disconnect()
  }, [])
  const empty =
    extent.count === 0 &&
    deliveries.length === 0 &&
    marksOfWire.length === 0 &&
    index.engineMarks().length === 0
  useLayoutEffect(() => {
    const element = canvas.current
    const ctx = element?.getContext?.('2d')
    if (!element || !ctx) return
    // The palette once per canvas: the panel's CSS says light or dark.
    colors.current ??= readColors(element)
    const ratio = window.devicePixelRatio || 1
    element.width = Math.round(size.width * ratio)
    element.height = Math.round(size.height * ratio)
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
    hits.current = drawTimeline(ctx, {
      width: size.width,
      height: size.height,
      scrollTop,
      view,
      laneBy,
      spans: shownSpans,
      dense,
      marks,
      selectedRowId,
      picking,
      colors: colors.current,
    })
    ;(globalThis as TimelineProbeGlobal).__REALTIME_TIMELINE_PROBE__?.(
      performance.now() - renderStart,
      hits.current.spans.length,
    )
    // The lanes scroll under a canvas the size of the view: the spacer gives them their height.
    if (spacer.current !== null) {
      spacer.current.style.height = `${Math.max(hits.current.contentHeight, size.height)}px`
    }
  })

  const timeAt = (clientX: number) => {
    const rect = canvas.current!.getBoundingClientRect()
    return view.from + ((clientX - rect.left) / Math.max(1, rect.width)) * (view.to - view.from)
  }
  const drag = useRef<{ x: number; view: TimeView; moved: boolean; pick: boolean } | undefined>(
    undefined,
  )

  const onWheel = (event: React.WheelEvent) => {
    // Zoom around the pointer: what is under it stays there.
    const factor = Math.exp(event.deltaY * 0.002)
    const next = Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, (view.to - view.from) * factor))
    const at = timeAt(event.clientX)
    const share = (at - view.from) / (view.to - view.from)
    setSpanMs(next)
    if (!follow) setManual({ from: at - share * next, to: at + (1 - share) * next })
  }
  const onMouseDown = (event: React.MouseEvent) => {
    drag.current = { x: event.clientX, view, moved: false, pick: event.shiftKey }
    if (event.shiftKey) setPicking({ from: timeAt(event.clientX), to: timeAt(event.clientX) })
  }
  const onMouseMove = (event: React.MouseEvent) => {
    const current = drag.current
    if (current !== undefined) {
      if (Math.abs(event.clientX - current.x) > 3) current.moved = true
      if (current.pick) {
        setPicking({ from: picking?.from ?? timeAt(current.x), to: timeAt(event.clientX) })
      } else if (current.moved) {
        const rect = canvas.current!.getBoundingClientRect()
        const shift =
          ((event.clientX - current.x) / Math.max(1, rect.width)) *
          (current.view.to - current.view.from)
        setFollow(false)
        setManual({ from: current.view.from - shift, to: current.view.to - shift })
      }
      return
    }
    const rect = canvas.current!.getBoundingClientRect()
    const hit =
      hits.current && hitTest(hits.current, event.clientX - rect.left, event.clientY - rect.top)
    setHover(
      hit === undefined
        ? undefined
        : {
            x: event.clientX - rect.left,
            y: event.clientY - rect.top,
            text: 'span' in hit ? spanLabel(hit.span) : hit.mark.label,
          },
    )
  }
  const onMouseUp = (event: React.MouseEvent) => {
    const current = drag.current
    drag.current = undefined
    if (current?.pick && picking !== undefined) {
      const from = Math.min(picking.from, picking.to)
      const to = Math.max(picking.from, picking.to)
      setPicking(undefined)
      if (to - from >= 1) store.setFilters({ range: { from, to } })
      return
    }
    if (current === undefined || current.moved) return
    const rect = canvas.current!.getBoundingClientRect()
    const hit =
      hits.current && hitTest(hits.current, event.clientX - rect.left, event.clientY - rect.top)
    if (hit === undefined) return
    if ('span' in hit) {
      setPicked(hit.span)
      if (hit.span.rowId !== undefined) store.selectRowId(hit.span.rowId)
    } else if (hit.mark.rowId !== undefined) {
      store.selectRowId(hit.mark.rowId)
    }
  }

  const range = snapshot.filters.range
  return (
    <div className="timeline-view">
      <div className="timeline-bar">
        <label>
          Lanes{' '}
          <select
            value={laneBy}
            aria-label="Lanes"
            onChange={(e) => setLaneBy(e.target.value as LaneBy)}
          >
            {(Object.keys(LANE_LABELS) as LaneBy[]).map((by) => (
              <option key={by} value={by}>
                {LANE_LABELS[by]}
              </option>
            ))}
          </select>
        </label>
        {live && (
          <label>
            <input
              type="checkbox"
              checked={follow}
              onChange={(e) => {
                setFollow(e.target.checked)
                if (!e.target.checked) setManual(view)
              }}
            />{' '}
            Follow
          </label>
        )}
        <button
          type="button"
          className="link-button"
          onClick={() => {
            setFollow(false)
            setManual(fit(oldest, newest))
          }}
        >
          Fit all
        </button>
        <span
          className="timeline-hint"
          title="wheel: zoom · drag: pan · shift+drag: filter the Log to a time range"
        >
          {formatTime(view.from)} – {formatTime(view.to)} · wheel zoom · drag pan · shift+drag
          filters the Log
        </span>
        {range !== undefined && (
          <span className="filter-range">
            Log: {formatTime(range.from)}–{formatTime(range.to)}{' '}
            {onShowInLog && (
              <button type="button" className="link-button" onClick={onShowInLog}>
                Show the Log
              </button>
            )}{' '}
            <button
              type="button"
              className="link-button"
              onClick={() => store.setFilters({ range: undefined })}
            >
              Clear
            </button>
          </span>
        )}
      </div>
      <FaultCauses
        marks={marks}
        onPick={(mark) => {
          setFollow(false)
          setManual(fit(mark.from ?? mark.at, mark.at + FAULT_REACH_MS))
        }}
      />
      {empty ? (
        <p className="view-empty">
          {live
            ? 'Nothing on the timeline yet: no change, socket or channel event is held. Changes appear here as they arrive.'
            : 'This file holds no change and no socket record.'}
        </p>
      ) : (
        <div
          className="timeline-scroller"
          ref={scroller}
          onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}
        >
          <div ref={spacer} className="timeline-spacer">
            <canvas
              ref={canvas}
              className="timeline-canvas"
              role="img"
              aria-label={`Timeline of ${extent.count + deliveries.length} changes`}
              style={{ width: size.width, height: size.height }}
              onWheel={onWheel}
              onMouseDown={onMouseDown}
              onMouseMove={onMouseMove}
              onMouseUp={onMouseUp}
              onMouseLeave={() => {
                drag.current = undefined
                setHover(undefined)
                setPicking(undefined)
              }}
            />
            {hover !== undefined && (
              <div
                className="timeline-tooltip"
                role="tooltip"
                style={{
                  left: Math.min(hover.x + 12, size.width - 260),
                  top: hover.y + scrollTop + 12,
                }}
              >
                {hover.text}
              </div>
            )}
          </div>
        </div>
      )}
      <ChangeDetail
        span={picked ?? selectedSpan(snapshot, log, pageAheadMs, wire)}
        pageAheadMs={pageAheadMs}
        onShowInLog={onShowInLog}
      />
    </div>
  )
}

/** A view centred on a change, wide enough for its phases. */
function focusOn(span: ChangeSpan | undefined): TimeView | undefined {
  if (span === undefined) return undefined
  const start = Math.min(span.commitAt ?? span.receivedAt, span.receivedAt)
  const width = Math.max(200, (span.endAt - start) * 3)
  const middle = (start + span.endAt) / 2
  return { from: middle - width / 2, to: middle + width / 2 }
}

/** Everything held, with a margin. */
function fit(oldest: number, newest: number): TimeView {
  if (!Number.isFinite(oldest)) return { from: newest - DEFAULT_SPAN_MS, to: newest }
  const margin = Math.max(20, (newest - oldest) * 0.03)
  return { from: oldest - margin, to: Math.max(newest, oldest + MIN_SPAN_MS) + margin }
}

/** The Log's selection, as a span: the timeline shows what the Log picked. */
function selectedSpan(
  snapshot: PanelSnapshot,
  log: ReturnType<PanelStore['shownLog']>,
  pageAheadMs: number,
  wire: ReadonlyMap<string, number>,
): ChangeSpan | undefined {
  const row = snapshot.selected
  if (row?.type !== 'event' || log === undefined) return undefined
  return changeSpan(row, log, pageAheadMs, wire.get(eventIdOf(row.event)))
}

function ChangeDetail({
  span,
  pageAheadMs,
  onShowInLog,
}: {
  span: ChangeSpan | undefined
  pageAheadMs: number
  onShowInLog?(): void
}) {
  if (span === undefined) {
    return (
      <p className="timeline-detail detail-note">
        Pick a bar for the phases of its change: commit, wire, receipt, batch, invalidation, each
        refetch and what it changed.
      </p>
    )
  }
  return (
    <section className="timeline-detail" aria-label="Change phases">
      <p className="timeline-detail-title">{spanLabel(span)}</p>
      <ol className="timeline-phases">
        {spanPhases(span, pageAheadMs).map((phase, i) => (
          <li key={i} className={`timeline-phase phase-${phase.name}`}>
            <span className="mono">{formatTime(phase.at)}</span> {phase.text}
          </li>
        ))}
      </ol>
      {span.rowId !== undefined && onShowInLog && (
        <button type="button" className="link-button" onClick={onShowInLog}>
          Show it in the Log
        </button>
      )}
    </section>
  )
}

function eventIdOf(event: { kind: string }): string {
  return 'eventId' in event && typeof event.eventId === 'string' ? event.eventId : ''
}

/** A row's lane in the density view: its own fields, or the first key its pass matched. */
/** A change's lane in the density view, from the log's columns (no row read per change). */
function denseLane(index: TimelineIndex, i: number, by: LaneBy): string {
  if (by === 'table') return index.tableOf(i) ?? ''
  if (by === 'channel') return index.orgOf(i) ?? ''
  const key = index.firstKeyOf(i)
  return key === undefined ? '(no query invalidated)' : formatKey(key)
}

/** The palette's colours, read from the panel's CSS (light or dark) through a probe element. */
/**
 * The simulated faults, each with what it provoked on the connection (a close, a gap, its
 * replay): read as words, and a click shows its stretch of the timeline.
 */
function FaultCauses({
  marks,
  onPick,
}: {
  marks: readonly TimelineMark[]
  onPick(mark: TimelineMark): void
}) {
  const faults = marks.filter((mark) => mark.faultId !== undefined)
  if (faults.length === 0) return null
  return (
    <ul className="timeline-faults" aria-label="Simulated faults and what followed">
      {faults.slice(-5).map((fault) => {
        const caused = marks
          .filter((mark) => mark.causeId === fault.faultId)
          .sort((a, b) => a.at - b.at)
        return (
          <li key={fault.faultId}>
            <button type="button" className="link-button" onClick={() => onPick(fault)}>
              {fault.label}
            </button>
            {caused.map((mark, i) => (
              <span key={i} className="timeline-fault-caused">
                {' → '}
                {formatTime(mark.at)} {mark.label}
              </span>
            ))}
          </li>
        )
      })}
    </ul>
  )
}

function readColors(canvas: HTMLCanvasElement): TimelineColors {
  const probe = document.createElement('span')
  canvas.parentElement?.appendChild(probe)
  const read = (variable: string, alpha?: number) => {
    probe.style.color = `var(${variable})`
    const color = getComputedStyle(probe).color
    return alpha === undefined ? color : withAlpha(color, alpha)
  }
  const colors = {
    text: read('--text'),
    grid: read('--grid-line'),
    commit: read('--text-secondary'),
    wire: read('--kind-received'),
    batch: read('--kind-deduped'),
    refetch: read('--kind-write'),
    changed: read('--ok'),
    identical: read('--text-secondary'),
    failed: read('--bad'),
    dropped: read('--kind-echo'),
    gap: read('--bad', 0.12),
    fault: read('--warn'),
    faultShade: read('--warn', 0.14),
    selection: read('--accent', 0.18),
    connection: read('--bg-alt'),
  }
  probe.remove()
  return colors
}

function withAlpha(color: string, alpha: number): string {
  const match = /rgba?\(([^)]+)\)/.exec(color)
  if (match === null) return color
  const [r, g, b] = match[1]!.split(',').map((part) => part.trim())
  return `rgba(${r}, ${g}, ${b}, ${alpha})`
}
