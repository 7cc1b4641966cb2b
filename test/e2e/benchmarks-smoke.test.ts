/**
 * The bench entries that drive Chromium, each once in smoke mode (bench/smoke.ts): no crash, and
 * every figure present and a finite number. Here, not in test/bench/, so that they never run
 * beside another browser test. Their targets are not judged; `npm run bench…` judges them.
 */
import { describe, expect, it } from 'vitest'
import { outputTail, runBenchSmoke, smokeProblems } from '../support/bench-smoke'
import { E2E_DEMO_DIR, E2E_EXTENSION_DIR } from './global-setup'

const ENTRIES: Record<string, readonly string[]> = {
  'bench:browser': [
    'devtools-path-paced',
    'devtools-path-paced-accounted',
    'devtools-path-paced-long-tasks',
    'devtools-path-panel-alone',
    'devtools-path-heap-at-cap',
    'devtools-path-raw',
    'devtools-path-raw-our-size',
    'devtools-path-capacity',
    'devtools-path-vs-raw',
    'devtools-path-latency-p50',
    'devtools-path-latency-p99',
    'panel-scale-filter-change',
    'panel-scale-select',
    'panel-scale-export',
    'panel-scale-heap',
    'timeline-frame',
    'timeline-zoom-pan',
    'devtools-path-engine-cost',
  ],
  'bench:demo': [
    ...['leading', 'trailing'].flatMap((mode) =>
      ['write-to-screen', 'commit-to-received', 'batch-wait', 'refetch', 'render'].map(
        (figure) => `demo-${mode}-${figure}`,
      ),
    ),
    'demo-load-writes',
    'demo-load-refetches-leading',
    'demo-load-refetches-trailing',
    'demo-load-leading-vs-trailing',
    'demo-load-refetches-table-wide',
    'demo-load-refetches-per-event',
    'demo-load-table-wide-vs-granular',
    'demo-load-per-minute',
  ],
}

describe('bench entries in smoke mode (real Chromium)', () => {
  for (const [script, ids] of Object.entries(ENTRIES)) {
    it(`npm run ${script}`, { timeout: 150_000 }, async () => {
      // The global setup built the extension and the demo app from these sources already.
      const run = await runBenchSmoke(script, 140_000, {
        BENCH_EXTENSION_DIR: E2E_EXTENSION_DIR,
        BENCH_DEMO_DIR: E2E_DEMO_DIR,
      })
      expect(smokeProblems(run, ids), outputTail(run)).toEqual([])
      if (script === 'bench:browser') {
        // A feed the panel refuses still prints its figure: what it says must hold (a batch form
        // the feed wrote by hand once went unread, and only this line told).
        const alone = run.rows.find((row) => row.id === 'devtools-path-panel-alone')
        expect(alone?.figure, outputTail(run)).toMatch(/all accounted: yes/)
      }
    })
  }
})
