/**
 * The raw full path, the throughput baseline: pre-built JSON batches of 1,000 events posted from
 * the MAIN world through a minimal plain-JS extension (bench/raw-path-extension/) to an extension
 * page that only counts. It runs in the same browser as ours, so both share that run's noise.
 */
import type { Page } from 'puppeteer-core'
import { pollUntil } from '../../test/e2e/support/chromium'
import { type BenchBrowser, newBenchTab } from './harness'

export interface RawResult {
  eventsPerSecond: number
  eventBytes: number
}

export interface RawPath {
  /** `batches` batches of events of about `bytes` bytes each (0: the unpadded ~194). */
  run(batches: number, bytes?: number): Promise<RawResult>
  close(): Promise<void>
}

/** The extension page at the end of the path (sink.js). */
interface RawSink {
  connected: boolean
  events: number
  lastAt: number
  reset(): void
}

/** The MAIN-world poster (main-world.js). */
interface RawPathApi {
  run(count: number, bytes: number): { startAt: number; postMs: number; eventBytes: number }
}

/** Opens the raw page and the sink, each in a tab of its own, ready to run. */
export async function openRawPath(bench: BenchBrowser): Promise<RawPath> {
  const raw = await newBenchTab(bench.browser)
  await raw.goto(`${bench.baseUrl}/raw/index.html`)
  await raw.waitForFunction(() => '__rawPath' in window, { polling: 50, timeout: 15_000 })
  const sink = await newBenchTab(bench.browser)
  await sink.goto(`chrome-extension://${bench.rawExtensionId}/sink.html`)
  // Until the worker registered the sink, what the page posts would be dropped.
  await sink.waitForFunction(
    () => (globalThis as unknown as { __rawSink?: RawSink }).__rawSink?.connected === true,
    { polling: 50, timeout: 15_000 },
  )
  return {
    run: (batches, bytes = 0) => runRawPath(raw, sink, batches, bytes),
    close: async () => {
      await raw.close()
      await sink.close()
    },
  }
}

async function runRawPath(
  raw: Page,
  sink: Page,
  batches: number,
  bytes: number,
): Promise<RawResult> {
  await sink.evaluate(() => (globalThis as unknown as { __rawSink: RawSink }).__rawSink.reset())
  const { startAt, eventBytes } = await raw.evaluate(
    (count, size) => (window as unknown as { __rawPath: RawPathApi }).__rawPath.run(count, size),
    batches,
    bytes,
  )
  const events = batches * 1_000
  await pollUntil(
    () =>
      sink.evaluate(
        (n) => (globalThis as unknown as { __rawSink: RawSink }).__rawSink.events >= n,
        events,
      ),
    'the raw sink did not receive every batch',
    60_000,
  )
  const { lastAt } = await sink.evaluate(() => {
    const { lastAt } = (globalThis as unknown as { __rawSink: RawSink }).__rawSink
    return { lastAt }
  })
  return { eventsPerSecond: (events * 1_000) / (lastAt - startAt), eventBytes }
}
