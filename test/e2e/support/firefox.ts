/**
 * Real Firefox (Debian's firefox-esr) with the packaged Firefox extension installed as a user's
 * temporary add-on, driven by puppeteer-core over WebDriver BiDi, and the real DevTools toolbox
 * with the Realtime panel opened on a tab and read as a developer reads it.
 *
 * WebDriver BiDi reaches web pages only; the toolbox and the panel are reached through Firefox's
 * own privileged ("chrome") scope, which BiDi opens to a client only when Firefox starts with
 * --remote-allow-system-access:
 * - the toolbox is opened on the tab by DevTools' own gDevTools.showToolboxForTab, and the panel
 *   shown by toolbox.selectTool, as a click on its tab does;
 * - the panel's document cannot be a BiDi target: BiDi addresses a top-level content document
 *   only through the tab that holds it (NavigableManager.getBrowserById walks the tabs), and the
 *   panel lives in a remote <browser> inside the toolbox, in no tab; nor can an extension page
 *   reach it, since extension.getViews() lists extension.views, where DevTools documents are not
 *   (they are kept in extension.devtoolsViews). So it is read and clicked through a frame script
 *   loaded into that <browser>'s message manager, which runs in the panel's process with the
 *   panel's document as `content` and posts back what it read.
 * Pictures: puppeteer's screenshots are of pages; the panel's window is drawn in the privileged
 * scope (drawSnapshot) instead.
 */
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import puppeteer, { type Browser, type Frame, type Page } from 'puppeteer-core'
import { ARTIFACTS, pollUntil } from './chromium'
import { type PanelDriver, panelDriver } from './panel-driver'

export function firefoxPath(): string {
  const fromEnv = process.env.FIREFOX_PATH
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`FIREFOX_PATH=${fromEnv}: no such file`)
    return fromEnv
  }
  for (const candidate of ['/usr/bin/firefox-esr', '/usr/bin/firefox']) {
    if (existsSync(candidate)) return candidate
  }
  for (const name of ['firefox-esr', 'firefox']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim()
    } catch {
      // not on the PATH under this name
    }
  }
  throw new Error(
    "Firefox not found: install Debian's firefox-esr (apt-get install firefox-esr; .ci/run does) or set FIREFOX_PATH",
  )
}

/** The window a panel is opened in, and the toolbox docked at its bottom. */
const WINDOW = { width: 1300, height: 1200 }
const TOOLBOX_HEIGHT = 560

interface BidiResult {
  type: 'success' | 'exception'
  result?: { type: string; value?: unknown }
  exceptionDetails?: { text: string }
}

interface BidiConnection {
  send(method: string, params: object): Promise<{ result: unknown }>
}

export interface FirefoxWithExtension {
  browser: Browser
  /** The add-on's id (the manifest's browser_specific_settings.gecko.id). */
  extensionId: string
  /** The moz-extension:// host its pages are served from (fixed for this run). */
  extensionUuid: string
  /** Firefox's own product version, e.g. "firefox/153.8.0". */
  version: string
  /** What Firefox warned about the manifest when it installed the add-on. */
  manifestWarnings: string[]
  /** Runs a function, given as source, in Firefox's privileged scope; returns its JSON result. */
  privileged<T>(functionSource: string, ...args: string[]): Promise<T>
  close(): Promise<void>
}

/**
 * Headless Firefox in a fresh profile (puppeteer makes and removes it) with the extension in
 * `extensionDir` installed the way about:debugging → Load Temporary Add-on installs it.
 */
export async function launchFirefoxWithExtension(
  extensionDir: string,
): Promise<FirefoxWithExtension> {
  const manifestFile = path.join(extensionDir, 'manifest.json')
  if (!existsSync(manifestFile)) throw new Error(`${extensionDir} has no manifest.json`)
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    browser_specific_settings?: { gecko?: { id?: string } }
  }
  const extensionId = manifest.browser_specific_settings?.gecko?.id
  if (extensionId === undefined) throw new Error(`${manifestFile} names no gecko id`)
  const extensionUuid = randomUUID()
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxPath(),
    headless: true,
    defaultViewport: null,
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      // The moz-extension:// host of the add-on, fixed so its pages' addresses are known.
      'extensions.webextensions.uuids': JSON.stringify({ [extensionId]: extensionUuid }),
      // The docked toolbox about as tall as the page above it (the panel's log is virtualized:
      // it draws the rows it has room for).
      'devtools.toolbox.footer.height': TOOLBOX_HEIGHT,
    },
  })
  try {
    const installed = await browser.installExtension(extensionDir)
    if (installed !== extensionId) throw new Error(`installed ${installed}, not ${extensionId}`)
    const connection = (browser as unknown as { connection: BidiConnection }).connection
    const send = async (method: string, params: object) =>
      (await connection.send(method, params)).result
    const tree = (await send('browsingContext.getTree', { 'moz:scope': 'chrome' })) as {
      contexts: { context: string; url: string }[]
    }
    const chromeWindow = tree.contexts.find(
      (c) => c.url === 'chrome://browser/content/browser.xhtml',
    )
    if (chromeWindow === undefined) throw new Error("no browser window in Firefox's chrome scope")
    const privileged = async <T>(functionSource: string, ...args: string[]): Promise<T> => {
      const answer = (await send('script.callFunction', {
        functionDeclaration: functionSource,
        target: { context: chromeWindow.context },
        arguments: args.map((value) => ({ type: 'string', value })),
        awaitPromise: true,
        resultOwnership: 'none',
      })) as BidiResult
      if (answer.type === 'exception') {
        throw new Error(`in Firefox's privileged scope: ${answer.exceptionDetails?.text ?? ''}`)
      }
      const value = answer.result?.value
      return (typeof value === 'string' ? JSON.parse(value) : undefined) as T
    }
    return {
      browser,
      extensionId,
      extensionUuid,
      version: await browser.version(),
      manifestWarnings: await privileged<string[]>(
        '(id) => JSON.stringify(WebExtensionPolicy.getByID(id).extension.warnings)',
        extensionId,
      ),
      privileged,
      close: () => browser.close(),
    }
  } catch (error) {
    await browser.close().catch(() => undefined)
    throw error
  }
}

/** What the toolbox shows of the Realtime panel. */
export interface FirefoxPanel {
  /** The panel document's address. */
  url: string
  /** chrome.devtools.inspectedWindow.tabId, as the panel sees it. */
  inspectedTabId: number
  /** The panel, read and clicked as in Chromium (a subset of puppeteer's Frame: $eval, $$eval). */
  driver: PanelDriver
  /** Saves a picture of the panel's window into artifacts/ (best effort). */
  screenshot(name: string): Promise<string | undefined>
}

/**
 * Opens the DevTools toolbox on `page`'s tab (docked, as F12 does), shows the panel titled
 * `title` (the extension adds it from its devtools_page once the toolbox started), and waits for
 * the panel's first render. In the privileged scope: the tab of the BiDi context, the toolbox,
 * the panel's tool, its <browser>, kept by a key for the frame scripts that read it.
 */
const OPEN_PANEL = `async (contextId, title, extensionId, key, width, height) => {
  const { NavigableManager } = ChromeUtils.importESModule(
    'chrome://remote/content/shared/NavigableManager.sys.mjs',
  )
  const { require } = ChromeUtils.importESModule('resource://devtools/shared/loader/Loader.sys.mjs')
  const { gDevTools } = require('devtools/client/framework/devtools')
  const until = async (what, read) => {
    const deadline = Date.now() + 15000
    for (;;) {
      const value = read()
      if (value) return value
      if (Date.now() > deadline) throw new Error('timed out: ' + what)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  const tabBrowser = NavigableManager.getBrowserById(contextId)
  if (!tabBrowser) throw new Error('no tab holds the page ' + contextId)
  const win = [...Services.wm.getEnumerator('navigator:browser')].find((w) =>
    w.gBrowser.getTabForBrowser(tabBrowser),
  )
  const tab = win.gBrowser.getTabForBrowser(tabBrowser)
  win.gBrowser.selectedTab = tab
  // Room for the page above the docked toolbox (headless windows start at 1366×768).
  win.resizeTo(width, height)
  const toolbox = await gDevTools.showToolboxForTab(tab)
  const tool = await until('the ' + title + ' panel in the toolbox', () =>
    toolbox.getAdditionalTools().find((t) => t.label === title && t.extensionId === extensionId),
  )
  await toolbox.selectTool(tool.id)
  const frame = toolbox.doc.getElementById('toolbox-panel-iframe-' + tool.id)
  const panel = await until('the panel document', () => {
    const browser = frame?.contentDocument?.querySelector('browser')
    return browser?.browsingContext?.currentURI?.spec?.startsWith('moz-extension:') ? browser : undefined
  })
  globalThis.__realtimeE2ePanels ??= new Map()
  globalThis.__realtimeE2ePanels.set(key, { panel, win })
  return JSON.stringify({ url: panel.browsingContext.currentURI.spec })
}`

/**
 * Runs `code` (a function of the panel's document and the arguments) in the panel's process,
 * through a frame script, and resolves with what it returned (JSON).
 */
const IN_PANEL = `(key, code, argsJson) => new Promise((resolve, reject) => {
  const panel = globalThis.__realtimeE2ePanels?.get(key)?.panel
  if (!panel) throw new Error('no open panel ' + key)
  const mm = panel.messageManager
  const name = 'realtime-e2e:' + Services.uuid.generateUUID().toString()
  const listener = (message) => {
    clearTimeout(timer)
    mm.removeMessageListener(name, listener)
    if (message.data.error !== undefined) reject(new Error(message.data.error))
    else resolve(message.data.json)
  }
  const timer = setTimeout(() => {
    mm.removeMessageListener(name, listener)
    reject(new Error('the panel did not answer in 5 s'))
  }, 5000)
  mm.addMessageListener(name, listener)
  const script =
    '(async () => { const __name = (f) => f; try {' +
    ' const value = await (' + code + ')(content.document, ...' + argsJson + ');' +
    ' sendAsyncMessage(' + JSON.stringify(name) + ', { json: JSON.stringify(value ?? null) })' +
    ' } catch (e) { sendAsyncMessage(' + JSON.stringify(name) + ', { error: String(e) }) } })()'
  mm.loadFrameScript('data:text/javascript;charset=utf-8,' + encodeURIComponent(script), false)
})`

/** Opens the Realtime panel in `page`'s DevTools toolbox; resolves once it drew its tabs. */
export async function openFirefoxPanel(
  firefox: FirefoxWithExtension,
  page: Page,
  title = 'Realtime',
): Promise<FirefoxPanel> {
  const key = randomUUID()
  // The page takes its window's size again: an emulated viewport is drawn over the toolbox.
  await page.setViewport(null)
  const { url } = await firefox.privileged<{ url: string }>(
    OPEN_PANEL,
    // The BiDi browsing context id of the page's tab (puppeteer keeps it on the frame, untyped).
    (page.mainFrame() as unknown as { _id: string })._id,
    title,
    firefox.extensionId,
    key,
    String(WINDOW.width),
    String(WINDOW.height),
  )
  const inPanel = <T>(code: string, ...args: unknown[]) =>
    firefox.privileged<T>(IN_PANEL, key, code, JSON.stringify(args))
  // The two calls of puppeteer's Frame that panelDriver reads and clicks with, with its
  // semantics: $$eval gets the matching elements (maybe none), $eval the first (it must exist).
  const frame = {
    $$eval: (selector: string, read: (...args: never[]) => unknown, ...args: unknown[]) =>
      inPanel(
        `(document, selector, ...args) => (${read.toString()})([...document.querySelectorAll(selector)], ...args)`,
        selector,
        ...args,
      ),
    $eval: (selector: string, read: (...args: never[]) => unknown, ...args: unknown[]) =>
      inPanel(
        `(document, selector, ...args) => {
          const element = document.querySelector(selector)
          if (element === null) throw new Error('no element matches ' + selector)
          return (${read.toString()})(element, ...args)
        }`,
        selector,
        ...args,
      ),
  } as unknown as Frame
  const driver = panelDriver(frame)
  // The panel draws after its document loads: a tab clicked before its first render is lost.
  await pollUntil(
    async () => (await frame.$$eval('[role=tab]', (tabs) => tabs.length)) > 0,
    'the panel drawing its tabs',
  )
  const inspectedTabId = await inPanel<number>(
    '(document) => document.defaultView.wrappedJSObject.chrome.devtools.inspectedWindow.tabId',
  )
  return { url, inspectedTabId, driver, screenshot: (name) => drawWindow(firefox, key, name) }
}

/** The window holding the panel, drawn as the screen shows it, as a PNG in base64 (JSON). */
const DRAW_WINDOW = `async (key) => {
  const { win } = globalThis.__realtimeE2ePanels.get(key)
  const image = await win.browsingContext.currentWindowGlobal.drawSnapshot(null, 1, 'white')
  const canvas = win.document.createElementNS('http://www.w3.org/1999/xhtml', 'canvas')
  canvas.width = image.width
  canvas.height = image.height
  canvas.getContext('2d').drawImage(image, 0, 0)
  return JSON.stringify(canvas.toDataURL('image/png').split(',')[1])
}`

/**
 * The panel's whole browser window (the page and the docked toolbox showing the panel), saved
 * into artifacts/: puppeteer cannot picture the panel, which is in no page. As in Chromium, a
 * picture that cannot be taken is reported on stderr, never a failure.
 */
async function drawWindow(
  firefox: FirefoxWithExtension,
  key: string,
  name: string,
): Promise<string | undefined> {
  try {
    const data = await firefox.privileged<string>(DRAW_WINDOW, key)
    mkdirSync(ARTIFACTS, { recursive: true })
    const file = path.join(ARTIFACTS, `${name}.png`)
    writeFileSync(file, Buffer.from(data, 'base64'))
    return file
  } catch (error) {
    console.warn(`[e2e] screenshot ${name} not taken: ${String(error)}`)
    return undefined
  }
}
