/**
 * The engine's cost per event in the page with the REAL panel connected vs DevTools closed: two
 * tabs of the same page, rounds interleaved so that both see the same machine.
 *
 * The cost is the time the page's thread spent in tasks (CDP's TaskDuration) from the delivery
 * loop's start until the thread is quiet again: the engine, the bridge, the content relay (an
 * ISOLATED world on the same thread) and the garbage collector alike, whatever way the relay
 * hears the bridge. A marker posted on the window after the loop measures only as far as the
 * window's queue: messages on a MessagePort are not ordered with it. The wall time until that
 * marker is printed too.
 */
import type { CDPSession, Page } from 'puppeteer-core'
import { pollUntil } from '../../test/e2e/support/chromium'
import { fmt, median, type Row, report } from '../measure'
import { sized } from '../smoke'
import type { BenchApi } from '../pages/stream/main'
import { type BenchBrowser, loadScenario, newBenchTab, showStreamPage, sleep } from './harness'
import { panelCounts } from './panel-probes'

/** The page's main thread: time spent in tasks since the Performance domain was enabled (ms). */
async function taskMs(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics')
  return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1_000
}

/** Task time from before the call until the thread stays quiet (under 1 ms per 30 ms). */
async function busyMs(cdp: CDPSession, run: () => Promise<unknown>): Promise<number> {
  const start = await taskMs(cdp)
  await run()
  let last = await taskMs(cdp)
  for (let i = 0; i < 100; i++) {
    await sleep(30)
    const now = await taskMs(cdp)
    if (now - last < 1) break
    last = now
  }
  return last - start
}

export async function runEngineCostBench(bench: BenchBrowser): Promise<Row[]> {
  const N = sized(20_000, 500)
  const ROUNDS = sized(12, 2)
  const open = bench.tab
  await loadScenario(bench, 'cost-open')
  const closed = await newBenchTab(bench.browser)
  await showStreamPage(closed, bench.baseUrl, 'cost-closed')
  const sessions = { open: await open.createCDPSession(), closed: await closed.createCDPSession() }
  for (const cdp of Object.values(sessions)) await cdp.send('Performance.enable')
  const deliver = (page: Page) =>
    page.evaluate((n) => (window as unknown as { __bench: BenchApi }).__bench.deliverTimed(n), N)
  await deliver(open) // warm-up, outside the rounds
  await deliver(closed)
  const busy = { open: [] as number[], closed: [] as number[] }
  const wall = { open: [] as number[], closed: [] as number[] }
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? (['closed', 'open'] as const) : (['open', 'closed'] as const)
    for (const which of order) {
      let totalMs = 0
      const ms = await busyMs(sessions[which], async () => {
        totalMs = (await deliver(which === 'open' ? open : closed)).totalMs
      })
      busy[which].push(ms)
      wall[which].push(totalMs)
      await sleep(50)
    }
  }
  const lastSeq = await open.evaluate(() =>
    (window as unknown as { __bench: BenchApi }).__bench.lastSeq(),
  )
  // The panel was live through the open rounds: it ends up holding every event (capped).
  const keptUp = await pollUntil(async () => {
    const c = await panelCounts(bench.panel)
    return c.held + c.capDropped >= lastSeq - 1_000 && c.gaps === 0
  }, 'the panel did not receive the open rounds').then(
    () => true,
    () => false,
  )
  for (const cdp of Object.values(sessions)) await cdp.detach().catch(() => {})
  await closed.close()
  const ns = (ms: number) => (ms * 1e6) / N
  const openNs = ns(median(busy.open))
  const closedNs = ns(median(busy.closed))
  const wallOpen = ns(median(wall.open))
  const wallClosed = ns(median(wall.closed))
  const rows: Row[] = [
    {
      id: 'devtools-path-engine-cost',
      name: 'engine cost per event in the page: panel connected vs DevTools closed',
      figure: `${fmt(openNs)} vs ${fmt(closedNs)} ns/event of the page thread's task time = ${(openNs / closedNs).toFixed(2)}× (wall time until a window marker: ${fmt(wallOpen)} vs ${fmt(wallClosed)} ns = ${(wallOpen / wallClosed).toFixed(2)}×; medians of ${ROUNDS} interleaved rounds of ${fmt(N)}; the panel received them all: ${keptUp ? 'yes' : 'no'})`,
      value: openNs / closedNs,
      target: '≤ 2×',
      ok: openNs <= 2 * closedNs,
    },
  ]
  report('Engine cost in the page: DevTools open vs closed', rows)
  return rows
}
