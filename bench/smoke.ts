/**
 * Smoke mode, for every bench entry (`BENCH_SMOKE=1 npm run bench…`, or `-- --smoke`): the same
 * code path with tiny counts and short durations, targets not judged, each row also printed as a
 * JSON line, so that `npm test` (test/bench/, test/e2e/benchmarks-smoke.test.ts) runs each entry
 * in seconds and fails when one crashes or loses a figure. Its figures measure nothing.
 */

export const SMOKE = process.env.BENCH_SMOKE === '1' || process.argv.includes('--smoke')

/** `full` in a real run, `smoke` in smoke mode. */
export const sized = <T>(full: T, smoke: T): T => (SMOKE ? smoke : full)

/** Starts each row's JSON line (test/support/bench-smoke.ts reads them back). */
export const ROW_PREFIX = 'BENCH_ROW '

/** What a smoke run prints of each row: its stable id, its number, the text around it. */
export interface SmokeRow {
  id: string
  value: number
  figure: string
}
