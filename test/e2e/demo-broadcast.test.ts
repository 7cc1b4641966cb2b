/**
 * The demo in broadcast mode (`npm run demo -- --transport broadcast`), in real Chromium with the
 * built extension and the real DevTools panel: the database sends each event row with
 * realtime.send to the private topic org:<id>, the CRM's engine listens there. Alice (Acme)
 * renames a deal; Bob (Acme) sees it and his panel shows the channel's transport, the broadcast
 * on the wire and what it invalidated; Carol (Globex) hears nothing of it.
 */
import type { Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { shortId } from '../../extension/panel/store/format'
import { DEMO_DEALS, DEMO_USERS } from '../../server/seed/demo-world'
import { pollUntil, screenshot } from './support/chromium'
import {
  type BrowserSession,
  openUserWindow,
  startDemoSession,
  type UserWindow,
} from './support/demo-session'
import {
  engineEvents,
  openDemoWindow,
  textOf,
  typeDealTitle,
  waitForText,
} from './support/demo-window'
import { storySteps } from './support/story'

const DEAL = DEMO_DEALS[1]

let demo: BrowserSession
let alice: Page
let bob: UserWindow
let carol: Page

beforeAll(async () => {
  demo = await startDemoSession({ transport: 'broadcast' })
  const { browser } = demo.chromium
  alice = await openDemoWindow(browser, demo.site, DEMO_USERS.alice.email, `#/deals/${DEAL.id}`)
  bob = await openUserWindow(demo, DEMO_USERS.bob.email, `#/deals/${DEAL.id}`)
  carol = await openDemoWindow(browser, demo.site, DEMO_USERS.carol.email, '#/deals')
}, 120_000)

afterAll(() => demo?.close())

describe('the demo in broadcast mode', () => {
  const step = storySteps()

  step(
    "brings Alice's rename to Bob's screen through the private broadcast topic, and shows it in his panel",
    async () => {
      await bob.panel.clickTab('Socket')
      const title = 'Skates, by broadcast'
      await typeDealTitle(alice, title)
      await waitForText(
        bob.page,
        '[data-testid=deal-heading]',
        title,
        "the new title on Bob's screen",
      )
      expect(await textOf(bob.page, '[data-testid=deal-heading]')).toBe(title)

      // On the wire: the private channel's join, and the event row as a binary broadcast.
      await pollUntil(
        async () =>
          (await bob.panel.socketRows('Frames')).some((row) =>
            new RegExp(
              `broadcast "UPDATE" \\(deals UPDATE ${DEAL.id}\\) → \\d+ quer(y|ies) invalidated`,
            ).test(row),
          ),
        "the broadcast of Alice's change in Bob's Socket tab, with the invalidations after it",
      )
      const channels = await bob.panel.socketRows('Socket channels')
      expect(
        channels.some((row) =>
          /^realtime:org:org_acme \(private\)#\d+.*ok.*broadcast \/ presence only/.test(row),
        ),
      ).toBe(true)
      await screenshot(bob.panel.frame, 'demo-broadcast-bob-socket')

      // The engine's side: received → invalidated, its channel on the broadcast transport.
      await bob.panel.clickTab('Log')
      await bob.panel.waitForRow(
        new RegExp(`received.*deals.*UPDATE.*${shortId(DEAL.id)}`),
        'the received row in Bob’s log',
      )
      await bob.panel.clickRow(new RegExp(`received.*deals.*UPDATE.*${shortId(DEAL.id)}`))
      await bob.panel.clickButton('Show the frame that delivered it (Socket tab)')
      await pollUntil(async () => {
        const text = await bob.panel.frameText()
        return (
          /binary: user-broadcast/.test(text) && /The engine logged it as #\d+ received/.test(text)
        )
      }, 'the binary broadcast frame behind the received row')
      await bob.panel.clickTab('Channels')
      const row = await bob.panel.frame.$eval(
        '.channels-table tbody tr',
        (element) => element.textContent ?? '',
      )
      expect(row).toMatch(/^org:org_acmebroadcast \(private\)SUBSCRIBEDlive since/)
      await screenshot(bob.panel.frame, 'demo-broadcast-bob-channels')
    },
  )

  step('tells Carol, in another organization, nothing of it', async () => {
    const received = (await engineEvents(carol)).filter(
      (e) => 'recordId' in e && e.recordId === DEAL.id,
    )
    expect(received).toEqual([])
    // Her own organization's broadcasts do reach her: the silence above is isolation.
    const globex = DEMO_DEALS[3]
    await demo.stack.database.query(
      `update public.deals set title = 'Globex, by broadcast' where id = $1::text::uuid`,
      [globex.id],
    )
    await pollUntil(
      async () =>
        (await engineEvents(carol)).some((e) => e.kind === 'received' && e.recordId === globex.id),
      "Carol's own organization's change",
    )
    expect(
      (await engineEvents(carol)).filter((e) => 'recordId' in e && e.recordId === DEAL.id),
    ).toEqual([])
  })
})
