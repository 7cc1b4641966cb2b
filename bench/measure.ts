/**
 * Timing helpers. Machines here are noisy (±2×), so every figure is a median over rounds and is
 * reported as a ratio against a baseline measured in the same process, rounds interleaved.
 */
import { performance } from 'node:perf_hooks'
import { ROW_PREFIX, SMOKE, type SmokeRow } from './smoke'

/** Nearest-rank percentile `p` (0–100) of ascending `sorted`; NaN when there is nothing to rank. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Runs each contender once per round, in alternating order, and returns median ms per contender. */
export function interleave<K extends string>(
  rounds: number,
  contenders: Record<K, () => number>,
): Record<K, number> {
  const names = Object.keys(contenders) as K[]
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...names].reverse() : names
    for (const name of order) samples[name].push(contenders[name]())
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n])])) as Record<K, number>
}

/** Milliseconds spent in fn. */
export function time(fn: () => void): number {
  const start = performance.now()
  fn()
  return performance.now() - start
}

export interface Verdict {
  /** Stable across runs and sizes (the name may carry counts): how a smoke test finds the row. */
  id: string
  name: string
  figure: string
  /** The figure's headline number, the one the target judges (or the row reports). */
  value: number
  target: string
  ok: boolean
}

/** A verdict; `info` rows carry a figure without a DESIGN target and are not counted. */
export type Row = Verdict & { info?: boolean }

/** Grouped digits in a fixed locale, so a figure reads the same whatever the machine's locale. */
export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

export function report(title: string, verdicts: Verdict[]): void {
  console.log(`\n## ${title}`)
  for (const v of verdicts) {
    const verdict = SMOKE ? 'SMOKE' : v.ok ? 'PASS' : 'MISS'
    console.log(`${verdict}  ${v.name}: ${v.figure}  (target ${v.target})`)
    if (SMOKE) {
      const row: SmokeRow = { id: v.id, value: v.value, figure: v.figure }
      console.log(`${ROW_PREFIX}${JSON.stringify(row)}`)
    }
  }
}

/** The last line of an entry; true when every target was met (always, in smoke mode). */
export function summarize(rows: Row[], suffix = ''): boolean {
  const targets = rows.filter((row) => !row.info)
  const met = targets.filter((row) => row.ok).length
  if (SMOKE) {
    console.log(`\nsmoke run: ${rows.length} figures, targets not judged${suffix}`)
    return true
  }
  console.log(`\n${met}/${targets.length} targets met${suffix}`)
  return met === targets.length
}

/** A small seeded PRNG (mulberry32), so runs pick the same queries. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
