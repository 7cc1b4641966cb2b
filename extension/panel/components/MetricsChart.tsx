import { useEffect, useRef, useState } from 'react'
import type uPlot from 'uplot'
import type { MinuteMetrics } from '../../../src/types'
import { formatMinute } from '../store/format'

export const CHART_SERIES = [
  { key: 'received', label: 'received', color: '#1a73e8' },
  { key: 'processed', label: 'processed', color: '#1e8e3e' },
  { key: 'deduped', label: 'deduped', color: '#e37400' },
  { key: 'echo', label: 'echo', color: '#a142f4' },
  { key: 'invalidations', label: 'invalidations', color: '#d93025' },
  { key: 'refetches', label: 'refetches', color: '#12b5cb' },
] as const satisfies readonly { key: keyof MinuteMetrics; label: string; color: string }[]

const HEIGHT = 220

/** One point of the chart: when (epoch ms) and a value per series. */
export type ChartRow = { at: number } & Record<(typeof CHART_SERIES)[number]['key'], number>

export interface MetricsChartProps {
  /** Oldest first: dense minutes (counts per minute), or rates by the second. */
  rows: readonly ChartRow[]
  unit: 'minute' | 'second'
}

/** Minutes as chart rows. */
export function minuteRows(minutes: readonly MinuteMetrics[]): ChartRow[] {
  return minutes.map((m) => ({ ...m, at: m.minute }))
}

/** Tick steps (seconds) the x axis may use: whole minutes for minutes, so no label repeats. */
const MINUTE_STEPS = [60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 21_600, 43_200, 86_400]
const SECOND_STEPS = [1, 2, 5, 10, 15, 30, ...MINUTE_STEPS]

/** uPlot needs a real layout engine (and matchMedia at import): jsdom has neither. */
export function chartSupported(): boolean {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function'
}

function toData(rows: readonly ChartRow[]): uPlot.AlignedData {
  return [
    rows.map((r) => r.at / 1000),
    ...CHART_SERIES.map((series) => rows.map((r) => r[series.key])),
  ]
}

/** 12:03 for a minute, 12:03:04 for a second. */
function timeLabel(seconds: number, unit: 'minute' | 'second'): string {
  if (unit === 'minute') return formatMinute(seconds * 1_000)
  const date = new Date(seconds * 1_000)
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':')
}

/**
 * Per-minute rates as lines (uPlot, loaded on first use). Resizes with its container; the
 * current minute updates with every engine-state (about once a second).
 */
export function MetricsChart({ rows, unit }: MetricsChartProps) {
  const container = useRef<HTMLElement>(null)
  const plot = useRef<uPlot | undefined>(undefined)
  const latest = useRef(rows)
  const [supported] = useState(chartSupported)
  const [failed, setFailed] = useState<string | undefined>()

  // Declared first: the chart, created asynchronously, starts from the newest data.
  useEffect(() => {
    latest.current = rows
    plot.current?.setData(toData(rows))
  }, [rows])

  useEffect(() => {
    if (!supported) return
    let cancelled = false
    let observer: ResizeObserver | undefined
    import('uplot')
      .then(({ default: UPlot }) => {
        const element = container.current
        if (cancelled || element === null) return
        const style = getComputedStyle(element)
        const axis = style.getPropertyValue('--text-secondary').trim() || '#666'
        const grid = style.getPropertyValue('--grid-line').trim() || 'rgba(128,128,128,0.2)'
        const axisOptions = {
          stroke: axis,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid },
        }
        plot.current = new UPlot(
          {
            width: Math.max(200, element.clientWidth),
            height: HEIGHT,
            scales: {
              x: {
                time: true,
                // The data's own minutes and half a minute either side: a session's first minute
                // is a point in the middle, not one point among empty minutes (with a single
                // point uPlot would propose a 1,000-day range).
                range: (chart) => {
                  const xs = chart.data[0]
                  const max = xs[xs.length - 1] ?? 0
                  const min = xs[0] ?? max
                  return unit === 'minute' ? [min - 30, max + 30] : [Math.min(min, max - 10), max]
                },
              },
              // The data's own height: a session's first events are not a dot at the bottom.
              y: { range: (_plot, _min, max) => [0, Math.max(1, max * 1.15)] },
            },
            axes: [
              // One label per 90 px at least, on whole minutes (or seconds): none repeats.
              {
                ...axisOptions,
                space: 90,
                incrs: unit === 'minute' ? MINUTE_STEPS : SECOND_STEPS,
                values: (_chart, ticks) => ticks.map((s) => timeLabel(s, unit)),
              },
              { ...axisOptions, label: `events / ${unit}`, size: 50 },
            ],
            // The legend names the lines; values show in the table (a hover-less legend reads "--").
            legend: { live: false },
            series: [
              { label: 'minute' },
              ...CHART_SERIES.map((series) => ({
                label: series.label,
                stroke: series.color,
                width: 1.5,
                // A minute alone is a point, not an invisible zero-length line.
                points: { show: true, size: 5 },
              })),
            ],
          },
          toData(latest.current),
          element,
        )
        if (typeof ResizeObserver === 'function') {
          observer = new ResizeObserver(() => {
            const width = Math.max(200, element.clientWidth)
            plot.current?.setSize({ width, height: HEIGHT })
          })
          observer.observe(element)
        }
      })
      .catch((error: unknown) => setFailed(String(error)))
    return () => {
      cancelled = true
      observer?.disconnect()
      plot.current?.destroy()
      plot.current = undefined
    }
  }, [supported, unit])

  if (!supported || failed !== undefined) {
    return (
      <p className="detail-note chart-unavailable">
        Chart unavailable here{failed ? ` (${failed})` : ''}: the table below has the same numbers.
      </p>
    )
  }
  return (
    <figure
      ref={container}
      className="metrics-chart"
      aria-label={unit === 'minute' ? 'Per-minute rates chart' : 'Rates by the second chart'}
    />
  )
}
