/**
 * `npm run bench:browser`: the DevTools-path benchmarks in real Chromium with the REAL DevTools
 * Realtime panel open, each against its own baseline measured in this run.
 */
import { loadavg } from 'node:os'
import { runEngineCostBench } from './devtools-path/engine-cost.bench'
import { startBenchBrowser } from './devtools-path/harness'
import { runPanelLatencyBench } from './devtools-path/latency.bench'
import { runPathThroughputBench } from './devtools-path/throughput.bench'
import { type Row, summarize } from './measure'
import { runPanelScaleBench } from './panel-scale.bench'
import { runTimelineBench } from './timeline.bench'

const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' / ')
console.log(`machine load average (1/5/15 min) at start: ${load()}`)
const started = performance.now()
const bench = await startBenchBrowser()
console.log(`browser: ${await bench.browser.version()}`)
const all: Row[] = []
try {
  all.push(...(await runPathThroughputBench(bench)))
  all.push(...(await runPanelLatencyBench(bench)))
  all.push(...(await runPanelScaleBench(bench)))
  all.push(...(await runTimelineBench(bench)))
  all.push(...(await runEngineCostBench(bench)))
} finally {
  await bench.close()
}
console.log(`\nmachine load average (1/5/15 min) at the end: ${load()}`)
summarize(all, ` (${((performance.now() - started) / 1_000).toFixed(0)} s)`)
