/**
 * A user's session, captured for the bug report (issue 28 §2), in real Chromium with the demo
 * CRM, the built extension and the local stack: Bob works on a deal while Alice edits it, clicks
 * the demo's "Report a problem" (sync.exportLog(), downloaded as a file), and a fresh Realtime
 * panel, in another window of his, imports that file and shows the rows his live panel shows.
 */
import { readdirSync, readFileSync, renameSync } from 'node:fs'
import path from 'node:path'
import type { Frame } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { shortId } from '../../extension/panel/store/format'
import { DEMO_DEALS, DEMO_USERS } from '../../server/seed/demo-world'
import type { LogFile } from '../../src/export-log'
import { pollUntil, screenshot } from './support/chromium'
import {
  type BrowserSession,
  openUserWindow,
  startDemoSession,
  type UserWindow,
} from './support/demo-session'
import { engineEvents, renameDeal, waitForText } from './support/demo-window'
import { downloadsFolder, exportSchemaErrors } from './support/panel-driver'
import { storySteps } from './support/story'

/** An Acme deal both have open: Alice edits it, Bob watches, then edits it himself. */
const DEAL = DEMO_DEALS[1]

let demo: BrowserSession
let alice: UserWindow
let bob: UserWindow
let downloads: string
/** What "Report a problem" downloaded: its path, and its content. */
let report: { file: string; log: LogFile }

/** Every row the panel's store holds (not only those on screen): its event, or its marker. */
const storeRows = (panel: Frame) =>
  panel.evaluate(() => {
    interface Row {
      type: 'event' | 'marker'
      marker?: string
      text?: string
      event?: unknown
    }
    const store = (
      globalThis as unknown as {
        __REALTIME_PANEL_STORE__: {
          getSnapshot(): { rows: { length: number; at(i: number): Row | undefined } }
        }
      }
    ).__REALTIME_PANEL_STORE__
    const { rows } = store.getSnapshot()
    return Array.from({ length: rows.length }, (_, i) => {
      const row = rows.at(i)!
      // The file's events carry their sentence (`reason`); the live ones are worded on screen.
      return row.type === 'event'
        ? JSON.stringify({ ...(row.event as object), reason: undefined })
        : `${row.marker}: ${row.text}`
    })
  })

/**
 * The next file the browser finished saving into `downloads` after `trigger`: its name, its
 * JSON, and where it was moved to (`saveAs`: a later download of the same name replaces a file).
 */
async function nextDownload(
  trigger: () => Promise<void>,
  saveAs: string,
): Promise<{ name: string; file: string; json: unknown }> {
  const before = new Set(readdirSync(downloads))
  await trigger()
  let found: { name: string; json: unknown } | undefined
  // The file can appear before Chromium has finished writing it: read it until it parses.
  await pollUntil(async () => {
    const name = readdirSync(downloads).find((f) => f.endsWith('.json') && !before.has(f))
    if (name === undefined) return false
    try {
      found = { name, json: JSON.parse(readFileSync(path.join(downloads, name), 'utf8')) }
      return true
    } catch {
      return false
    }
  }, 'the downloaded file, complete')
  const file = path.join(downloads, saveAs)
  renameSync(path.join(downloads, found!.name), file)
  return { ...found!, file }
}

beforeAll(async () => {
  demo = await startDemoSession()
  downloads = await downloadsFolder(demo.chromium.browser, 'rsd-report-downloads-')
  alice = await openUserWindow(demo, DEMO_USERS.alice.email, `#/deals/${DEAL.id}`)
  bob = await openUserWindow(demo, DEMO_USERS.bob.email, `#/deals/${DEAL.id}`)
}, 120_000)

afterAll(() => demo?.close())

describe('Report a problem: a session captured in the demo, read in a fresh panel', () => {
  const step = storySteps()

  step('Bob works on a deal while Alice edits it; his panel shows it live', async () => {
    for (const title of ['Rocket skates, reported 1', 'Rocket skates, reported 2']) {
      await renameDeal(alice.page, title)
      await waitForText(bob.page, '[data-testid=deal-heading]', title, "Alice's title on Bob's")
    }
    await renameDeal(bob.page, 'Rocket skates, as Bob saw them')
    await bob.panel.waitForRow(new RegExp(`echo.*deals.*${shortId(DEAL.id)}`), "Bob's echo")
    await bob.panel.waitForRow(new RegExp(`received.*deals.*${shortId(DEAL.id)}`), 'the received')
    // Settled: the engine logs nothing more (the refetches came back), and the panel holds it all.
    let last = ''
    await pollUntil(async () => {
      const seqs = (await engineEvents(bob.page)).map((e) => e.seq)
      const held = (await storeRows(bob.panel.frame)).length
      const now = JSON.stringify(seqs)
      const settled = now === last && held === seqs.length
      last = now
      return settled
    }, "Bob's log settled and held by his panel")
  })

  step(
    'Report a problem downloads the log as the panel exports it: valid, redacted, every event the engine holds',
    async () => {
      const held = await engineEvents(bob.page)
      const downloaded = await nextDownload(async () => {
        await bob.page.bringToFront()
        await bob.page.locator('[data-testid=report-problem]').click()
      }, 'reported.json')
      report = { file: downloaded.file, log: downloaded.json as LogFile }
      expect(downloaded.name).toMatch(
        /^realtime-sync-demo-crm-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.json$/,
      )
      expect(exportSchemaErrors(report.log)).toEqual([])
      expect(report.log).toMatchObject({
        format: 'realtime-sync-devtools.log',
        version: 4,
        engine: { name: 'demo-crm' },
      })
      expect(report.log.events.map((e) => e.seq)).toEqual(held.map((e) => e.seq))
      expect(report.log.events.every((e) => typeof e.reason === 'string')).toBe(true)
      // The page's url carries no session; a token anywhere would be a JWT's shape.
      expect(readFileSync(report.file, 'utf8')).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/)

      // The same log as the live panel's own Export JSON; the panel adds the page's socket
      // records, which the engine does not hold.
      expect(report.log).not.toHaveProperty('socket')
      const exported = await nextDownload(
        () => bob.panel.clickButton('Export JSON'),
        'exported-by-the-panel.json',
      )
      const panelFile = exported.json as LogFile
      expect(panelFile.events).toEqual(report.log.events)
      expect(panelFile.engine).toEqual(report.log.engine)
      expect(panelFile.page).toEqual(report.log.page)
      expect(panelFile.dropped).toBe(report.log.dropped)
    },
  )

  step(
    'a fresh panel in another window of his imports the file and shows the same rows',
    async () => {
      const live = await bob.panel.rows()
      const liveHeld = await storeRows(bob.panel.frame)
      const fresh = await openUserWindow(demo, DEMO_USERS.bob.email, '#/deals')
      const input = await fresh.panel.frame.$('input[type=file]')
      await input!.uploadFile(report.file)
      await pollUntil(
        async () =>
          fresh.panel.frame.$eval('body', (body) => /Imported/.test(body.textContent ?? '')),
        'the imported view',
      )
      // Every row the store holds, each event as the engine logged it (the file's sentences are
      // the panel's: the rows on screen below read them).
      expect(await storeRows(fresh.panel.frame)).toEqual(liveHeld)
      // On screen: the newest rows, as the live panel draws them (the import banner above the
      // log may leave room for fewer).
      const shown = await fresh.panel.rows()
      expect(shown.length).toBeGreaterThanOrEqual(Math.min(live.length, 10))
      expect(shown).toEqual(live.slice(live.length - shown.length))
      expect(await bob.panel.rows()).toEqual(live)
      await screenshot(fresh.panel.frame, 'report-a-problem-imported')
    },
  )
})
