/**
 * The REAL DevTools Realtime panel holding 1,000,000 events (its cap set to that, as a user
 * would): how long a filter change takes to reach the DOM (store recompute + React commit + the
 * virtualized log showing the filtered newest rows, then one animation frame), how long selecting
 * a row takes until its decision trail shows, an Export JSON of all of them (its longest task),
 * and the panel's memory: its JS heap and the typed arrays' backing stores the columns live in.
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

/**
 * In the panel frame: selects the row `id` through the store (as a click does) and times it until
 * the detail pane shows that event's decision trail, then one animation frame.
 */
function timeSelect(panel: Frame, id: number) {
  return panel.evaluate(
    async (id): Promise<{ domMs: number; frameMs?: number; seq: number; taskMs: number }> => {
      const store = (globalThis as PanelGlobal).__REALTIME_PANEL_STORE__
      const tasks: number[] = []
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) tasks.push(entry.duration)
      })
      observer.observe({ type: 'longtask' })
      const start = performance.now()
      if (!store.selectRowId(id)) throw new Error(`row ${id} is not held`)
      const selected = store.getSnapshot().selected
      if (selected?.type !== 'event') throw new Error(`row ${id} is not an event`)
      const seq = selected.event.seq
      const shown = () => {
        const title = document.querySelector('.detail-pane .detail-title')
        return (
          document.querySelector('.detail-pane ol.trail') !== null &&
          title !== null &&
          (title.textContent ?? '').includes(`#${seq}`)
        )
      }
      await new Promise<void>((resolve, reject) => {
        const timeout = setTimeout(() => {
          observer.disconnect()
          reject(new Error(`the trail of #${seq} did not show within 5 s`))
        }, 5_000)
        const check = () => {
          if (!shown()) return
          clearTimeout(timeout)
          observer.disconnect()
          resolve()
        }
        const observer = new MutationObserver(check)
        observer.observe(document.body, { childList: true, subtree: true, characterData: true })
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
      for (const entry of observer.takeRecords()) tasks.push(entry.duration)
      observer.disconnect()
      return { domMs, frameMs, seq, taskMs: Math.max(0, ...tasks) }
    },
    id,
  )
}

/**
 * In the panel frame: the Export JSON of every held event, written as the button writes it
 * (in steps, into a Blob), with the longest task the panel ran meanwhile (longtask entries, and
 * the longest gap between two turns of its event loop as a check).
 */
function timeExport(panel: Frame) {
  return panel.evaluate(async () => {
    const store = (globalThis as PanelGlobal).__REALTIME_PANEL_STORE__
    const tasks: number[] = []
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) tasks.push(entry.duration)
    })
    observer.observe({ type: 'longtask' })
    let longestGap = 0
    let last = performance.now()
    let ticking = true
    const channel = new MessageChannel()
    channel.port1.onmessage = () => {
      const now = performance.now()
      longestGap = Math.max(longestGap, now - last)
      last = now
      if (ticking) channel.port2.postMessage(null)
    }
    channel.port2.postMessage(null)
    const start = performance.now()
    let blob = new Blob([])
    let pending: string[] = []
    let pendingChars = 0
    let chars = 0
    let longestFold = 0
    const fileName = await store.exportLogPieces({ redact: true }, (piece) => {
      pending.push(piece)
      pendingChars += piece.length
      chars += piece.length
      if (pendingChars >= 2 * 1024 * 1024) {
        const foldStart = performance.now()
        blob = new Blob([blob, ...pending])
        longestFold = Math.max(longestFold, performance.now() - foldStart)
        pending = []
        pendingChars = 0
      }
    })
    blob = new Blob([blob, ...pending], { type: 'application/json' })
    const totalMs = performance.now() - start
    ticking = false
    channel.port1.close()
    for (const entry of observer.takeRecords()) tasks.push(entry.duration)
    observer.disconnect()
    return {
      fileName: fileName ?? '',
      totalMs,
      mb: blob.size / 2 ** 20,
      chars,
      longestTaskMs: tasks.length > 0 ? Math.max(...tasks) : 0,
      longTasks: tasks.length,
      longestGapMs: longestGap,
      longestFoldMs: longestFold,
    }
  })
}

/** The page's QueryClient holds this many queries besides its own, and the Queries tab watches. */
const CACHED_QUERIES = sized(10_000, 200)
/** Events the panel holds: its cap, set as the user sets it in the status line. */
const EVENTS = sized(1_000_000, 2_000)

export async function runPanelScaleBench(bench: BenchBrowser): Promise<Row[]> {
  await loadScenario(bench, 'scale', `queries=${CACHED_QUERIES}`)
  await bench.panel.evaluate(() =>
    (globalThis as PanelGlobal).__REALTIME_PANEL_STORE__.watchQueries(true),
  )
  // The panel's heap with this session's log still empty: what earlier sessions left behind.
  const heapEmpty = await panelHeap(bench)
  await bench.panel.evaluate(
    (cap) => (globalThis as PanelGlobal).__REALTIME_PANEL_STORE__.setMaxEvents(cap),
    EVENTS,
  )
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
  // Selecting rows across the log (oldest, middle, newest): each until its trail shows, on the
  // Log tab as a user does it, so with the Queries tab closed (its list no longer watched: a
  // watched list of 2,000 summaries arrives and is read once a second, whatever the Log does).
  const ids = await bench.panel.evaluate(() => {
    const rows = (globalThis as PanelGlobal).__REALTIME_PANEL_STORE__.getSnapshot().rows
    const pick = (index: number) => {
      for (let i = index; i < rows.length; i++) {
        const row = rows.at(i)
        if (row?.type === 'event') return row.id
      }
      return undefined
    }
    const at = [0, 0.25, 0.5, 0.75, 0.999].map((f) => pick(Math.floor(rows.length * f)))
    return at.filter((id): id is number => id !== undefined)
  })
  const selects: { domMs: number; frameMs?: number; seq: number; taskMs: number }[] = []
  for (let round = 0; round < sized(3, 1); round++) {
    for (const id of ids) selects.push(await timeSelect(bench.panel, id))
  }
  await bench.panel.evaluate(() =>
    (globalThis as PanelGlobal).__REALTIME_PANEL_STORE__.select(undefined),
  )
  const exported = await timeExport(bench.panel)

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
  // The columns' typed arrays live outside the JS heap: counted with it, as the memory they hold.
  const heapMb = mb(heap) + (heap.cdpBackingMb ?? 0)
  const selectWorst = Math.max(...selects.map((t) => t.frameMs ?? t.domMs))
  const selectMedian = median(selects.map((t) => t.domMs))
  const rows: Row[] = [
    {
      id: 'panel-scale-filter-change',
      name: `filter change with ${counts.held.toLocaleString('en-US')} events held and the Queries tab watching ${queries.total.toLocaleString('en-US')} queries (${queries.held.toLocaleString('en-US')} listed), median of ${applied.length}`,
      figure:
        `${domMedian.toFixed(1)} ms to the DOM (store recompute median ${median(applied.map((t) => t.storeMs)).toFixed(1)} ms; ` +
        `+ next frame: ${Number.isNaN(frameMedian) ? 'no frame within 1 s' : `${frameMedian.toFixed(1)} ms`}; worst ${worst.domMs.toFixed(0)} ms (${worst.label}); ` +
        `clearing: median ${median(cleared.map((t) => t.domMs)).toFixed(1)} ms) — ${perFilter}`,
      value: domMedian,
      target: '≤ 100 ms',
      ok: domMedian <= 100,
    },
    {
      id: 'panel-scale-select',
      name: `selecting a row until its decision trail shows, ${counts.held.toLocaleString('en-US')} events held (${selects.length} selections: oldest, a quarter, middle, three quarters, newest)`,
      figure: `median ${selectMedian.toFixed(1)} ms to the DOM; worst ${selectWorst.toFixed(1)} ms to the next frame; longest task meanwhile ${Math.max(...selects.map((t) => t.taskMs)).toFixed(0)} ms (to the DOM / to the frame / longest task: ${selects.map((t) => `#${t.seq} ${t.domMs.toFixed(0)}/${(t.frameMs ?? Number.NaN).toFixed(0)}/${t.taskMs.toFixed(0)}`).join(', ')} ms)`,
      value: selectWorst,
      target: '≤ 50 ms',
      ok: selectWorst <= 50,
    },
    {
      id: 'panel-scale-export',
      name: `Export JSON of all ${counts.held.toLocaleString('en-US')} events held (redacted, with their sentences), written in steps into a Blob`,
      figure: `longest task ${exported.longestTaskMs.toFixed(0)} ms (${exported.longTasks} tasks over 50 ms; longest gap between two turns of the panel's event loop ${exported.longestGapMs.toFixed(0)} ms; longest Blob fold ${exported.longestFoldMs.toFixed(0)} ms); ${(exported.totalMs / 1_000).toFixed(1)} s in all for ${exported.mb.toFixed(0)} MB`,
      value: Math.max(exported.longestTaskMs, exported.longestGapMs),
      target: '≤ 200 ms',
      ok: Math.max(exported.longestTaskMs, exported.longestGapMs) <= 200,
    },
    {
      id: 'panel-scale-heap',
      name: `panel memory holding ${counts.held.toLocaleString('en-US')} events and ${queries.held.toLocaleString('en-US')} query summaries: JS heap + typed arrays`,
      figure:
        `${heapMb.toFixed(1)} MB after GC: JS heap ${mb(heap).toFixed(1)} + backing stores ${(heap.cdpBackingMb ?? 0).toFixed(1)} MB (${heap.cdpUsedMb === undefined ? `performance.memory; CDP failed: ${heap.cdpError}` : 'CDP Runtime.getHeapUsage on the panel OOPIF target'}); ` +
        `performance.memory used ${heap.perfUsedMb.toFixed(1)} / total ${heap.perfTotalMb.toFixed(1)} MB; ` +
        `before the filter runs ${mb(heapBefore).toFixed(1)} MB; with this session's log still empty ${mb(heapEmpty).toFixed(1)} MB (kept from earlier sessions)`,
      value: heapMb,
      target: '≤ 150 MB',
      ok: heapMb <= 150,
    },
  ]
  report(`REAL DevTools panel holding ${EVENTS.toLocaleString('en-US')} events`, rows)
  return rows
}
