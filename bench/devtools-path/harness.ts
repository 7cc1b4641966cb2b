/**
 * The browser the DevTools-path benchmarks drive: Chromium with our extension and the raw
 * baseline's (bench/raw-path-extension/), a tab on the stream page, and the REAL DevTools Realtime
 * panel open on it. The DevTools window is 1280×800, docked right (the log is ~276 px tall);
 * BENCH_DEVTOOLS_VIEWPORT=WxH changes it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Browser, Frame, Page } from 'puppeteer-core'
import { serveSite } from '../../demo/site-server'
import { launchChromium, openRealtimePanel, pollUntil } from '../../test/e2e/support/chromium'
import type { BenchApi, StreamOptions, StreamResult } from '../pages/stream/main'
import { buildPages, ensureExtensionBuilt } from './build'
import { panelCounts, type PanelCounts } from './panel-probes'

const RAW_EXTENSION = path.resolve(import.meta.dirname, '..', 'raw-path-extension')

export interface BenchBrowser {
  browser: Browser
  baseUrl: string
  extensionId: string
  rawExtensionId: string
  /** The tab showing the bench page, with DevTools open on the REAL Realtime panel. */
  tab: Page
  panel: Frame
  close(): Promise<void>
}

/** tsx compiles with keepNames: functions sent to the browser call `__name`, defined here. */
const NAME_SHIM = 'globalThis.__name ??= (fn) => fn'

/**
 * Chromium with both extensions (ours from dist/, the raw baseline), the flags of
 * test/e2e/support/chromium.ts's launchWithExtension, and a tab on the bench page with the REAL
 * DevTools Realtime panel open.
 */
export async function startBenchBrowser(): Promise<BenchBrowser> {
  const dist = await ensureExtensionBuilt()
  const scratch = mkdtempSync(path.join(tmpdir(), 'rsd-bench-'))
  const site = await serveSite({ root: await buildPages(path.join(scratch, 'pages')) })
  const baseUrl = site.url
  const userDataDir = path.join(scratch, 'profile')
  const extensions = `${dist},${RAW_EXTENSION}`
  const browser = await launchChromium({
    extensions,
    userDataDir,
    protocolTimeout: 120_000,
    extraArgs: ['--enable-precise-memory-info'],
  })
  const close = async () => {
    await browser.close().catch(() => {})
    await site.close()
    rmSync(scratch, { recursive: true, force: true })
  }
  try {
    // Each extension is told apart by the file name of its service worker.
    const workerHost = async (file: string) => {
      const worker = await browser.waitForTarget(
        (t) =>
          t.type() === 'service_worker' &&
          t.url().startsWith('chrome-extension://') &&
          t.url().endsWith(`/${file}`),
        { timeout: 15_000 },
      )
      return new URL(worker.url()).host
    }
    const extensionId = await workerHost('service-worker-loader.js')
    const rawExtensionId = await workerHost('service-worker.js')
    const tab = await newBenchTab(browser)
    await showStreamPage(tab, baseUrl, 'setup')
    const { devtools, panel } = await openRealtimePanel(tab, extensionId)
    // A laptop-sized window (headless opens 800×600); DevTools is docked to the right of the page.
    const [width = 1280, height = 800] = (process.env.BENCH_DEVTOOLS_VIEWPORT ?? '1280x800')
      .split('x')
      .map(Number)
    await devtools.setViewport({ width, height })
    await panel.evaluate(NAME_SHIM)
    await panel.waitForFunction(() => '__REALTIME_PANEL_STORE__' in globalThis, {
      polling: 100,
      timeout: 15_000,
    })
    const bench: BenchBrowser = { browser, baseUrl, extensionId, rawExtensionId, tab, panel, close }
    await waitForPanelSession(bench, tab.url())
    return bench
  } catch (error) {
    await close()
    throw error
  }
}

export async function newBenchTab(browser: Browser): Promise<Page> {
  const page = await browser.newPage()
  await page.evaluateOnNewDocument(NAME_SHIM)
  return page
}

/**
 * Shows the stream page in `page`, `run` in its URL, and waits until its engine subscribed.
 * Each load is a fresh engine and page session. Returns the URL.
 */
export async function showStreamPage(
  page: Page,
  baseUrl: string,
  run: string,
  query = '',
): Promise<string> {
  const url = `${baseUrl}/stream/index.html?run=${run}${query === '' ? '' : `&${query}`}`
  await page.goto(url)
  await page.waitForFunction(
    () => (window as unknown as { __bench?: BenchApi }).__bench?.ready === true,
    { polling: 50, timeout: 15_000 },
  )
  return url
}

// Numbers the scenarios so that no two loads share a URL: the panel waits for a new one.
let scenarios = 0

/**
 * Loads the bench page again in the tab DevTools inspects (a fresh engine and page session: the
 * panel clears its log) and waits until the panel streams from it.
 */
export async function loadScenario(bench: BenchBrowser, name: string, query = ''): Promise<void> {
  const url = await showStreamPage(bench.tab, bench.baseUrl, `${name}-${++scenarios}`, query)
  await waitForPanelSession(bench, url)
}

/** The panel shows the page at `url`: connected, its engine's state and first events arrived. */
async function waitForPanelSession(bench: BenchBrowser, url: string): Promise<void> {
  await pollUntil(async () => {
    const counts = await panelCounts(bench.panel)
    return (
      counts.url === url &&
      counts.connection === 'connected' &&
      counts.engine === 'bench' &&
      counts.configured &&
      counts.held >= 1
    )
  }, `the panel did not connect to ${url}`)
  // The store answers the new session's hello with a second connect: let that round trip end.
  await sleep(300)
}

/** Runs the stream page's generator (bench/pages/stream/main.ts) and waits until it stopped. */
export function stream(page: Page, options: StreamOptions): Promise<StreamResult> {
  return page.evaluate(
    (o) => (window as unknown as { __bench: BenchApi }).__bench.stream(o),
    options,
  )
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Streams `total` events as fast as the page makes them and waits (30 s at most) until the panel
 * holds them all: a panel full of events, for the benchmarks of what it does with them.
 */
export async function fillPanel(bench: BenchBrowser, total: number): Promise<PanelCounts> {
  const result = await stream(bench.tab, {
    rate: 100_000,
    total,
    durationMs: 30_000,
    tickMs: 10,
    maxPerTick: 5_000,
  })
  const deadline = Date.now() + 30_000
  let counts = await panelCounts(bench.panel)
  while (counts.held < result.lastSeq && Date.now() < deadline) {
    await sleep(100)
    counts = await panelCounts(bench.panel)
  }
  return counts
}
