import {
  type ChangeSpan,
  type LaneBy,
  lanesOf,
  spanStart,
  type MarkKind,
  type TimelineMark,
} from '../store/timeline'

/**
 * The timeline on a canvas: a time ruler, the connection's track, then one lane per channel,
 * table or query key. A change is a bar of its phases; in view by the thousands it becomes a
 * density strip (one column per pixel), so a frame costs the same whatever the log holds.
 */

export interface TimeView {
  from: number
  to: number
}

export interface DrawInput {
  width: number
  /** The canvas' height on screen (the lanes scroll under it). */
  height: number
  scrollTop: number
  view: TimeView
  laneBy: LaneBy
  /** Detailed: every change's phases. */
  spans?: readonly ChangeSpan[]
  /** Dense: so many in view that a column per pixel says how many, by lane. */
  dense?: DenseSource
  marks: readonly TimelineMark[]
  /** The Log's selected row, drawn outlined. */
  selectedRowId?: number
  /** A range being picked with shift+drag. */
  picking?: TimeView
  colors: TimelineColors
}

/** The changes in view when too many for bars: read by index, nothing allocated per change. */
export interface DenseSource {
  count: number
  at(index: number): number
  lane(index: number): string
}

export interface TimelineColors {
  text: string
  grid: string
  commit: string
  wire: string
  batch: string
  refetch: string
  changed: string
  identical: string
  failed: string
  dropped: string
  gap: string
  /** A simulated fault's mark, and the shade over its span. */
  fault: string
  faultShade: string
  selection: string
  connection: string
}

/** Where each drawn thing is, for hover and click. */
export interface HitMap {
  spans: { x0: number; x1: number; y0: number; y1: number; span: ChangeSpan }[]
  marks: { x: number; y0: number; y1: number; mark: TimelineMark }[]
  lanes: { name: string; y: number; height: number }[]
  contentHeight: number
}

export const RULER_H = 20
export const TRACK_H = 26
const LANE_HEADER_H = 14
const ROW_H = 10
const ROW_GAP = 2
const MAX_ROWS_PER_LANE = 6
const DENSE_LANE_H = 22

export function drawTimeline(ctx: CanvasRenderingContext2D, input: DrawInput): HitMap {
  const { width, height, view, colors } = input
  const hits: HitMap = { spans: [], marks: [], lanes: [], contentHeight: 0 }
  ctx.clearRect(0, 0, width, height)
  ctx.font = '11px system-ui, sans-serif'
  ctx.textBaseline = 'middle'
  const scale = width / Math.max(1, view.to - view.from)
  const x = (at: number) => (at - view.from) * scale

  // The lanes first, under the ruler and the track, which stay on top as they scroll.
  const top = RULER_H + TRACK_H - input.scrollTop
  const lanesHeight =
    input.dense !== undefined
      ? drawDense(ctx, input, x, top, hits)
      : drawSpans(ctx, input, x, top, hits)
  hits.contentHeight = RULER_H + TRACK_H + lanesHeight

  // Gaps shade everything they cover: nothing arrived on that channel then. So do faults.
  for (const mark of input.marks) {
    if (mark.from === undefined) continue
    ctx.fillStyle = mark.kind === 'fault' ? colors.faultShade : colors.gap
    ctx.fillRect(x(mark.from), RULER_H, Math.max(1, x(mark.at) - x(mark.from)), height)
  }

  ctx.clearRect(0, 0, width, RULER_H + TRACK_H)
  drawRuler(ctx, input, x)
  drawTrack(ctx, input, x, hits)
  if (input.picking !== undefined) {
    ctx.fillStyle = colors.selection
    const x0 = x(Math.min(input.picking.from, input.picking.to))
    const x1 = x(Math.max(input.picking.from, input.picking.to))
    ctx.fillRect(x0, 0, Math.max(1, x1 - x0), height)
  }
  return hits
}

function drawSpans(
  ctx: CanvasRenderingContext2D,
  input: DrawInput,
  x: (at: number) => number,
  top: number,
  hits: HitMap,
): number {
  const { colors, width } = input
  const lanes = new Map<string, ChangeSpan[]>()
  for (const span of input.spans ?? []) {
    for (const lane of lanesOf(span, input.laneBy)) {
      let list = lanes.get(lane)
      if (list === undefined) lanes.set(lane, (list = []))
      list.push(span)
    }
  }
  let y = top
  for (const name of [...lanes.keys()].sort()) {
    const spans = lanes.get(name)!
    spans.sort((a, b) => spanStart(a) - spanStart(b))
    // Greedy packing: each change in the first row free at its start (the newest past the last).
    const rowEnds: number[] = []
    const rowOf = spans.map((span) => {
      const start = x(spanStart(span))
      let row = rowEnds.findIndex((end) => end < start - 1)
      if (row === -1)
        row = rowEnds.length < MAX_ROWS_PER_LANE ? rowEnds.length : MAX_ROWS_PER_LANE - 1
      rowEnds[row] = Math.max(x(span.endAt), start + 2)
      return row
    })
    const rows = Math.max(1, rowEnds.length)
    const laneHeight = LANE_HEADER_H + rows * (ROW_H + ROW_GAP) + 4
    hits.lanes.push({ name, y, height: laneHeight })
    if (y + laneHeight >= RULER_H + TRACK_H && y <= input.height) {
      ctx.fillStyle = colors.grid
      ctx.fillRect(0, y, width, 1)
      ctx.fillStyle = colors.text
      ctx.fillText(name, 4, y + LANE_HEADER_H / 2 + 1)
      spans.forEach((span, i) => {
        const y0 = y + LANE_HEADER_H + rowOf[i]! * (ROW_H + ROW_GAP)
        drawSpan(
          ctx,
          span,
          x,
          y0,
          colors,
          span.rowId !== undefined && span.rowId === input.selectedRowId,
        )
        hits.spans.push({
          x0: x(spanStart(span)) - 2,
          x1: x(span.endAt) + 2,
          y0,
          y1: y0 + ROW_H,
          span,
        })
      })
    }
    y += laneHeight
  }
  if (lanes.size === 0) {
    ctx.fillStyle = colors.text
    ctx.fillText('No change in this range.', 8, top + 14)
  }
  return y - top
}

/** One change: commit → wire → received → batch wait → invalidated → refetches → its verdict. */
function drawSpan(
  ctx: CanvasRenderingContext2D,
  span: ChangeSpan,
  x: (at: number) => number,
  y: number,
  colors: TimelineColors,
  selected: boolean,
): void {
  const segment = (from: number | undefined, to: number | undefined, color: string, h = ROW_H) => {
    if (from === undefined || to === undefined || to < from) return
    ctx.fillStyle = color
    ctx.fillRect(x(from), y + (ROW_H - h) / 2, Math.max(1, x(to) - x(from)), h)
  }
  const wire = span.wireAt ?? span.receivedAt
  segment(span.commitAt, wire, colors.commit, 4)
  segment(wire, span.receivedAt, colors.wire, 6)
  segment(span.receivedAt, span.passAt, colors.batch, 6)
  for (const refetch of span.refetches) {
    segment(
      refetch.startAt,
      refetch.endAt,
      refetch.outcome === 'error' ? colors.failed : colors.refetch,
    )
  }
  // The end says what came of it.
  const end = x(span.endAt)
  ctx.fillStyle = verdictColor(span, colors)
  ctx.fillRect(end - 1, y - 1, 3, ROW_H + 2)
  if (span.passAt !== undefined) {
    ctx.fillStyle = colors.changed
    ctx.fillRect(x(span.passAt), y, 1, ROW_H)
  }
  if (selected) {
    ctx.strokeStyle = colors.text
    ctx.lineWidth = 1.5
    const x0 = x(spanStart(span))
    ctx.strokeRect(x0 - 2, y - 2, Math.max(4, end - x0 + 4), ROW_H + 4)
  }
}

export function verdictColor(span: ChangeSpan, colors: TimelineColors): string {
  switch (span.verdict) {
    case 'changed':
      return colors.changed
    case 'failed':
    case 'not-invalidated':
      return colors.failed
    case 'dropped':
      return colors.dropped
    default:
      return colors.identical
  }
}

function drawDense(
  ctx: CanvasRenderingContext2D,
  input: DrawInput,
  x: (at: number) => number,
  top: number,
  hits: HitMap,
): number {
  const { width, colors } = input
  const columns = new Map<string, Uint32Array>()
  const dense = input.dense
  const size = Math.ceil(width)
  let lastLane: string | undefined
  let counts: Uint32Array | undefined
  for (let i = 0; i < (dense?.count ?? 0); i++) {
    const column = Math.floor(x(dense!.at(i)))
    if (column < 0 || column >= width) continue
    const lane = dense!.lane(i)
    // Neighbours mostly share a lane: one map lookup per run, not per change.
    if (lane !== lastLane) {
      lastLane = lane
      counts = columns.get(lane)
      if (counts === undefined) columns.set(lane, (counts = new Uint32Array(size)))
    }
    counts![column]!++
  }
  let y = top
  for (const name of [...columns.keys()].sort()) {
    const counts = columns.get(name)!
    let max = 1
    for (const n of counts) if (n > max) max = n
    hits.lanes.push({ name, y, height: DENSE_LANE_H + LANE_HEADER_H })
    ctx.fillStyle = colors.grid
    ctx.fillRect(0, y, width, 1)
    ctx.fillStyle = colors.text
    ctx.fillText(`${name} (changes per pixel, up to ${max})`, 4, y + LANE_HEADER_H / 2 + 1)
    ctx.fillStyle = colors.wire
    const base = y + LANE_HEADER_H + DENSE_LANE_H
    for (let column = 0; column < counts.length; column++) {
      const n = counts[column]!
      if (n === 0) continue
      const h = Math.max(1, Math.round((Math.log1p(n) / Math.log1p(max)) * (DENSE_LANE_H - 2)))
      ctx.fillRect(column, base - h, 1, h)
    }
    y += LANE_HEADER_H + DENSE_LANE_H
  }
  return y - top
}

/** Ticks at 1, 2 or 5 × 10ⁿ ms, labelled without repeating what the previous label said. */
function drawRuler(ctx: CanvasRenderingContext2D, input: DrawInput, x: (at: number) => number) {
  const { view, width, colors } = input
  const span = view.to - view.from
  const step = tickStep(span / Math.max(1, width / 90))
  ctx.fillStyle = colors.grid
  ctx.fillRect(0, RULER_H - 1, width, 1)
  ctx.fillStyle = colors.text
  let first = true
  for (let at = Math.ceil(view.from / step) * step; at <= view.to; at += step) {
    const px = x(at)
    ctx.fillStyle = colors.grid
    ctx.fillRect(px, RULER_H - 5, 1, 5)
    ctx.fillStyle = colors.text
    // The first label says the whole time; the next ones only what changes. A label the right
    // edge would cut keeps its tick only (a clipped "19:04:1" misreads).
    const label = first ? fullLabel(at, step) : tickLabel(at, step)
    if (px + 2 + ctx.measureText(label).width <= width) ctx.fillText(label, px + 2, RULER_H / 2)
    first = false
  }
}

export function tickStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(1, rough)))
  for (const m of [1, 2, 5, 10]) if (power * m >= rough) return power * m
  return power * 10
}

function fullLabel(at: number, step: number): string {
  const label = tickLabel(at, 1_000)
  return step >= 1_000
    ? label
    : `${label}${tickLabel(at, step).startsWith('.') ? tickLabel(at, step) : ''}`
}

/** 12:03:04 for whole seconds, .250 within a second: the step decides the precision. */
export function tickLabel(at: number, step: number): string {
  const date = new Date(at)
  const hms = [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':')
  if (step >= 1_000) return hms
  const ms = String(date.getMilliseconds()).padStart(3, '0')
  return date.getMilliseconds() === 0 ? hms : `.${ms}`
}

const MARK_ROW: Record<MarkKind, number> = {
  'socket-open': 0,
  'socket-close': 0,
  'heartbeat-missed': 0,
  'token-expired': 0,
  join: 1,
  live: 1,
  'channel-closed': 1,
  gap: 1,
  'refetch-all': 1,
  unconfirmed: 1,
  fault: 0,
}

function markColor(kind: MarkKind, colors: TimelineColors): string {
  switch (kind) {
    case 'socket-open':
    case 'join':
    case 'live':
      return colors.changed
    case 'gap':
    case 'refetch-all':
    case 'unconfirmed':
    case 'socket-close':
    case 'channel-closed':
    case 'token-expired':
      return colors.failed
    case 'heartbeat-missed':
      return colors.batch
    case 'fault':
      return colors.fault
  }
}

/** The connection's track: sockets on the first row, channels, gaps and replays on the second. */
function drawTrack(
  ctx: CanvasRenderingContext2D,
  input: DrawInput,
  x: (at: number) => number,
  hits: HitMap,
) {
  const { colors, width, view } = input
  ctx.fillStyle = colors.connection
  ctx.fillRect(0, RULER_H, width, TRACK_H)
  ctx.fillStyle = colors.grid
  ctx.fillRect(0, RULER_H + TRACK_H - 1, width, 1)
  for (const mark of input.marks) {
    // A fault is marked where it began: its span is the shade.
    const at = mark.kind === 'fault' ? (mark.from ?? mark.at) : mark.at
    if (at < view.from - 1 || at > view.to + 1) continue
    const px = x(at)
    const y0 = RULER_H + 2 + MARK_ROW[mark.kind] * 12
    ctx.fillStyle = markColor(mark.kind, colors)
    ctx.fillRect(px - 1, y0, 3, 10)
    hits.marks.push({ x: px, y0, y1: y0 + 10, mark })
  }
}

/** What is under the pointer: a change, a mark, or nothing. */
export function hitTest(
  hits: HitMap,
  px: number,
  py: number,
): { span: ChangeSpan } | { mark: TimelineMark } | undefined {
  for (const hit of hits.marks) {
    if (Math.abs(hit.x - px) <= 4 && py >= hit.y0 && py <= hit.y1) return { mark: hit.mark }
  }
  for (let i = hits.spans.length - 1; i >= 0; i--) {
    const hit = hits.spans[i]!
    if (px >= hit.x0 && px <= hit.x1 && py >= hit.y0 && py <= hit.y1) return { span: hit.span }
  }
  return undefined
}
