/**
 * One stream of the page's real engine into the REAL panel, recorded in the panel frame: when its
 * store held each event, and its long tasks. Throughput counts until the store holds the last seq,
 * not until the page stopped generating, so a panel that falls behind shows as a lower rate.
 */
import type { Frame } from 'puppeteer-core'
import { pollUntil } from '../../test/e2e/support/chromium'
import type { BenchApi, StreamOptions, StreamResult } from '../pages/stream/main'
import { type BenchBrowser, loadScenario, sleep, stream } from './harness'
import { panelCounts, type PanelCounts, type PanelGlobal } from './panel-probes'

interface PanelRecording {
  /** [Date.now(), events held + let go by the cap] at every store notification. */
  samples: [number, number][]
  longTasks: number[]
}

/** In the panel frame, before the stream starts: long tasks and the store's ingest progress. */
function startPanelRecorder(panel: Frame): Promise<void> {
  return panel.evaluate(() => {
    const g = globalThis as PanelGlobal & { __benchRecorder?: unknown }
    const store = g.__REALTIME_PANEL_STORE__
    const recording = { samples: [] as [number, number][], longTasks: [] as number[] }
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) recording.longTasks.push(entry.duration)
    })
    observer.observe({ type: 'longtask' })
    const unsubscribe = store.subscribe(() => {
      const engine = store.getSnapshot().engine
      if (engine) recording.samples.push([Date.now(), engine.held + engine.capDropped])
    })
    g.__benchRecorder = {
      stop: () => {
        for (const entry of observer.takeRecords()) recording.longTasks.push(entry.duration)
        observer.disconnect()
        unsubscribe()
        return recording
      },
    }
  })
}

function stopPanelRecorder(panel: Frame): Promise<PanelRecording> {
  return panel.evaluate(() => {
    const g = globalThis as unknown as { __benchRecorder: { stop(): PanelRecording } }
    return g.__benchRecorder.stop()
  })
}

export interface DeliveredRun {
  result: StreamResult
  counts: PanelCounts
  /** Events of the stream per second from its start until the panel store held the last. */
  deliveredPerSecond: number
  /** After the generator stopped, until the panel store held the last event (ms). */
  drainMs: number
  /** Events generated but not yet in the panel store when the generator stopped. */
  behindAtEnd: number
  longTasks: number[]
  eventBytes: number
  /** The page's session accounts for every seq: held + let go by the cap = last seq, no gaps. */
  accounted: boolean
}

/** One stream in a fresh page session, recorded in the panel until it holds the last seq. */
export async function deliveredRun(
  bench: BenchBrowser,
  name: string,
  options: StreamOptions,
): Promise<DeliveredRun> {
  await loadScenario(bench, name)
  await startPanelRecorder(bench.panel)
  const result = await stream(bench.tab, options)
  await pollUntil(
    async () => {
      const c = await panelCounts(bench.panel)
      return c.held + c.capDropped + c.gapMissing + c.ringMissing >= result.lastSeq
    },
    `the panel did not receive seq ${result.lastSeq}`,
    60_000,
  )
  await sleep(100)
  const recording = await stopPanelRecorder(bench.panel)
  const counts = await panelCounts(bench.panel)
  const eventBytes = await bench.tab.evaluate(() =>
    (window as unknown as { __bench: BenchApi }).__bench.eventBytes(),
  )
  const arrived = recording.samples.find(([, count]) => count >= result.lastSeq)?.[0] ?? Date.now()
  const atEnd = recording.samples.filter(([at]) => at <= result.endAt).at(-1)?.[1] ?? 0
  const events = result.lastSeq - result.firstSeq + 1
  return {
    result,
    counts,
    deliveredPerSecond: (events * 1_000) / (arrived - result.startAt),
    drainMs: arrived - result.endAt,
    behindAtEnd: result.lastSeq - atEnd,
    longTasks: recording.longTasks,
    eventBytes,
    accounted:
      counts.held + counts.capDropped === result.lastSeq &&
      counts.gaps === 0 &&
      counts.gapMissing === 0 &&
      counts.ringMissing === 0 &&
      counts.rejected === 0,
  }
}
