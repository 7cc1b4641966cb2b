/**
 * The Node bench entries, each once in smoke mode (bench/smoke.ts): no crash, and every figure
 * present and a finite number. Their targets are not judged here; `npm run bench…` judges them.
 * The entries that drive Chromium run in test/e2e/benchmarks-smoke.test.ts (one browser at a time).
 */
import { describe, expect, it } from 'vitest'
import { outputTail, runBenchSmoke, smokeProblems } from '../support/bench-smoke'

const ENTRIES: Record<string, readonly string[]> = {
  bench: [
    'hot-path-1k',
    'hot-path-100k',
    'flush-vs-floor',
    'flush-vs-naive',
    'flush-stale-and-refetched',
    'flush-refetch-tracking',
    'data-diff-one-row',
    'data-diff-identical',
    'devtools-closed',
    'stack-latency-p50',
    'stack-latency-p99',
    'stack-throughput',
    'stack-fan-out',
    'socket-tap-ring',
    'socket-tap-socket',
    'query-cache-tap',
    'write-tap-write',
    'write-tap-rest-read',
    'write-tap-other-url',
    'write-tap-supabase-js',
    'export-log-full-ring',
    'export-log-one-go',
    'export-log-blob',
  ],
  'bench:replay': [
    'replay-page-load-unchanged',
    'replay-page-load-changed',
    'replay-reconnect-refetches',
    'replay-reconnect-rest-load',
    'replay-reconnect-convergence',
    'replay-drops-lost-updates',
    'replay-drops-untouched-refetches',
    'replay-delayed-replication-lost-updates',
  ],
  'bench:transport': ['transport-postgres_changes', 'transport-broadcast', 'transport-ratio'],
}

describe('bench entries in smoke mode', () => {
  for (const [script, ids] of Object.entries(ENTRIES)) {
    it(`npm run ${script}`, { timeout: 150_000 }, async () => {
      const run = await runBenchSmoke(script, 140_000)
      expect(smokeProblems(run, ids), outputTail(run)).toEqual([])
    })
  }
})
