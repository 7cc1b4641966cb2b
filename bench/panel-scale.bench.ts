/**
 * The REAL DevTools Realtime panel holding 100,000 events: how long a filter change takes to
 * reach the DOM (store recompute + React commit + the virtualized log showing the filtered
 * newest rows, then one animation frame), and the panel's JS heap.
 */
import type { Frame } from 'puppeteer-core'
import type { LogFilters } from '../extension/panel/store/filters'
import { type BenchBrowser, fillPanel, loadScenario, sleep } from './devtools-path/harness'
import { type HeapFigures, panelHeap, type PanelGlobal } from './devtools-path/panel-probes'
import { median, report, type Row } from './measure'
import { sized } from './smoke'

interface FilterTiming {
  label: string
  /** setFilters(): the store's snapshot recomputed (filtered view of every held row). */
  storeMs: number
  /** Until the DOM shows the newest filtered row and only filtered rows. */
  domMs: number
  /** Until the next animation frame after that (undefined: none within 1 s). */
  frameMs?: number
  rows: number
}

/**
 * In the panel frame: applies `filters` through the store and times it until the virtualized
 * log's DOM reflects the new list (the newest filtered row rendered, every rendered row in it).
 */
function timeFilter(panel: Frame, label: string, filters: Partial<LogFilters> | null) {
  return panel.evaluate(
    async (label, filters): Promise<FilterTiming> => {
      const store = (globalThis as PanelGlobal).__REALTIME_PANEL_STORE__
      const list = document.querySelector('[role="listbox"]')
      if (list === null) throw new Error('the panel shows no event log')
      const reflected = () => {
        const rows = store.getSnapshot().rows
        const newest = rows.at(rows.length - 1)
        if (newest === undefined) return list.querySelector('[role="option"]') === null
        if (document.getElementById(`log-row-${newest.id}`) === null) return false
        for (const element of list.querySelectorAll('[role="option"]')) {
          if (rows.indexOfId(Number(element.getAttribute('data-row-id'))) === -1) return false
        }
        return true
      }
      const start = performance.now()
      if (filters === null) store.clearFilters()
      else store.setFilters(filters)
      const storeMs = performance.now() - start
      await new Promise<void>((resolve, reject) => {
        const timeout = setTimeout(() => {
          observer.disconnect()
          reject(new Error(`the log did not reflect the ${label} filter within 5 s`))
        }, 5_000)
        const check = () => {
          if (!reflected()) return
          clearTimeout(timeout)
          observer.disconnect()
          resolve()
        }
        const observer = new MutationObserver(check)
        observer.observe(list, { childList: true, subtree: true, attributes: true })
        queueMicrotask(check)
      })
      const domMs = performance.now() - start
      const frameMs = await new Promise<number | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), 1_000)
        requestAnimationFrame(() => {
          clearTimeout(timer)
          resolve(performance.now() - start)
        })
      })
      return { label, storeMs, domMs, frameMs, rows: store.getSnapshot().rows.length }
    },
    label,
    filters,
  )
}

/** The page's QueryClient holds this many queries besides its own, and the Queries tab watches. */
const CACHED_QUERIES = sized(10_000, 200)
/** Events the panel holds. */
const EVENTS = sized(100_000, 2_000)

export async function runPanelScaleBench(bench: BenchBrowser): Promise<Row[]> {
  await loadScenario(bench, 'scale', `queries=${CACHED_QUERIES}`)
  await bench.panel.evaluate(() =>
    (globalThis as PanelGlobal).__REALTIME_PANEL_STORE__.watchQueries(true),
  )
  // The panel's heap with this session's log still empty: what earlier sessions left behind.
  const heapEmpty = await panelHeap(bench)
  const counts = await fillPanel(bench, EVENTS)
  await sleep(300)
  const heapBefore = await panelHeap(bench)

  const changes: [string, Partial<LogFilters>][] = [
    ['text "r42"', { text: 'r42' }],
    ['kind invalidated', { kinds: ['invalidated'] }],
    ['table contacts', { table: 'contacts' }],
    ['kind received + text "deal"', { kinds: ['received'], text: 'deal' }],
  ]
  const applied: FilterTiming[] = []
  const cleared: FilterTiming[] = []
  for (let round = 0; round < sized(3, 1); round++) {
    for (const [label, filters] of changes) {
      applied.push(await timeFilter(bench.panel, label, filters))
      cleared.push(await timeFilter(bench.panel, `clear after ${label}`, null))
    }
  }
  const heap = await panelHeap(bench)
  const queries = await bench.panel.evaluate(() => {
    const list = (globalThis as PanelGlobal).__REALTIME_PANEL_STORE__.getSnapshot().engine?.queries
    return { total: list?.total ?? 0, held: list?.queries.length ?? 0 }
  })
  await bench.panel.evaluate(() =>
    (globalThis as PanelGlobal).__REALTIME_PANEL_STORE__.watchQueries(false),
  )

  const domMedian = median(applied.map((t) => t.domMs))
  const frames = applied.map((t) => t.frameMs).filter((ms): ms is number => ms !== undefined)
  const frameMedian = frames.length > 0 ? median(frames) : Number.NaN
  const worst = applied.reduce((a, b) => (b.domMs > a.domMs ? b : a))
  const perFilter = changes
    .map(([label]) => {
      const mine = applied.filter((t) => t.label === label)
      return `${label} → ${mine[0]!.rows.toLocaleString('en-US')} rows: ${mine.map((t) => t.domMs.toFixed(0)).join('/')} ms`
    })
    .join('; ')
  const mb = (figures: HeapFigures) => figures.cdpUsedMb ?? figures.perfUsedMb
  const heapMb = mb(heap)
  const rows: Row[] = [
    {
      id: 'panel-scale-filter-change',
      name: `filter change with ${counts.held.toLocaleString('en-US')} events held and the Queries tab watching ${queries.total.toLocaleString('en-US')} queries (${queries.held.toLocaleString('en-US')} listed), median of ${applied.length}`,
      figure:
        `${domMedian.toFixed(1)} ms to the DOM (store recompute median ${median(applied.map((t) => t.storeMs)).toFixed(1)} ms; ` +
        `+ next frame: ${Number.isNaN(frameMedian) ? 'no frame within 1 s' : `${frameMedian.toFixed(1)} ms`}; worst ${worst.domMs.toFixed(0)} ms (${worst.label}); ` +
        `clearing: median ${median(cleared.map((t) => t.domMs)).toFixed(1)} ms) — ${perFilter}`,
      value: domMedian,
      target: '< 100 ms',
      ok: domMedian < 100,
    },
    {
      id: 'panel-scale-heap',
      name: `panel JS heap holding ${counts.held.toLocaleString('en-US')} events and ${queries.held.toLocaleString('en-US')} query summaries`,
      figure:
        `${heapMb.toFixed(1)} MB after GC (${heap.cdpUsedMb === undefined ? `performance.memory; CDP failed: ${heap.cdpError}` : 'CDP Runtime.getHeapUsage on the panel OOPIF target'}); ` +
        `performance.memory used ${heap.perfUsedMb.toFixed(1)} / total ${heap.perfTotalMb.toFixed(1)} MB; ` +
        `before the filter runs ${mb(heapBefore).toFixed(1)} MB; with this session's log still empty ${mb(heapEmpty).toFixed(1)} MB (kept from earlier sessions)`,
      value: heapMb,
      target: '< 150 MB',
      ok: heapMb < 150,
    },
  ]
  report('REAL DevTools panel holding 100,000 events', rows)
  return rows
}
