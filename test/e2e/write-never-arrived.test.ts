/**
 * Issue 25 §4, "my change never reached my teammate", in real Chromium with the built extension:
 * the deals table is not tracked (its trigger dropped, as in a database where someone forgot
 * realtime_track_table), Alice renames a deal, and the Realtime panel says so without her
 * reading a row of the log: the banner above the tabs, the Writes tab's row and its why and next
 * step (the advisor's check and its fix), with our engine (its `unconfirmed` verdict) and without
 * it (?engine=none, a guess from the wire). Then the fix the panel names is applied and her next
 * write comes back. Steps run in order.
 */
import type { Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { shortId } from '../../extension/panel/store/format'
import { DEMO_CONTACTS, DEMO_DEALS, DEMO_USERS } from '../../server/seed/demo-world'
import { pollUntil, screenshot } from './support/chromium'
import {
  type BrowserSession,
  openUserWindow,
  startDemoSession,
  type UserWindow,
} from './support/demo-session'
import { engineEvents, renameDeal } from './support/demo-window'
import type { PanelDriver, WriteRow } from './support/panel-driver'
import { storySteps } from './support/story'

/** An Acme deal: its table is the one not tracked. */
const DEAL = DEMO_DEALS[1]
/** An Acme contact (a tracked table): a teammate's change of it is the change that does arrive. */
const CONTACT = DEMO_CONTACTS[1]!
/** The trigger realtime_track_table() attaches (supabase/migrations/…_realtime_table_events.sql). */
const TRACKING_TRIGGER = 'trigger_notify_org_change'
/** The engine's default writeConfirmMs, which the demo keeps: how long a write waits. */
const CONFIRM_MS = 5_000
/** Long enough for the confirmation window, the engine's read of the events table and a render. */
const VERDICT_TIMEOUT_MS = CONFIRM_MS + 15_000

let demo: BrowserSession
/** Alice with our engine. */
let alice: UserWindow
/** Alice again, in a second window: the same CRM with a hand-written hook (?engine=none). */
let plain: UserWindow

/** Adds a note to the deal's activity (an insert into activities, a tracked table); its id. */
async function addNote(page: Page, note: string): Promise<string> {
  await page.bringToFront()
  await page.locator('input[name=note]').fill(note)
  await page.locator('[data-testid=add-note]').click()
  const item = await page.waitForFunction(
    (text) =>
      [...document.querySelectorAll('[data-testid=activity]')]
        .find((e) => e.textContent?.includes(text) === true)
        ?.getAttribute('data-activity-id') ?? false,
    { polling: 50, timeout: 20_000 },
    note,
  )
  return (await item.jsonValue()) as string
}

/** The newest row of the Writes tab whose Write cell matches, once there is one. */
async function waitForWrite(
  panel: PanelDriver,
  write: RegExp,
  outcome: RegExp,
  what: string,
  timeoutMs?: number,
): Promise<WriteRow> {
  let found: WriteRow | undefined
  await pollUntil(
    async () => {
      found = (await panel.writeRows()).findLast((row) => write.test(row.write))
      return found !== undefined && outcome.test(found.outcome)
    },
    `${what} (last seen: ${JSON.stringify(found)})`,
    timeoutMs,
  )
  return found!
}

/** What the database's advisor says of public.deals: its table-tracked row. */
async function doctorOnDeals(): Promise<{ status: string; fix: string | null }> {
  const result = await demo.stack.database.query<{ status: string; fix: string | null }>(
    `select status, fix from public.realtime_sync_doctor()
      where "check" = 'table-tracked' and subject = 'public.deals'`,
  )
  expect(result.rows).toHaveLength(1)
  return result.rows[0]!
}

const FIX = "select public.realtime_track_table('public.deals');"
const PATCH_DEAL = new RegExp(`^PATCH deals ${DEAL.id}$`)
/** A write's outcome inside its confirmation window: followed, not yet judged. */
const WAITING = /^waiting for its change \([\d.,]+ m?s left of writeConfirmMs\)$/

beforeAll(async () => {
  demo = await startDemoSession()
  // Deals leave realtime: no row of realtime_table_events for its changes from now on, as in a
  // database where the table was never tracked (the advisor says error, not "untracked on purpose").
  await demo.stack.database.query(`drop trigger ${TRACKING_TRIGGER} on public.deals`)
  alice = await openUserWindow(demo, DEMO_USERS.alice.email, `#/deals/${DEAL.id}`)
}, 120_000)

afterAll(() => demo?.close())

describe('a write whose change never arrives (the table is not tracked), in the Realtime panel', () => {
  const step = storySteps()

  step('the advisor flags deals, the table whose trigger is gone', async () => {
    expect(await doctorOnDeals()).toEqual({ status: 'error', fix: FIX })
  })

  step(
    "with the engine: Alice's rename waits, then the banner says no change came back, the Writes tab says why (no-event-row) and what to do, and her Log holds the unconfirmed event",
    async () => {
      await alice.panel.clickTab('Writes')
      await renameDeal(alice.page, 'Rocket skates, never echoed')
      // Inside the window the write is followed, not yet judged.
      await waitForWrite(alice.panel, PATCH_DEAL, WAITING, 'her write, waiting for its change')

      // Back in the Log, the banner above the tabs once the engine gave up on the write.
      await alice.panel.clickTab('Log')
      let banner = ''
      await pollUntil(
        async () => /got no change back/.test((banner = await alice.panel.writesBanner())),
        'the banner about her write',
        VERDICT_TIMEOUT_MS,
      )
      expect(banner).toMatch(/^1 of the page's writes got no change back \(newest: .*deals/)
      expect(banner).toContain(DEAL.id)
      expect(banner).toContain('no-event-row')
      expect(banner).toContain("teammates' screens may not show it")
      expect(banner).toMatch(/Why, and what to do$/)

      // The engine's own verdict, in the log and in its ring.
      await alice.panel.waitForRow(
        new RegExp(`unconfirmed.*deals.*${shortId(DEAL.id)}`),
        'the unconfirmed row in her log',
      )
      const verdicts = (await engineEvents(alice.page)).filter((e) => e.kind === 'unconfirmed')
      expect(verdicts).toEqual([
        expect.objectContaining({ table: 'deals', recordId: DEAL.id, cause: 'no-event-row' }),
      ])
      await screenshot(alice.panel.frame, 'write-never-arrived-engine-banner')

      // The banner's link opens the Writes tab on the write.
      await alice.panel.clickButton('Why, and what to do')
      const row = await waitForWrite(
        alice.panel,
        PATCH_DEAL,
        /^no change came back: the engine says no-event-row \(#\d+\)$/,
        "her write with the engine's verdict",
      )
      expect(row.response).toMatch(/^200 in [\d,]+ ms, 1 row$/)
      await pollUntil(
        async () => (await alice.panel.writeText()).includes(`PATCH deals ${DEAL.id}`),
        'the detail of her write',
      )
      const detail = await alice.panel.writeText()
      expect(detail).toContain(
        'Why: realtime_table_events holds no row for it: the table is not tracked',
      )
      expect(detail).toMatch(/Next: .*check table-tracked for this table/)
      expect(detail).toContain(FIX)
      expect(await alice.panel.writesBanner()).toBe('') // the tab it points to is open
      await screenshot(alice.panel.frame, 'write-never-arrived-engine')

      // From the write to the engine's verdict in the log.
      const seq = /#(\d+)\)$/.exec(row.outcome)![1]
      await alice.panel.clickButton(`Show the engine's verdict (#${seq}) in the log`)
      await pollUntil(
        async () => /no-event-row|holds no row for it/.test(await alice.panel.detailText()),
        'the unconfirmed event in the detail pane',
      )
    },
    60_000,
  )

  step(
    'with the engine: a note on the deal (activities, a tracked table) shows its change came back',
    async () => {
      await alice.panel.clickTab('Writes')
      const noteId = await addNote(alice.page, 'Called about the skates')
      const row = await waitForWrite(
        alice.panel,
        new RegExp(`^POST activities ${noteId}$`),
        /^its change came back in [\d.,]+ m?s/,
        'her note, come back',
      )
      expect(row.outcome).toMatch(
        new RegExp(`^its change came back in [\\d.,]+ m?s \\(activities ${noteId}\\)$`),
      )
      // The rename still got nothing back: the note's change is not the deal's.
      expect(
        (await alice.panel.writeRows()).find((r) => PATCH_DEAL.test(r.write))?.outcome,
      ).toMatch(/^no change came back: the engine says no-event-row/)
    },
  )

  step(
    "without the engine (?engine=none): the rename waits, a teammate's contact change arrives, and the Writes tab guesses table-not-tracked with the same check and fix",
    async () => {
      plain = await openUserWindow(
        demo,
        DEMO_USERS.alice.email,
        `#/deals/${DEAL.id}`,
        '&engine=none',
      )
      await plain.panel.clickTab('Writes')
      await renameDeal(plain.page, 'Rocket skates, without an engine')
      await waitForWrite(plain.panel, PATCH_DEAL, WAITING, 'the write, waiting for its change')
      // A teammate renames an Acme contact (a tracked table): its change reaches the page.
      await demo.stack.database.query(
        'update public.contacts set name = $2 where id = $1::text::uuid',
        [CONTACT.id, 'Road Runner (renamed by Bob)'],
      )
      const row = await waitForWrite(
        plain.panel,
        PATCH_DEAL,
        /^no change came back: likely table-not-tracked$/,
        'the guess from the wire',
        VERDICT_TIMEOUT_MS,
      )
      expect(row.response).toMatch(/^200 in [\d,]+ ms, 1 row$/)
      const detail = await plain.panel.writeText()
      expect(detail).toContain(
        "Why: changes of other tables arrive on the page's channels, never one of deals: deals is not tracked",
      )
      expect(detail).toMatch(
        /Next: Run select \* from realtime_sync_doctor\(\); and see check table-tracked/,
      )
      expect(detail).toContain(FIX)
      expect(detail).toContain("A guess from what the page's sockets show")
      await screenshot(plain.panel.frame, 'write-never-arrived-engine-none')

      // The banner above the other tabs, without an engine too.
      await plain.panel.clickTab('Socket')
      await pollUntil(
        async () =>
          (await plain.panel.writesBanner()).includes(
            `PATCH deals ${DEAL.id}: no change came back: likely table-not-tracked`,
          ),
        'the banner in the window without an engine',
      )
    },
    60_000,
  )

  step(
    "once the fix the panel names is applied, Alice's next rename comes back, and the earlier ones still say theirs did not",
    async () => {
      await demo.stack.database.query(FIX)
      expect((await doctorOnDeals()).status).toBe('ok')
      await plain.panel.clickTab('Writes')
      const before = (await plain.panel.writeRows()).filter((r) => PATCH_DEAL.test(r.write)).length
      await renameDeal(plain.page, 'Rocket skates, tracked again')
      await pollUntil(
        async () =>
          (await plain.panel.writeRows()).filter((r) => PATCH_DEAL.test(r.write)).length > before,
        'the second rename in the Writes tab',
      )
      const fixed = await waitForWrite(
        plain.panel,
        PATCH_DEAL,
        new RegExp(`^its change came back in [\\d.,]+ m?s \\(deals ${DEAL.id}\\)$`),
        'the rename after the fix, come back',
      )
      expect(fixed.outcome).toContain('came back')
      // The first rename's change never arrived: a later write's change of the same row is not it.
      const renames = (await plain.panel.writeRows()).filter((r) => PATCH_DEAL.test(r.write))
      expect(renames.map((r) => r.outcome)).toEqual([
        'no change came back: likely table-not-tracked',
        expect.stringMatching(/^its change came back in /),
      ])
      await screenshot(plain.panel.frame, 'write-never-arrived-after-fix')

      // The same change reached Alice's engine window, which did not write it: the engine's
      // verdict on her first rename stands. Her note's change comes after it on the same socket,
      // so once the note came back, the deal's change has reached that panel too.
      const noteId = await addNote(alice.page, 'Tracking is back')
      await waitForWrite(
        alice.panel,
        new RegExp(`^POST activities ${noteId}$`),
        /^its change came back in /,
        'the note in the engine window, come back',
      )
      expect(
        (await alice.panel.writeRows())
          .filter((r) => PATCH_DEAL.test(r.write))
          .map((r) => r.outcome),
      ).toEqual([expect.stringMatching(/^no change came back: the engine says no-event-row/)])
    },
  )
})
