/**
 * Real Chromium (Debian's package) with the built extension loaded unpacked, driven by
 * puppeteer-core; opens the real DevTools and switches to the Realtime panel.
 * How and why: ../shared/research/devtools-e2e.md.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
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
  const browser = await puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    pipe: true,
    enableExtensions: true,
    handleDevToolsAsPage: true,
    userDataDir,
    args: chromiumArgs(distDir),
  })
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

/** A page, or a frame (the Realtime panel) cropped to its own box, saved into artifacts/. */
export async function screenshot(target: Page | Frame, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true })
  const file = path.join(ARTIFACTS, `${name}.png`) as `${string}.png`
  if ('frameElement' in target) {
    const element = await target.frameElement()
    if (element === null) throw new Error('the frame has no element to crop to')
    await element.screenshot({ path: file })
  } else {
    await target.screenshot({ path: file })
  }
  return file
}
