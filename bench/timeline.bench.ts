/**
 * The REAL DevTools panel's Timeline tab with 100,000 events held: what a frame of the timeline
 * costs (the tab's render to its canvas drawn, as TimelineView reports it) while the page streams
 * 1,000 events/s and the timeline follows them, then what one zoom (a wheel step) and one pan (a
 * drag) cost until the canvas shows the new view. Measured in the panel's own frame.
 */
import type { Frame } from 'puppeteer-core'
import type { TimelineProbeGlobal } from '../extension/panel/components/TimelineView'
import { type BenchBrowser, fillPanel, loadScenario, sleep, stream } from './devtools-path/harness'
import { fmt, median, percentile, report, type Row } from './measure'
import { sized } from './smoke'

const EVENTS = sized(100_000, 2_000)
const STREAM_RATE = 1_000
const STREAM_MS = sized(8_000, 1_000)
const STEPS = sized(12, 2)

type ProbeWindow = TimelineProbeGlobal & { __timelineFrames?: { ms: number; bars: number }[] }

/** Starts collecting the timeline's frame costs in the panel. */
function collect(panel: Frame) {
  return panel.evaluate(() => {
    const win = globalThis as ProbeWindow
    win.__timelineFrames = []
    win.__REALTIME_TIMELINE_PROBE__ = (ms, bars) => win.__timelineFrames!.push({ ms, bars })
  })
}

function collected(panel: Frame) {
  return panel.evaluate(() => (globalThis as ProbeWindow).__timelineFrames ?? [])
}

/** One interaction on the canvas, timed until the timeline has drawn again (or 2 s). */
function timeStep(panel: Frame, kind: 'zoom' | 'pan', step: number) {
  return panel.evaluate(
    async (kind, step): Promise<number> => {
      const win = globalThis as ProbeWindow
      const canvas = document.querySelector('.timeline-canvas')
      if (canvas === null) throw new Error('the timeline shows no canvas')
      const rect = canvas.getBoundingClientRect()
      const x = rect.left + rect.width * (0.3 + 0.05 * (step % 8))
      const y = rect.top + rect.height / 2
      const drawn = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2_000)
        win.__REALTIME_TIMELINE_PROBE__ = (ms, bars) => {
          win.__timelineFrames?.push({ ms, bars })
          clearTimeout(timer)
          resolve()
        }
      })
      const start = performance.now()
      if (kind === 'zoom') {
        // In for the first steps (the view narrows from density columns to bars), then in and
        // out by turns.
        canvas.dispatchEvent(
          new WheelEvent('wheel', {
            bubbles: true,
            clientX: x,
            clientY: y,
            deltaY: step < 8 || step % 2 === 0 ? -300 : 300,
          }),
        )
      } else {
        const mouse = (type: string, clientX: number) =>
          canvas.dispatchEvent(
            new MouseEvent(type, { bubbles: true, clientX, clientY: y, button: 0 }),
          )
        mouse('mousedown', x)
        mouse('mousemove', x + (step % 2 === 0 ? 60 : -60))
        mouse('mouseup', x + (step % 2 === 0 ? 60 : -60))
      }
      await drawn
      return performance.now() - start
    },
    kind,
    step,
  )
}

export async function runTimelineBench(bench: BenchBrowser): Promise<Row[]> {
  await loadScenario(bench, 'timeline')
  const counts = await fillPanel(bench, EVENTS)
  await bench.panel.evaluate(() => {
    const tab = [...document.querySelectorAll('[role="tab"]')].find(
      (t) => t.textContent === 'Timeline',
    )
    if (!(tab instanceof HTMLElement)) throw new Error('the panel has no Timeline tab')
    tab.click()
  })
  await sleep(500)

  // Streaming: the timeline follows the newest second by second.
  await collect(bench.panel)
  await stream(bench.tab, { rate: STREAM_RATE, durationMs: STREAM_MS, tickMs: 10 })
  const frames = await collected(bench.panel)
  const costs = frames.map((f) => f.ms).sort((a, b) => a - b)
  const p95 = percentile(costs, 95)
  const worst = costs.at(-1) ?? Number.NaN

  // Zoom and pan, one step at a time, nothing streaming.
  const zooms: number[] = []
  const pans: number[] = []
  for (let step = 0; step < STEPS; step++) {
    zooms.push(await timeStep(bench.panel, 'zoom', step))
    pans.push(await timeStep(bench.panel, 'pan', step))
  }
  const bars = Math.max(0, ...(await collected(bench.panel)).map((f) => f.bars))
  await bench.panel.evaluate(() => {
    delete (globalThis as ProbeWindow).__REALTIME_TIMELINE_PROBE__
    const tab = [...document.querySelectorAll('[role="tab"]')].find((t) => t.textContent === 'Log')
    if (tab instanceof HTMLElement) tab.click()
  })
  const steps = [...zooms, ...pans].sort((a, b) => a - b)
  const slowestStep = steps.at(-1) ?? Number.NaN
  const held = counts.held.toLocaleString('en-US')
  const rows: Row[] = [
    {
      id: 'timeline-frame',
      name: `Timeline frame with ${held} events held, the page streaming ${fmt(STREAM_RATE)} events/s, following (${frames.length} frames)`,
      figure: `p95 ${fmt(p95, 1)} ms (median ${fmt(median(costs), 1)}, worst ${fmt(worst, 1)}) from the tab's render to its canvas drawn`,
      value: p95,
      target: '≤ 16 ms',
      ok: p95 <= 16,
    },
    {
      id: 'timeline-zoom-pan',
      name: `Timeline zoom (wheel) and pan (drag) with ${held} events held, ${steps.length} steps`,
      figure: `slowest step ${fmt(slowestStep, 1)} ms (zoom median ${fmt(median(zooms), 1)}, pan median ${fmt(median(pans), 1)} ms; up to ${fmt(bars)} bars drawn)`,
      value: slowestStep,
      target: '≤ 50 ms per step',
      ok: slowestStep <= 50,
    },
  ]
  report('REAL DevTools panel: the Timeline tab', rows)
  return rows
}
