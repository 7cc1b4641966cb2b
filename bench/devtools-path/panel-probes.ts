/**
 * What the benchmarks read from the REAL panel: its store's counts, through the global the panel
 * sets for tests and benchmarks, and its frame's JS heap.
 */
import type { Frame } from 'puppeteer-core'
import type { PanelStore } from '../../extension/panel/store/panel-store'
import type { BenchBrowser } from './harness'

/** The panel frame's globalThis (extension/panel/main.tsx defines the store on it). */
export type PanelGlobal = typeof globalThis & { __REALTIME_PANEL_STORE__: PanelStore }

export interface PanelCounts {
  url?: string
  connection: string
  engine?: string
  configured: boolean
  held: number
  capDropped: number
  gaps: number
  gapMissing: number
  ringMissing: number
  rejected: number
}

export function panelCounts(panel: Frame): Promise<PanelCounts> {
  return panel.evaluate(() => {
    const snapshot = (globalThis as PanelGlobal).__REALTIME_PANEL_STORE__.getSnapshot()
    const engine = snapshot.engine
    return {
      url: snapshot.page?.url,
      connection: snapshot.connection,
      engine: engine?.name,
      configured: engine?.config !== undefined,
      held: engine?.held ?? 0,
      capDropped: engine?.capDropped ?? 0,
      gaps: engine?.gaps ?? 0,
      gapMissing: engine?.gapMissing ?? 0,
      ringMissing: engine?.ringMissing ?? 0,
      rejected: snapshot.rejected,
    }
  })
}

export interface HeapFigures {
  cdpUsedMb?: number
  /** ArrayBuffer backing stores (the panel's columns), outside the JS heap. */
  cdpBackingMb?: number
  cdpError?: string
  perfUsedMb: number
  perfTotalMb: number
}

/**
 * The panel frame's JS heap after a GC: CDP on the panel's OOPIF target, and performance.memory
 * as well, since CDP on that target can fail (the error is kept for the report).
 */
export async function panelHeap(bench: BenchBrowser): Promise<HeapFigures> {
  const prefix = `chrome-extension://${bench.extensionId}/extension/panel/panel.html`
  const figures: HeapFigures = { perfUsedMb: 0, perfTotalMb: 0 }
  const target = bench.browser.targets().find((t) => t.url().startsWith(prefix))
  if (target === undefined) {
    figures.cdpError = 'no target for the panel frame'
  } else {
    try {
      const session = await target.createCDPSession()
      await session.send('HeapProfiler.enable')
      await session.send('HeapProfiler.collectGarbage')
      const usage = await session.send('Runtime.getHeapUsage')
      figures.cdpUsedMb = usage.usedSize / 2 ** 20
      const backing = (usage as { backingStorageSize?: number }).backingStorageSize
      if (backing !== undefined) figures.cdpBackingMb = backing / 2 ** 20
      await session.detach()
    } catch (error) {
      figures.cdpError = error instanceof Error ? error.message : String(error)
    }
  }
  const memory = await bench.panel.evaluate(() => {
    const m = (
      performance as Performance & {
        memory?: { usedJSHeapSize: number; totalJSHeapSize: number }
      }
    ).memory
    return { used: m?.usedJSHeapSize ?? 0, total: m?.totalJSHeapSize ?? 0 }
  })
  figures.perfUsedMb = memory.used / 2 ** 20
  figures.perfTotalMb = memory.total / 2 ** 20
  return figures
}
