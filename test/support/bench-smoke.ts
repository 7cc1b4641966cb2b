/**
 * One bench entry (`npm run <script>`) in smoke mode (bench/smoke.ts), and what it printed of its
 * rows: so that a benchmark nobody ran for a while fails `npm test` instead of its next real run.
 */
import { spawn } from 'node:child_process'
import { ROW_PREFIX, type SmokeRow } from '../../bench/smoke'

export interface SmokeRun {
  code: number | null
  rows: SmokeRow[]
  /** stdout and stderr, interleaved as they came. */
  output: string
  seconds: number
}

export function runBenchSmoke(
  script: string,
  timeoutMs: number,
  extraEnv: Record<string, string> = {},
): Promise<SmokeRun> {
  const started = performance.now()
  // Its own process group: on a timeout, npm, tsx and the node (and Chromium) under them all go.
  // As from a shell: Vitest's NODE_ENV=test would give the page builds React's development build.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => name !== 'NODE_ENV' && !name.startsWith('VITEST'),
    ),
  )
  const child = spawn('npm', ['run', '--silent', script], {
    env: { ...env, ...extraEnv, BENCH_SMOKE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const timer = setTimeout(() => {
    output += `\n[killed after ${timeoutMs} ms]`
    process.kill(-child.pid!, 'SIGKILL')
  }, timeoutMs)
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      const rows = output
        .split('\n')
        .filter((line) => line.startsWith(ROW_PREFIX))
        .map((line) => JSON.parse(line.slice(ROW_PREFIX.length)) as SmokeRow)
      resolve({ code, rows, output, seconds: (performance.now() - started) / 1_000 })
    })
  })
}

/**
 * What is wrong with a smoke run: a crash, an expected row missing or one nobody expects (the
 * list in the test is out of date), a figure that is not a finite number.
 */
export function smokeProblems(run: SmokeRun, expectedIds: readonly string[]): string[] {
  const problems: string[] = []
  if (run.code !== 0) problems.push(`exit code ${run.code}`)
  const ids = run.rows.map((row) => row.id)
  for (const id of expectedIds) if (!ids.includes(id)) problems.push(`no row ${id}`)
  for (const id of ids) if (!expectedIds.includes(id)) problems.push(`unexpected row ${id}`)
  for (const id of new Set(ids)) {
    if (ids.indexOf(id) !== ids.lastIndexOf(id)) problems.push(`row ${id} printed twice`)
  }
  for (const row of run.rows) {
    // JSON writes NaN and ±Infinity as null.
    if (typeof row.value !== 'number' || !Number.isFinite(row.value)) {
      problems.push(`row ${row.id}: value ${String(row.value)}`)
    }
    if (/\bNaN\b|\bundefined\b|Infinity/.test(row.figure)) {
      problems.push(`row ${row.id}: figure "${row.figure}"`)
    }
  }
  return problems
}

/** The end of a run's output, for the failure message. */
export const outputTail = (run: SmokeRun, lines = 60): string =>
  run.output.split('\n').slice(-lines).join('\n')
