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
