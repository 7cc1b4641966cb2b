/**
 * Real Chromium (Debian's package) with the built extension loaded unpacked, driven by
 * puppeteer-core; opens the real DevTools and switches to the Realtime panel.
 * How and why: ../shared/research/devtools-e2e.md.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import puppeteer, { type Browser, type Frame, type Page } from 'puppeteer-core'

export const PANEL_TITLE = 'Realtime'
export const ARTIFACTS = path.resolve('artifacts')

export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH
  if (fromEnv) return fromEnv
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (existsSync(candidate)) return candidate
  }
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim()
  } catch {
    throw new Error(
      "Chromium not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH",
    )
  }
}

/**
 * Flags every run needs here: as root Chromium exits without --no-sandbox, and without the
 * background-networking flags it floods this machine's closed network.
 */
export function chromiumArgs(extensionDirs: string): string[] {
  return [
    `--load-extension=${extensionDirs}`,
    `--disable-extensions-except=${extensionDirs}`,
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ]
}

/**
 * Headless Chromium with `extensions` (comma-separated folders) loaded unpacked, DevTools pages
 * reachable as pages (the real panel), in a fresh profile.
 */
export function launchChromium(options: {
  extensions: string
  userDataDir: string
  extraArgs?: string[]
  protocolTimeout?: number
}): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    pipe: true,
    enableExtensions: true,
    handleDevToolsAsPage: true,
    userDataDir: options.userDataDir,
    ...(options.protocolTimeout === undefined ? {} : { protocolTimeout: options.protocolTimeout }),
    args: [...chromiumArgs(options.extensions), ...(options.extraArgs ?? [])],
  })
}

export interface ExtensionBrowser {
  browser: Browser
  extensionId: string
  close(): Promise<void>
}

export async function launchWithExtension(
  distDir = path.resolve('dist'),
): Promise<ExtensionBrowser> {
  if (!existsSync(path.join(distDir, 'manifest.json'))) {
    throw new Error(`${distDir} has no manifest.json: run npm run build first`)
  }
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'rsd-chromium-'))
  const browser = await launchChromium({ extensions: distDir, userDataDir })
  const worker = await browser.waitForTarget(
    (target) =>
      target.type() === 'service_worker' && target.url().startsWith('chrome-extension://'),
    { timeout: 15_000 },
  )
  const extensionId = new URL(worker.url()).host
  return {
    browser,
    extensionId,
    async close() {
      await browser.close()
      rmSync(userDataDir, { recursive: true, force: true })
    },
  }
}

export interface OpenPanel {
  devtools: Page
  panel: Frame
}

/** Opens DevTools for `page`, shows the Realtime panel and returns its frame. */
export async function openRealtimePanel(page: Page, extensionId: string): Promise<OpenPanel> {
  const devtools = await page.openDevTools()
  const panelId = `chrome-extension://${extensionId}${PANEL_TITLE.replace(/\s/g, '')}`
  // Code for the DevTools page goes as a string: DevTools' modules resolve only in code it
  // evaluates itself, and a test runner's transform would rewrite a real import() expression.
  // InspectorView.instance() throws until DevTools finished starting: keep polling.
  const inspector = `(await import('./ui/legacy/legacy.js')).InspectorView.InspectorView.instance()`
  const id = JSON.stringify(panelId)
  await pollUntil(
    () =>
      (devtools.evaluate(`(async () => ${inspector}.hasPanel(${id}))()`) as Promise<boolean>).catch(
        () => false,
      ),
    'the Realtime panel was not added to DevTools',
    30_000,
  )
  await devtools.evaluate(`(async () => ${inspector}.showPanel(${id}))()`)
  const panel = await devtools.waitForFrame(
    (f) => f.url().startsWith(`chrome-extension://${extensionId}/extension/panel/panel.html`),
    { timeout: 15_000 },
  )
  return { devtools, panel }
}

/** Polls an async condition from Node until it holds or `timeoutMs` passes. */
export async function pollUntil(
  condition: () => Promise<boolean>,
  message: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${message}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** How long one capture may take before it is tried again (a healthy one takes well under 1 s). */
const CAPTURE_TIMEOUT_MS = 4_000
const CAPTURE_ATTEMPTS = 3

/**
 * A page, or a frame (the Realtime panel) cropped to its own box, saved into artifacts/.
 * A picture is an artifact, never a reason for a test to hang or fail: one that cannot be taken
 * is reported on stderr and the test goes on, asserting what the user sees.
 *
 * Why CDP directly, not puppeteer's `screenshot()`: Chromium 150 sometimes never answers
 * `Page.captureScreenshot` (seen on the DevTools page after an `evaluate` on its inspected tab,
 * and on background tabs), and puppeteer holds a browser-context-wide mutex until it answers:
 * every later `newPage()`, `close()` and screenshot of the run would wait behind it. Here the
 * page is brought to the front, each capture is bounded, and a capture that got no answer is
 * asked again on a new session (the second one answers at once in what was seen).
 */
export async function screenshot(target: Page | Frame, name: string): Promise<string | undefined> {
  mkdirSync(ARTIFACTS, { recursive: true })
  const file = path.join(ARTIFACTS, `${name}.png`)
  const page = 'frameElement' in target ? target.page() : target
  const failures: string[] = []
  for (let attempt = 1; attempt <= CAPTURE_ATTEMPTS; attempt++) {
    const session = await page.createCDPSession().catch((error: unknown) => {
      failures.push(errorText(error))
      return undefined
    })
    if (!session) break
    try {
      const clip = 'frameElement' in target ? await frameClip(target) : undefined
      await withTimeout(session.send('Page.bringToFront'), 'bringing the page to the front')
      const { data } = await withTimeout(
        session.send('Page.captureScreenshot', {
          format: 'png',
          captureBeyondViewport: false,
          ...(clip ? { clip } : {}),
        }),
        'capturing',
      )
      writeFileSync(file, Buffer.from(data, 'base64'))
      return file
    } catch (error) {
      failures.push(errorText(error))
    } finally {
      await session.detach().catch(() => undefined)
    }
  }
  console.warn(`[e2e] screenshot ${name} not taken: ${failures.join('; ')}`)
  return undefined
}

async function frameClip(frame: Frame) {
  const element = await frame.frameElement()
  const box = await element?.boundingBox()
  if (!box || box.width === 0 || box.height === 0)
    throw new Error('the frame has no box to crop to')
  return { ...box, scale: 1 }
}

function withTimeout<T>(promise: Promise<T>, step: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${step} gave no answer in ${CAPTURE_TIMEOUT_MS} ms`)),
      CAPTURE_TIMEOUT_MS,
    )
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
