/** What the panel would do once the page keeps up: its store fed in its own frame. */
import { pollUntil } from '../../test/e2e/support/chromium'
import type { BenchApi } from '../pages/stream/main'
import { type BenchBrowser, stream } from './harness'
import { panelCounts, type PanelGlobal } from './panel-probes'

export interface PanelAloneResult {
  offeredPerSecond: number
  ingestedPerSecond: number
  drainMs: number
  longTasks: number[]
  accounted: boolean
}

/**
 * The panel alone, without the page's thread in the way: batches of the page's own event shape
 * fed to store.receive in the panel frame (as its transport would) at `rate` for `durationMs`.
 */
export async function panelAlone(
  bench: BenchBrowser,
  rate: number,
  durationMs: number,
): Promise<PanelAloneResult> {
  // A few real events first: the sample, and the seq the feed continues from.
  const warm = await stream(bench.tab, { rate: 10_000, durationMs: 50, tickMs: 10 })
  await pollUntil(
    async () => (await panelCounts(bench.panel)).held >= warm.lastSeq,
    'the panel did not receive the warm-up events',
  )
  const sample = await bench.tab.evaluate(() =>
    (window as unknown as { __bench: BenchApi }).__bench.sampleRows(),
  )
  return bench.panel.evaluate(
    async (sample, lastSeq, rate, durationMs) => {
      const store = (globalThis as PanelGlobal).__REALTIME_PANEL_STORE__
      const before = store.getSnapshot()
      const session = before.session
      const engineId = before.engine?.id
      if (session === undefined || engineId === undefined) throw new Error('no live engine')
      const counted = () => {
        const e = store.getSnapshot().engine
        return (e?.held ?? 0) + (e?.capDropped ?? 0) + (e?.gapMissing ?? 0)
      }
      const base = counted()
      const { format, strings, mask, tail, next } = sample
      let seq = lastSeq
      const longTasks: number[] = []
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) longTasks.push(entry.duration)
      })
      observer.observe({ type: 'longtask' })
      const start = performance.now()
      let sent = 0
      await new Promise<void>((resolve) => {
        const tick = () => {
          const elapsed = Math.min(durationMs, performance.now() - start)
          const due = Math.floor((elapsed * rate) / 1_000)
          while (sent < due) {
            const n = Math.min(1_000, due - sent)
            // The batch form of bridge/protocol/event-codec.ts, as the bridge writes it (its
            // number too, from the page: a new form cannot leave this feed behind).
            const parts: string[] = [`${format},${strings},[${mask},${seq + 1},${tail.slice(1)}`]
            for (let i = 1; i < n; i++) parts.push(next)
            seq += n
            store.receive({
              type: 'events',
              session,
              engineId,
              snapshot: false,
              data: `[${parts.join(',')}]`,
            })
            sent += n
          }
          if (elapsed < durationMs) setTimeout(tick, 10)
          else resolve()
        }
        setTimeout(tick, 10)
      })
      const offeredMs = performance.now() - start
      while (counted() - base < sent && performance.now() - start < durationMs + 30_000) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      const doneMs = performance.now() - start
      await new Promise((resolve) => setTimeout(resolve, 100))
      for (const entry of observer.takeRecords()) longTasks.push(entry.duration)
      observer.disconnect()
      const engine = store.getSnapshot().engine
      return {
        offeredPerSecond: (sent * 1_000) / offeredMs,
        ingestedPerSecond: (sent * 1_000) / doneMs,
        drainMs: doneMs - offeredMs,
        longTasks,
        accounted: counted() - base === sent && engine?.gaps === 0,
      }
    },
    sample,
    warm.lastSeq,
    rate,
    durationMs,
  )
}
