/**
 * `npm run bench:demo`: the demo's figures. Alice's write → Bob's screen in real Chromium
 * (200 writes, split into commit → received, batch wait, refetch, render), then the load
 * scenario of 500 simulated users for 60 s (granular vs table-wide refetches, per-minute metrics).
 */
import { loadavg } from 'node:os'
import { runDemoLatencyBench } from './demo-latency.bench'
import { runDemoLoadBench } from './demo-load.bench'
import { summarize } from './measure'
import { sized } from './smoke'

const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' / ')
console.log(`machine load average (1/5/15 min) at start: ${load()}`)
const all = [
  ...(await runDemoLatencyBench(Number(process.env.DEMO_LATENCY_WRITES ?? sized(200, 3)))),
  ...(await runDemoLoadBench({
    durationMs: Number(process.env.DEMO_LOAD_SECONDS ?? sized(60, 2)) * 1_000,
    ...sized({}, { users: 20, rate: 20 }),
  })),
]
console.log(`\nmachine load average (1/5/15 min) at the end: ${load()}`)
summarize(all)
// The stack's and the clients' timers would hold the exit ~10 s.
process.exit(0)
