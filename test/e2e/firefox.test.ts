/**
 * The Firefox build, in Firefox: the packaged Firefox archive, extracted, installed into Debian's
 * firefox-esr as a temporary add-on (as about:debugging → Load Temporary Add-on does), the demo
 * CRM against the local stack, and the real DevTools toolbox on Bob's tab with the Realtime panel
 * shown in it, while Alice, in another window, renames a deal Bob is looking at.
 *
 * What is real: Firefox and its extension runtime (the MAIN-world bridge and the ISOLATED relay
 * as Firefox injects them, the background as Firefox runs it: an event page, not a service
 * worker), the panel bundle in Firefox's own DevTools, with the tab id Firefox gives it.
 *
 * What automation cannot do in Firefox as it does in Chromium, and what this test does instead
 * (support/firefox.ts has the details):
 * - puppeteer opens DevTools only over CDP (page.openDevTools), which Firefox does not speak; and
 *   WebDriver BiDi reaches web pages only: Firefox refuses to navigate a BiDi context to
 *   moz-extension:// or to evaluate in its own UI unless started with
 *   --remote-allow-system-access. With it, the test opens the toolbox with DevTools' own
 *   gDevTools.showToolboxForTab and shows the panel with toolbox.selectTool.
 * - The panel's document is no BiDi browsing context, even so: BiDi finds a top-level document
 *   only through the tab holding it, and the panel is in a <browser> inside the toolbox, in no
 *   tab; nor do the extension's other pages see it (extension.getViews() leaves out DevTools
 *   documents). It is read and clicked through a frame script in that <browser>: the same
 *   selectors and clicks as the Chromium stories (support/panel-driver.ts).
 * - No puppeteer screenshot of the panel: it is in no page. The panel's window is drawn from
 *   the privileged scope instead (drawSnapshot), best effort.
 * Left to the Chromium stories, not for want of a way (this Firefox takes BiDi's offline
 * emulation and download folder): the replay after a cut-off, the export, the other tabs.
 */
import type { Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { serveDemo } from '../../demo/serve-demo'
import type { Site } from '../../demo/site-server'
import { shortId } from '../../extension/panel/store/format'
import { DEMO_DEALS, DEMO_USERS } from '../../server/seed/demo-world'
import type { Stack } from '../../server/stack'
import { startTestStack } from '../server/stack-harness'
import { E2E_DEMO_DIR, E2E_FIREFOX_EXTENSION_DIR } from './global-setup'
import { pollUntil } from './support/chromium'
import { engineEvents, openDemoWindow, renameDeal, waitForText } from './support/demo-window'
import {
  type FirefoxPanel,
  type FirefoxWithExtension,
  launchFirefoxWithExtension,
  openFirefoxPanel,
} from './support/firefox'
import { storySteps } from './support/story'

/** An Acme deal Alice renames while Bob has it open. */
const DEAL = DEMO_DEALS[1]
const NEW_TITLE = 'Rocket skates, shipped to Firefox'

let stack: Stack | undefined
let site: Site | undefined
let firefox: FirefoxWithExtension | undefined
let bob: Page
let alice: Page
let panel: FirefoxPanel

beforeAll(async () => {
  stack = await startTestStack()
  site = await serveDemo({
    appDir: E2E_DEMO_DIR,
    supabaseUrl: stack.url,
    supabaseAnonKey: stack.anonKey,
    localUsers: true,
  })
  firefox = await launchFirefoxWithExtension(E2E_FIREFOX_EXTENSION_DIR)
  console.info(`[e2e] ${firefox.version}`)
  bob = await openDemoWindow(firefox.browser, site, DEMO_USERS.bob.email, `#/deals/${DEAL.id}`)
  panel = await openFirefoxPanel(firefox, bob)
  alice = await openDemoWindow(firefox.browser, site, DEMO_USERS.alice.email, `#/deals/${DEAL.id}`)
}, 120_000)

afterAll(async () => {
  await firefox?.close()
  await site?.close()
  await stack?.close()
})

describe('the Firefox build, in Firefox: bridge, relay, background and the DevTools panel', () => {
  const step = storySteps()

  step(
    "installs without a manifest warning, runs the bridge in Bob's page and the relay beside it: the Realtime panel in his toolbox is connected to his tab through the background",
    async () => {
      // The bridge, injected by Firefox into the page's own world, found the demo's engine.
      const page = await bob.evaluate(() => {
        const host = window as unknown as Record<string, unknown>
        const registry = host.__REALTIME_SYNC_DEVTOOLS__ as
          { engines: Map<string, { name: string }> } | undefined
        return {
          bridge: host.__REALTIME_SYNC_DEVTOOLS_BRIDGE__,
          engines: [...(registry?.engines.values() ?? [])].map((engine) => engine.name),
        }
      })
      expect(page).toEqual({ bridge: true, engines: ['demo-crm'] })

      // Firefox read the manifest without a warning (web-ext lint checks the archive's files).
      expect(firefox!.manifestWarnings).toEqual([])

      // The panel is the extension's own page, in DevTools, for the tab Firefox says it inspects.
      expect(panel.url).toBe(`moz-extension://${firefox!.extensionUuid}/extension/panel/panel.html`)
      expect(panel.inspectedTabId).toEqual(expect.any(Number))

      // The page answered the panel's hello (relay → background → panel): connected, with the
      // page's address, and the engine's channel joining, which only the bridge reports.
      await pollUntil(
        async () =>
          (await panel.driver.frame.$eval('[role=status]', (e) => e.textContent)) === 'Connected',
        'the panel connected to the page',
      )
      expect(
        await panel.driver.frame.$eval('[role=status]', (e) => e.getAttribute('title')),
      ).toContain(`user=${DEMO_USERS.bob.email}`)
      await panel.driver.waitForRow(/channel.*org_acme.*SUBSCRIBED/, "Bob's channel joined")
      await panel.screenshot('firefox-bob-panel-connected')
    },
  )

  step(
    "shows Alice's rename on Bob's screen and in his panel: received → invalidated, with the keys",
    async () => {
      await renameDeal(alice, NEW_TITLE)
      await waitForText(
        bob,
        '[data-testid=deal-heading]',
        NEW_TITLE,
        "the new title on Bob's screen",
      )

      const received = new RegExp(`received.*deals.*${shortId(DEAL.id)}`)
      await panel.driver.waitForRow(received, 'the received row in Bob’s panel')
      await panel.driver.waitForRow(
        /invalidated.*deals.*batch #\d+: 1 event → \d+ keys?/,
        'the invalidation row in Bob’s panel',
      )
      await panel.driver.clickRow(received)
      await pollUntil(
        async () => /Invalidated/.test(await panel.driver.detailText()),
        'the decision trail with the invalidated keys',
      )
      expect(await panel.driver.detailText()).toContain(`["deals","record","${DEAL.id}"]`)
      // The engine logged what the panel shows: the same change, received, in Bob's page.
      const events = await engineEvents(bob)
      expect(
        events.some((e) => e.kind === 'received' && e.table === 'deals' && e.recordId === DEAL.id),
      ).toBe(true)
      await panel.screenshot('firefox-bob-panel-received-trail')
    },
  )

  step(
    "shows the delivery on Bob's socket in the Socket tab, with the invalidation after it",
    async () => {
      await panel.driver.clickTab('Socket')
      await pollUntil(
        async () =>
          (await panel.driver.socketRows('Frames')).some((row) =>
            new RegExp(
              `postgres_changes.*INSERT public\\.realtime_table_events \\(deals UPDATE ${DEAL.id}\\) → \\d+ quer(y|ies) invalidated`,
            ).test(row),
          ),
        "Alice's change as a postgres_changes frame in Bob's Socket tab",
      )
      // The socket it came on: the page's one Realtime socket, to the stack, open.
      const host = new URL(stack!.url).host
      expect(
        (await panel.driver.socketRows('Sockets')).filter((row) => row.includes(host)),
      ).toEqual([expect.stringMatching(/open/)])
      await panel.screenshot('firefox-bob-panel-socket')
    },
  )
})
