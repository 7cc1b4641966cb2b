/**
 * The engine's cost per event in the page with the REAL panel connected vs DevTools closed: two
 * tabs of the same page, rounds interleaved so that both see the same machine.
 */
import type { Page } from 'puppeteer-core'
import { pollUntil } from '../../test/e2e/support/chromium'
import { fmt, median, type Row, report } from '../measure'
import { sized } from '../smoke'
import type { BenchApi } from '../pages/stream/main'
import { type BenchBrowser, loadScenario, newBenchTab, showStreamPage, sleep } from './harness'
import { panelCounts } from './panel-probes'

export async function runEngineCostBench(bench: BenchBrowser): Promise<Row[]> {
  const N = sized(20_000, 500)
  const ROUNDS = sized(12, 2)
  const open = bench.tab
  await loadScenario(bench, 'cost-open')
  const closed = await newBenchTab(bench.browser)
  await showStreamPage(closed, bench.baseUrl, 'cost-closed')
  const deliver = (page: Page) =>
    page.evaluate((n) => (window as unknown as { __bench: BenchApi }).__bench.deliverTimed(n), N)
  await deliver(open) // warm-up, outside the rounds
  await deliver(closed)
  const samples = { open: [] as number[], closed: [] as number[], openSync: [] as number[] }
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? (['closed', 'open'] as const) : (['open', 'closed'] as const)
    for (const which of order) {
      const timing = await deliver(which === 'open' ? open : closed)
      samples[which].push(timing.totalMs)
      if (which === 'open') samples.openSync.push(timing.syncMs)
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
  await closed.close()
  const ns = (ms: number) => (ms * 1e6) / N
  const openNs = ns(median(samples.open))
  const closedNs = ns(median(samples.closed))
  const rows: Row[] = [
    {
      id: 'devtools-path-engine-cost',
      name: 'engine cost per event in the page: panel connected vs DevTools closed',
      figure: `${fmt(openNs)} vs ${fmt(closedNs)} ns/event = ${(openNs / closedNs).toFixed(2)}× (open: ${fmt(ns(median(samples.openSync)))} ns in the delivery loop + the relay's share; medians of ${ROUNDS} interleaved rounds of ${fmt(N)}; the panel received them all: ${keptUp ? 'yes' : 'no'})`,
      value: openNs / closedNs,
      target: '≤ 3×',
      ok: openNs <= 3 * closedNs,
    },
  ]
  report('Engine cost in the page: DevTools open vs closed', rows)
  return rows
}
