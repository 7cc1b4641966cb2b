import type { LoadUser } from './load-world'
import { errorMessage } from '../../src/error-message'

/**
 * Writes through REST as many users at a steady rate: write n goes to user n mod users, who
 * updates their own deal (value and stage), so every write is a different record than its
 * neighbours'. Real time on purpose: this is a tool for watching the panel under load.
 */

export interface LoadRunOptions {
  url: string
  anonKey: string
  users: readonly LoadUser[]
  /** Writes per second, across all users. */
  rate: number
  /** Stop after this long (default: until stop()). */
  durationMs?: number
  /** Stop after this many writes (default: no limit). */
  maxWrites?: number
  /** Requests outstanding at once; past it the generator falls behind and says so. */
  maxInFlight?: number
  onProgress?: (progress: LoadProgress) => void
  progressEveryMs?: number
}

export interface LoadProgress {
  elapsedMs: number
  sent: number
  ok: number
  failed: number
  inFlight: number
  /** Writes the schedule wanted that were not sent yet (the server or network is slower). */
  behind: number
  /** Request latency of the recent writes. */
  p50Ms: number
  p99Ms: number
  lastError?: string
}

export interface LoadRun {
  /** Resolves when the run ended and every request came back. */
  done: Promise<LoadProgress>
  stop(): void
}

const STAGES = ['lead', 'proposal', 'negotiation', 'won', 'lost'] as const
const RECENT = 2_000
const TICK_MS = 10

export function startLoad(options: LoadRunOptions): LoadRun {
  const { users, rate } = options
  if (users.length === 0) throw new Error('no users to write as')
  if (!(rate > 0 && rate <= 100_000)) throw new Error(`rate must be 1 to 100000 (got ${rate})`)
  const maxInFlight = options.maxInFlight ?? 256
  const maxWrites = options.maxWrites ?? Number.POSITIVE_INFINITY
  const started = performance.now()
  const recent: number[] = []
  const state = {
    sent: 0,
    ok: 0,
    failed: 0,
    inFlight: 0,
    lastError: undefined as string | undefined,
  }
  let stopped = false
  let finish: (progress: LoadProgress) => void = () => {}
  const done = new Promise<LoadProgress>((resolve) => (finish = resolve))

  const due = () => {
    const elapsed = performance.now() - started
    const end = Math.min(elapsed, options.durationMs ?? elapsed)
    return Math.min(Math.floor((end * rate) / 1_000), maxWrites)
  }
  const progress = (): LoadProgress => {
    const sorted = [...recent].sort((a, b) => a - b)
    const at = (q: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
    return {
      elapsedMs: performance.now() - started,
      ...state,
      behind: stopped ? 0 : Math.max(0, due() - state.sent),
      p50Ms: at(0.5),
      p99Ms: at(0.99),
    }
  }

  const write = async (n: number) => {
    const user = users[n % users.length]!
    const sentAt = performance.now()
    try {
      const response = await fetch(`${options.url}/rest/v1/deals?id=eq.${user.dealId}`, {
        method: 'PATCH',
        headers: {
          apikey: options.anonKey,
          authorization: `Bearer ${user.token}`,
          'content-type': 'application/json',
          prefer: 'return=minimal',
        },
        body: JSON.stringify({ value: n, stage: STAGES[n % STAGES.length] }),
      })
      if (response.ok) state.ok++
      else {
        state.failed++
        state.lastError = `${response.status} ${(await response.text()).slice(0, 200)}`
      }
      await response.body?.cancel().catch(() => {})
    } catch (error) {
      state.failed++
      state.lastError = errorMessage(error)
    } finally {
      state.inFlight--
      recent.push(performance.now() - sentAt)
      if (recent.length > RECENT) recent.splice(0, recent.length - RECENT)
      if (stopped && state.inFlight === 0) finish(progress())
    }
  }

  const end = () => {
    if (stopped) return
    stopped = true
    clearInterval(ticker)
    clearInterval(reporter)
    if (state.inFlight === 0) finish(progress())
  }
  const ticker = setInterval(() => {
    const target = due()
    while (state.sent < target && state.inFlight < maxInFlight) {
      state.inFlight++
      void write(state.sent++)
    }
    const elapsed = performance.now() - started
    if (
      state.sent >= maxWrites ||
      (options.durationMs !== undefined && elapsed >= options.durationMs)
    ) {
      end()
    }
  }, TICK_MS)
  const reporter = setInterval(
    () => options.onProgress?.(progress()),
    options.progressEveryMs ?? 500,
  )
  return { done, stop: end }
}
