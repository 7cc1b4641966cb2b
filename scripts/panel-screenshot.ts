/**
 * `npm run screenshot:panel`: docs/realtime-panel.png, the README's picture, taken from the real
 * demo. The local stack, the demo CRM and the built extension in Debian's Chromium; Bob has the
 * deals list and one deal open, the real DevTools Realtime panel undocked at 1280 × 680; Alice
 * renames the deal twice and Bob saves a change of his own; Bob's panel shows Alice's last
 * change selected, with its trail down to the refetch and whether the data changed.
 */
import { copyFileSync } from 'node:fs'
import path from 'node:path'
import type { Page } from 'puppeteer-core'
import { DEMO_DEALS, DEMO_USERS } from '../server/seed/demo-world'
import { serveDemo } from '../demo/serve-demo'
import { shortId } from '../extension/panel/store/format'
import { startTestStack } from '../test/server/stack-harness'
import setup, { E2E_DEMO_DIR, E2E_EXTENSION_DIR } from '../test/e2e/global-setup'
import {
  launchWithExtension,
  openRealtimePanel,
  pollUntil,
  screenshot,
} from '../test/e2e/support/chromium'
import { openDemoWindow } from '../test/e2e/support/demo-window'
import { panelDriver } from '../test/e2e/support/panel-driver'

const DEAL = DEMO_DEALS[1]
const OUT = path.resolve('docs/realtime-panel.png')

async function rename(page: Page, title: string): Promise<void> {
  await page.bringToFront()
  await page.locator('input[name=title]').fill(title)
  await page.locator('[data-testid=save-deal]').click()
  await page.waitForFunction(
    (t) => document.querySelector('[data-testid=deal-heading]')?.textContent?.includes(t),
    { polling: 50, timeout: 20_000 },
    title,
  )
}

await setup()
const stack = await startTestStack()
const site = await serveDemo({
  appDir: E2E_DEMO_DIR,
  supabaseUrl: stack.url,
  supabaseAnonKey: stack.anonKey,
  localUsers: true,
})
const chromium = await launchWithExtension(E2E_EXTENSION_DIR)
try {
  const alice = await openDemoWindow(
    chromium.browser,
    site,
    DEMO_USERS.alice.email,
    `#/deals/${DEAL.id}`,
  )
  const bob = await openDemoWindow(chromium.browser, site, DEMO_USERS.bob.email, '#/deals')
  await bob.bringToFront()
  await bob.click(`[data-testid=deal-row][data-deal-id="${DEAL.id}"] a`)
  await bob.waitForSelector('[data-testid=deal-heading]')
  const { devtools, panel } = await openRealtimePanel(bob, chromium.extensionId)
  await devtools.evaluate(
    `(async () => (await import('./ui/legacy/legacy.js')).DockController.DockController.instance().setDockSide('undocked'))()`,
  )
  await devtools.setViewport({ width: 1280, height: 680 })
  const bobPanel = panelDriver(panel)

  await rename(alice, 'Rocket skates, 48 pairs')
  await rename(alice, 'Rocket skates, 60 pairs')
  await rename(bob, 'Rocket skates, 60 pairs (signed)')
  const received = new RegExp(`received.*deals.*${shortId(DEAL.id)}`)
  await bobPanel.waitForRow(/refetched/, 'a refetched row')
  await bobPanel.waitForRow(/echo/, "Bob's echo")
  await bobPanel.clickRow(received)
  await pollUntil(
    async () => /data changed/.test(await bobPanel.detailText()),
    'the trail down to the refetch',
  )
  const file = await screenshot(panel, 'realtime-panel')
  if (file === undefined) throw new Error('the picture could not be taken')
  copyFileSync(file, OUT)
  console.log(`wrote ${path.relative(process.cwd(), OUT)}`)
} finally {
  await chromium.close()
  await site.close()
  await stack.close()
}
