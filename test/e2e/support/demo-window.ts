import type { Browser, Page } from 'puppeteer-core'
import { demoUrl } from '../../../demo/serve-demo'
import type { Site } from '../../../demo/site-server'
import type { SyncEvent } from '../../../src/types'

/**
 * The demo signed in as `email`, in a browser window of its own (as a user puts windows side
 * by side: a background tab is hidden, with throttled timers and no animation frames), once
 * its realtime status says live.
 */
export async function openDemoWindow(
  browser: Browser,
  site: Site,
  email: string,
  route: string,
  query = '',
): Promise<Page> {
  const page = await browser.newPage({ type: 'window' })
  await page.setViewport({ width: 900, height: 760 })
  await page.goto(demoUrl(site, email, route, query))
  await page
    .waitForFunction(
      () => document.querySelector('[data-testid=realtime-status]')?.textContent === 'live',
      { polling: 50, timeout: 30_000 },
    )
    .catch((error: unknown) => {
      throw new Error(`${email}'s realtime did not get live: ${String(error)}`)
    })
  return page
}

/** The events the page's engine logged (its ring buffer, as the console API exposes it). */
export function engineEvents(page: Page): Promise<SyncEvent[]> {
  return page.evaluate(() => {
    const registry = (
      window as unknown as {
        __REALTIME_SYNC_DEVTOOLS__: {
          engines: Map<string, { readEvents(): { events: unknown[] } }>
        }
      }
    ).__REALTIME_SYNC_DEVTOOLS__
    return [...registry.engines.values()].flatMap((engine) => engine.readEvents().events)
  }) as Promise<SyncEvent[]>
}

/** Waits until the element's text contains `text` (polling in the page, no fixed sleep). */
export function waitForText(page: Page, selector: string, text: string, what: string) {
  return page
    .waitForFunction(
      (s, t) => document.querySelector(s)?.textContent?.includes(t) === true,
      { polling: 50, timeout: 20_000 },
      selector,
      text,
    )
    .catch((error: unknown) => {
      throw new Error(`timed out waiting for ${what}: ${String(error)}`)
    })
}

/** The element's text now, for an assertion on what the user reads. */
export const textOf = (page: Page, selector: string) =>
  page.$eval(selector, (element) => element.textContent ?? '')

/**
 * Types `title` into the open deal's edit form and saves, as a user would, without waiting for
 * the save: for a story that watches where the change lands instead.
 */
export async function typeDealTitle(page: Page, title: string) {
  // The user types in their own window: in front, painting (a locator's click waits for a frame).
  await page.bringToFront()
  await page.locator('input[name=title]').fill(title)
  await page.locator('[data-testid=save-deal]').click()
}

/** Renames the open deal through the demo's edit form, as a user would, and waits until saved. */
export async function renameDeal(page: Page, title: string) {
  await typeDealTitle(page, title)
  await waitForText(page, '[data-testid=deal-heading]', title, 'its own new title')
  // Saved: the button is enabled again once the mutation settled.
  await page.waitForFunction(
    () =>
      (document.querySelector('[data-testid=save-deal]') as HTMLButtonElement | null)?.disabled ===
      false,
    { polling: 50, timeout: 20_000 },
  )
}
