/**
 * The user story of the DevTools panel, in real Chromium with the built extension loaded
 * unpacked, the real DevTools "Realtime" panel, and a page running the real engine over a real
 * supabase-js socket to the local stack. Steps run in order, as a developer would take them.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import type { SupabaseClient } from '@supabase/supabase-js'
import type { Frame, Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import type { SyncEvent } from '../../src/types'
import { closeClient, createTestClient } from '../server/stack-harness'
import { openRealtimePanel, pollUntil, screenshot } from './support/chromium'
import { E2E_PAGE_DIR } from './global-setup'
import { type BrowserSession, startBrowserSession } from './support/demo-session'
import {
  downloadsFolder,
  exportSchemaErrors,
  type PanelDriver,
  panelDriver,
} from './support/panel-driver'
import { storySteps } from './support/story'
import { serveSite } from '../../demo/site-server'
import { shortId } from '../../extension/panel/store/format'

interface PageApi {
  deals: { id: string; title: string }[]
  subscribed(): boolean
  sync: { getEvents(since?: number): SyncEvent[]; id: string }
  updateDeal(id: string, title: string): Promise<void>
}

let session: BrowserSession
let page: Page
let panel: Frame
let ui: PanelDriver
let devtools: Page
let bob: SupabaseClient
let dealId: string
let downloads: string

/** Runs `fn` in the page with its window.__e2e (the function's source is sent, not a closure). */
const e2e = <T>(fn: (api: PageApi) => T | Promise<T>) =>
  page.evaluate(`(${fn.toString()})(window.__e2e)`) as Promise<Awaited<T>>
const pageEvents = () =>
  page.evaluate(() => (window as unknown as { __e2e: PageApi }).__e2e.sync.getEvents())

async function bobRenames(title: string) {
  const { error } = await bob.from('deals').update({ title }).eq('id', dealId)
  if (error) throw error
}

/** The seqs of the events the panel holds for the page's engine, and its gap count. */
const panelHolds = () =>
  panel.evaluate(() => {
    interface Snapshot {
      rows: { length: number; at(i: number): { type: string; event?: { seq: number } } | undefined }
      engine?: { gaps: number }
    }
    const store = (
      globalThis as unknown as { __REALTIME_PANEL_STORE__: { getSnapshot(): Snapshot } }
    ).__REALTIME_PANEL_STORE__
    const snapshot = store.getSnapshot()
    const seqs: number[] = []
    for (let i = 0; i < snapshot.rows.length; i++) {
      const row = snapshot.rows.at(i)
      if (row?.type === 'event' && row.event) seqs.push(row.event.seq)
    }
    return { seqs, gaps: snapshot.engine?.gaps ?? 0 }
  })

beforeAll(async () => {
  session = await startBrowserSession(() => serveSite({ root: E2E_PAGE_DIR }))
  const { stack, site, chromium } = session
  downloads = await downloadsFolder(chromium.browser, 'rsd-downloads-')

  bob = createTestClient(stack)
  const signIn = await bob.auth.signInWithPassword({
    email: 'bob@acme.test',
    password: 'demo-password',
  })
  if (signIn.error) throw signIn.error

  page = await chromium.browser.newPage()
  await page.setViewport({ width: 1200, height: 800 })
  const query = new URLSearchParams({
    url: stack.url,
    key: stack.anonKey,
    email: 'alice@acme.test',
    password: 'demo-password',
    name: 'crm',
  })
  await page.goto(`${site.url}/index.html?${query}`)
  await page.waitForFunction(() => (window as unknown as { __e2e?: PageApi }).__e2e?.subscribed(), {
    polling: 50,
    timeout: 30_000,
  })
  dealId = (await e2e((api) => api.deals[0]!.id)) as string
})

afterAll(async () => {
  await closeClient(bob)
  await session?.close()
})

describe('the Realtime panel, in real Chromium', () => {
  const step = storySteps()

  step('shows the events that happened before DevTools was opened', async () => {
    await bobRenames('Renewal (before DevTools)')
    await pollUntil(
      async () => (await pageEvents()).some((e) => e.kind === 'invalidated'),
      'the engine invalidated after the change',
    )
    ;({ panel, devtools } = await openRealtimePanel(page, session.chromium.extensionId))
    ui = panelDriver(panel)
    await devtools.setViewport({ width: 1400, height: 800 })
    await ui.waitForRow(
      new RegExp(`received.*deals.*${shortId(dealId)}`),
      'the earlier received event',
    )
    await ui.waitForRow(/invalidated/, 'the earlier invalidation')
    expect((await ui.rows()).some((row) => /channel.*SUBSCRIBED/.test(row))).toBe(true)
  })

  step('shows a new change as received → invalidated with the exact query keys', async () => {
    const before = (await ui.rows()).length
    await bobRenames('Renewal v2')
    await pollUntil(async () => (await ui.rows()).length >= before + 2, 'the new events')
    await ui.clickRow(new RegExp(`received.*${shortId(dealId)}`))
    await pollUntil(async () => /Invalidated/.test(await ui.detailText()), 'the decision trail')
    const detail = await ui.detailText()
    expect(detail).toContain('["deals","list"]')
    expect(detail).toContain(`["deals","record","${dealId}"]`)
    await screenshot(devtools, 'e2e-panel-received-trail')
  })

  step("shows this tab's own write as echo-filtered and a redelivery as deduped", async () => {
    await e2e((api) => api.updateDeal(api.deals[0]!.id, 'Renamed by Alice'))
    await ui.waitForRow(new RegExp(`echo.*${shortId(dealId)}`), 'the echo verdict')
    session.stack.realtime.injectDuplicates(1)
    await bobRenames('Renewal v3')
    await ui.waitForRow(new RegExp(`deduped.*${shortId(dealId)}`), 'the deduped verdict')
    await ui.clickRow(/deduped/)
    await pollUntil(
      async () => /duplicate of #\d+/i.test(await ui.detailText()),
      'the dedup reason',
    )
    await screenshot(devtools, 'e2e-panel-deduped')
  })

  step('filters by kind and by text', async () => {
    await panel.$eval('[aria-label=Kinds]', (fieldset) => {
      const chip = [...fieldset.querySelectorAll('button')].find((b) => b.textContent === 'echo')
      chip?.click()
    })
    await pollUntil(async () => {
      const shown = await ui.rows()
      return shown.length > 0 && shown.every((row) => /echo/.test(row))
    }, 'only echo rows')
    await panel.$eval('[aria-label=Kinds]', (fieldset) => {
      const chip = [...fieldset.querySelectorAll('button')].find((b) => b.textContent === 'echo')
      chip?.click()
    })
    await panel.$eval('input[aria-label="Filter events"]', (input) => {
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!
      setter.call(input, 'deduped')
      input.dispatchEvent(new Event('input', { bubbles: true }))
    })
    await pollUntil(async () => {
      const shown = await ui.rows()
      return shown.length > 0 && shown.every((row) => /deduped/.test(row))
    }, 'only rows matching the text')
    await panel.$eval('input[aria-label="Filter events"]', (input) => {
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!
      setter.call(input, '')
      input.dispatchEvent(new Event('input', { bubbles: true }))
    })
  })

  step(
    'exports a file that validates against the schema and imports back to the same rows',
    async () => {
      const exported = (await ui.exportJson(downloads)) as { events: SyncEvent[] }
      expect(exportSchemaErrors(exported)).toEqual([])
      const held = await pageEvents()
      expect(exported.events.map((e: SyncEvent) => e.seq)).toEqual(held.map((e) => e.seq))
      expect(JSON.stringify(exported)).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/)

      const input = await panel.$('input[type=file]')
      const copy = path.join(downloads, 'reimport.json')
      writeFileSync(copy, JSON.stringify(exported))
      await input!.uploadFile(copy)
      await pollUntil(
        async () => panel.$eval('body', (b) => /Imported/.test(b.textContent ?? '')),
        'the imported view',
      )
      const importedRows = await ui.rows()
      expect(importedRows.length).toBe(Math.min(exported.events.length, importedRows.length))
      expect(importedRows.some((row) => /deduped/.test(row))).toBe(true)
      await screenshot(devtools, 'e2e-panel-imported')
      await panel.$$eval('.import-banner button', (buttons) =>
        (buttons[0] as HTMLElement | undefined)?.click(),
      )
    },
  )

  step('loses no event when the service worker is stopped mid-stream', async () => {
    const { browser, extensionId } = session.chromium
    const worker = await browser.newPage()
    await worker.goto(`chrome-extension://${extensionId}/extension/devtools/devtools.html`)
    const cdp = await worker.createCDPSession()
    await cdp.send('ServiceWorker.enable')
    for (let i = 0; i < 10; i++) {
      await bobRenames(`Stream ${i}`)
      if (i === 4) await cdp.send('ServiceWorker.stopAllWorkers')
    }
    await worker.close()
    // The engine keeps logging (its batch flushes 200 ms after a change): the panel must end up
    // holding exactly what the engine's ring holds, once each, in order, with no gap.
    const converged = async () => {
      const engineSeqs = (await pageEvents()).map((e) => e.seq)
      const held = await panelHolds()
      const shown = held.seqs.filter((seq) => seq >= engineSeqs[0]!)
      return { engineSeqs, shown, gaps: held.gaps }
    }
    // Read once per attempt: the engine goes on logging (refetches settle after their pass).
    let last = await converged()
    await pollUntil(async () => {
      last = await converged()
      return JSON.stringify(last.shown) === JSON.stringify(last.engineSeqs)
    }, 'the panel holds every event the engine holds, after the worker restarted')
    expect(last.gaps).toBe(0)
    expect(last.shown).toEqual(last.engineSeqs)
  })

  step('shows the page reload, and the new page load', async () => {
    await page.reload()
    await page.waitForFunction(
      () => (window as unknown as { __e2e?: PageApi }).__e2e?.subscribed(),
      {
        polling: 50,
        timeout: 30_000,
      },
    )
    await pollUntil(
      async () => (await ui.rows()).some((row) => /reload|navigat/i.test(row)),
      'a page reload marker',
    )
    await screenshot(devtools, 'e2e-panel-after-reload')
  })
})
