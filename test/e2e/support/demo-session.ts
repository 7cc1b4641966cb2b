/**
 * What each browser story runs against, started and closed in one place: the local stack, a site
 * served against it (the demo CRM, or the e2e page), Chromium with the packaged extension, and
 * the users' windows with their Realtime panel open.
 */
import type { CDPSession, Page } from 'puppeteer-core'
import { serveDemo } from '../../../demo/serve-demo'
import type { Site } from '../../../demo/site-server'
import type { Stack, StackOptions } from '../../../server/stack'
import type { Transport } from '../../../src/types'
import { startTestStack } from '../../server/stack-harness'
import { E2E_DEMO_DIR, E2E_EXTENSION_DIR } from '../global-setup'
import { type ExtensionBrowser, launchWithExtension, openRealtimePanel } from './chromium'
import { openDemoWindow, waitForText } from './demo-window'
import { type PanelDriver, panelDriver } from './panel-driver'

/** What a browser story runs against, closed as one in afterAll. */
export interface BrowserSession {
  stack: Stack
  site: Site
  chromium: ExtensionBrowser
  /** Closes Chromium, then the site, then the stack. */
  close(): Promise<void>
}

/**
 * The stack, then the site `serve` makes for it, then Chromium with the packaged extension; a
 * start that fails part way closes what it started, so afterAll has nothing half-open to find.
 */
export async function startBrowserSession(
  serve: (stack: Stack) => Promise<Site>,
  stackOptions: Partial<StackOptions> = {},
): Promise<BrowserSession> {
  let stack: Stack | undefined
  let site: Site | undefined
  let chromium: ExtensionBrowser | undefined
  const close = async () => {
    await chromium?.close()
    await site?.close()
    await stack?.close()
  }
  try {
    stack = await startTestStack(stackOptions)
    site = await serve(stack)
    chromium = await launchWithExtension(E2E_EXTENSION_DIR)
  } catch (error) {
    // The start's own error is the one to read, not a close's that followed it.
    await close().catch(() => undefined)
    throw error
  }
  return { stack, site, chromium, close }
}

/** A session on the demo CRM as `npm run demo` serves it: one-click sign-in for the seeded users. */
export function startDemoSession(options: { transport?: Transport } = {}): Promise<BrowserSession> {
  return startBrowserSession(
    (stack) =>
      serveDemo({
        appDir: E2E_DEMO_DIR,
        supabaseUrl: stack.url,
        supabaseAnonKey: stack.anonKey,
        localUsers: true,
        ...options,
      }),
    options,
  )
}

/** A user's demo window and the Realtime panel of its DevTools. */
export interface UserWindow {
  page: Page
  panel: PanelDriver
}

/** Opens DevTools on `page` at the wide size (1300×760) the stories read the panel at. */
export async function withPanel(session: BrowserSession, page: Page): Promise<UserWindow> {
  const { devtools, panel } = await openRealtimePanel(page, session.chromium.extensionId)
  await devtools.setViewport({ width: 1300, height: 760 })
  // The panel draws after its frame loads: a tab clicked before its first render is lost.
  await panel.waitForSelector('[role=tab]', { timeout: 15_000 })
  return { page, panel: panelDriver(panel) }
}

/** The demo signed in as `email` in a window of its own, with its Realtime panel open. */
export async function openUserWindow(
  session: BrowserSession,
  email: string,
  route: string,
  query = '',
): Promise<UserWindow> {
  const page = await openDemoWindow(session.chromium.browser, session.site, email, route, query)
  return withPanel(session, page)
}

/**
 * Cuts `page` off realtime so that what others write meanwhile lands in a gap it must replay:
 * offline first (so it cannot rejoin at once), then the server drops every socket; resolves once
 * the page noticed (its status says connecting), with the way back online.
 */
export async function cutOffRealtime(
  page: Page,
  stack: Stack,
  who: string,
): Promise<{ reconnect(): Promise<void> }> {
  const network: CDPSession = await page.createCDPSession()
  await network.send('Network.enable')
  const offline = (on: boolean) =>
    network.send('Network.emulateNetworkConditions', {
      offline: on,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    })
  await offline(true)
  stack.realtime.dropConnections()
  await waitForText(page, '[data-testid=realtime-status]', 'connecting', `${who} to notice`)
  return {
    async reconnect() {
      await offline(false)
      await waitForText(page, '[data-testid=realtime-status]', 'live', `${who} back online`)
    },
  }
}
