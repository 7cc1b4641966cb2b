/**
 * Page event → row in the REAL DevTools panel's DOM at 1,000 events/s (p50, p99), split into the
 * stages of its way: the bridge's batch, relay → store, store notify, notify → DOM.
 */
import { fmt, percentile, type Row, report } from '../measure'
import { sized } from '../smoke'
import type { BenchApi } from '../pages/stream/main'
import { type BenchBrowser, loadScenario, sleep, stream } from './harness'
import { type SeqRange, startPanelTrace, stopPanelTrace } from './panel-trace'

/** When the range (batch) holding `seq` was seen; ranges in seq order. */
function rangeTime(ranges: SeqRange[], seq: number): number | undefined {
  let lo = 0
  let hi = ranges.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const [at, first, last] = ranges[mid]!
    if (seq < first) hi = mid - 1
    else if (seq > last) lo = mid + 1
    else return at
  }
  return undefined
}

export async function runPanelLatencyBench(bench: BenchBrowser): Promise<Row[]> {
  await loadScenario(bench, 'latency')
  const { panel, tab } = bench
  await startPanelTrace(panel)
  await tab.evaluate(() => (window as unknown as { __bench: BenchApi }).__bench.traceBatches(true))
  const result = await stream(tab, { rate: 1_000, durationMs: sized(10_000, 1_000), tickMs: 1 })
  await sleep(500)
  const posted = await tab.evaluate(() =>
    (window as unknown as { __bench: BenchApi }).__bench.traceBatches(false),
  )
  const trace = await stopPanelTrace(panel)
  const times = await tab.evaluate(
    (since) => (window as unknown as { __bench: BenchApi }).__bench.eventTimes(since),
    result.firstSeq - 1,
  )

  // Own row: when the row of that seq entered the DOM. Frontier: when the log first showed that
  // seq or a newer one; the same time for every rendered row, and for a row the log scrolled
  // past between two renders (more new rows than fit), the render that went past it.
  const shown = [...trace.rows].sort((a, b) => a[1] - b[1])
  const ownAt = new Map(shown.map(([at, seq]) => [seq, at]))
  const frontierAt: number[] = new Array(shown.length)
  for (let i = shown.length - 1, earliest = Infinity; i >= 0; i--) {
    earliest = Math.min(earliest, shown[i]![0])
    frontierAt[i] = earliest
  }
  const notified = [...trace.notified].sort((a, b) => a[0] - b[0])
  const stages = {
    batch: [] as number[],
    path: [] as number[],
    notify: [] as number[],
    render: [] as number[],
  }
  const own: number[] = []
  const reached: number[] = []
  let cursor = 0
  let notifyCursor = 0
  for (const [seq, at] of times) {
    const ownTime = ownAt.get(seq)
    if (ownTime !== undefined) own.push(ownTime - at)
    while (cursor < shown.length && shown[cursor]![1] < seq) cursor++
    // Never reached (nothing as new was ever rendered): infinitely late.
    const dom = cursor < shown.length ? frontierAt[cursor]! : Infinity
    reached.push(dom - at)
    const post = rangeTime(posted, seq)
    const receive = rangeTime(trace.received, seq)
    if (post === undefined || receive === undefined || dom === Infinity) continue
    while (
      notifyCursor < notified.length &&
      (notified[notifyCursor]![0] < receive || notified[notifyCursor]![1] < seq)
    ) {
      notifyCursor++
    }
    const notify = notified[notifyCursor]?.[0]
    if (notify === undefined) continue
    stages.batch.push(post - at)
    stages.path.push(receive - post)
    stages.notify.push(notify - receive)
    stages.render.push(dom - notify)
  }
  own.sort((a, b) => a - b)
  reached.sort((a, b) => a - b)
  const p50 = percentile(reached, 50)
  const p99 = percentile(reached, 99)
  const stage = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b)
    return `${fmt(percentile(sorted, 50), 1)}/${fmt(percentile(sorted, 99), 1)}`
  }
  const rows: Row[] = [
    {
      id: 'devtools-path-latency-p50',
      name: 'page event → in the REAL panel DOM at 1,000 events/s, p50',
      figure:
        `${fmt(p50, 1)} ms (own row: p50 ${fmt(percentile(own, 50), 1)} / p99 ${fmt(percentile(own, 99), 1)} ms for the ` +
        `${fmt(own.length)} of ${fmt(times.length)} events whose row was rendered; the log is ${trace.height} px, ${trace.domRows} rows in the DOM)`,
      value: p50,
      target: '≤ 20 ms',
      ok: p50 <= 20,
    },
    {
      id: 'devtools-path-latency-p99',
      name: 'page event → in the REAL panel DOM at 1,000 events/s, p99',
      figure:
        `${fmt(p99, 1)} ms (max ${fmt(reached.at(-1) ?? Number.NaN, 1)} ms). Stages p50/p99 ms: wait in the bridge's batch ${stage(stages.batch)}, ` +
        `relay → store ${stage(stages.path)}, store notify ${stage(stages.notify)}, notify → row in the DOM ${stage(stages.render)}`,
      value: p99,
      target: '≤ 50 ms',
      ok: p99 <= 50,
    },
  ]
  report('Page event → visible in the REAL DevTools panel', rows)
  return rows
}
