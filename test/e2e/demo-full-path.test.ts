/**
 * The full path, as two teammates and an outsider see it: the demo CRM in real Chromium with the
 * built extension loaded, the real DevTools Realtime panel open in each window, the local stack
 * behind them. Alice and Bob are in Acme; Carol is in Globex. Steps run in order.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { demoUrl } from '../../demo/serve-demo'
import { shortId } from '../../extension/panel/store/format'
import { DEMO_CONTACTS, DEMO_DEALS, DEMO_USERS } from '../../server/seed/demo-world'
import { signJwt } from '../../server/auth/jwt'
import type { SyncEvent } from '../../src/types'
import { pollUntil, screenshot } from './support/chromium'
import {
  type BrowserSession,
  cutOffRealtime,
  openUserWindow,
  startDemoSession,
  type UserWindow,
  withPanel,
} from './support/demo-session'
import {
  engineEvents,
  openDemoWindow,
  renameDeal,
  textOf,
  typeDealTitle,
  waitForText,
} from './support/demo-window'
import { downloadsFolder, exportSchemaErrors } from './support/panel-driver'
import { storySteps } from './support/story'

/** An Acme deal Alice edits and Bob watches; Carol (Globex) must never hear of it. */
const DEAL = DEMO_DEALS[1]
/** An Acme contact not yet on DEAL: Alice links it (a deal_contacts junction row). */
const NEW_CONTACT = DEMO_CONTACTS[0]!
/** A Globex deal: Carol's own change, the marker that her stream is flowing. */
const GLOBEX_DEAL = DEMO_DEALS[3]

let demo: BrowserSession
let alice: UserWindow
let bob: UserWindow
let carol: UserWindow
let downloads: string

/** Alice renames the deal through the demo's edit form, as a user would. */
const aliceRenames = (title: string) => renameDeal(alice.page, title)

async function titleInDatabase(id: string): Promise<string> {
  const result = await demo.stack.database.query<{ title: string }>(
    'select title from public.deals where id = $1::text::uuid',
    [id],
  )
  return result.rows[0]!.title
}

beforeAll(async () => {
  demo = await startDemoSession()
  downloads = await downloadsFolder(demo.chromium.browser, 'rsd-demo-downloads-')

  alice = await openUserWindow(demo, DEMO_USERS.alice.email, `#/deals/${DEAL.id}`)
  // Bob looked at the deals list, then opened the deal: both queries are in his cache.
  const bobPage = await openDemoWindow(
    demo.chromium.browser,
    demo.site,
    DEMO_USERS.bob.email,
    '#/deals',
  )
  await waitForText(bobPage, '[data-testid=deal-table]', DEAL.title, 'the deals list')
  await bobPage.bringToFront()
  await bobPage.click(`[data-testid=deal-row][data-deal-id="${DEAL.id}"] a`)
  await waitForText(bobPage, '[data-testid=deal-heading]', DEAL.title, "Bob's deal page")
  bob = await withPanel(demo, bobPage)
  carol = await openUserWindow(demo, DEMO_USERS.carol.email, '#/deals')
}, 120_000)

afterAll(() => demo?.close())

describe('the demo, end to end: two teammates and an outsider', () => {
  const step = storySteps()

  step(
    "shows Alice's edit on Bob's screen without a reload, and in his panel received → invalidated with the keys",
    async () => {
      await aliceRenames('Rocket skates, 60 pairs')
      await waitForText(
        bob.page,
        '[data-testid=deal-heading]',
        'Rocket skates, 60 pairs',
        "the new title on Bob's screen",
      )

      await bob.panel.waitForRow(
        new RegExp(`received.*deals.*${shortId(DEAL.id)}`),
        'the received row',
      )
      await bob.panel.clickRow(new RegExp(`received.*deals.*${shortId(DEAL.id)}`))
      await pollUntil(
        async () => /Invalidated/.test(await bob.panel.detailText()),
        'the decision trail with the invalidated keys',
      )
      const trail = await bob.panel.detailText()
      expect(trail).toContain('["deals","list",')
      expect(trail).toContain(`["deals","record","${DEAL.id}"]`)
      await screenshot(bob.page, 'demo-bob-sees-alices-edit')

      // The trail ends at what Bob saw: the refetch of the deal on his screen, how long it took,
      // and that its data changed; the list he left is only marked stale.
      const refetched = new RegExp(
        `Refetched \\["deals","record","${DEAL.id}"\\] in [\\d,]+ ms: data changed`,
      )
      await pollUntil(
        async () => refetched.test(await bob.panel.detailText()),
        "the refetch at the end of Bob's trail",
      )
      expect(await bob.panel.detailText()).toMatch(/only marked stale: not on screen/)
      await screenshot(bob.panel.frame, 'demo-bob-panel-received-trail')
    },
  )

  step("lists Bob's queries with how realtime reaches them and their refetch counts", async () => {
    await bob.panel.clickTab('Queries')
    const recordKey = `["deals","record","${DEAL.id}"]`
    await pollUntil(
      async () => (await bob.panel.queryRows()).some((row) => row.startsWith(recordKey)),
      "Bob's Queries tab",
    )
    const rows = await bob.panel.queryRows()
    const record = rows.find((row) => row.startsWith(recordKey))!
    expect(record).toContain(`changes of deals/${DEAL.id} only`)
    expect(record).toMatch(/yes \(\d+\)/) // on screen
    expect(record).toMatch(/data changed/)
    const list = rows.find((row) => row.startsWith('["deals","list",'))
    expect(list).toContain('every change of deals')
    expect(list).toMatch(/^\["deals","list",.*no \(0\)/) // not on screen: marked stale only
    await screenshot(bob.panel.frame, 'demo-bob-panel-queries')
    await bob.panel.clickTab('Log')
  })

  step("shows the same change in Alice's panel as the echo of her own write", async () => {
    await alice.panel.waitForRow(new RegExp(`echo.*deals.*${shortId(DEAL.id)}`), 'the echo row')
    await alice.panel.clickRow(new RegExp(`echo.*deals.*${shortId(DEAL.id)}`))
    await pollUntil(
      async () =>
        /Echo: this tab wrote .*comes back from the current user/.test(
          await alice.panel.detailText(),
        ),
      'the echo reason',
    )
    const aliceEvents = await engineEvents(alice.page)
    expect(
      aliceEvents.some(
        (e) => e.kind === 'received' && e.recordId === DEAL.id && e.table === 'deals',
      ),
    ).toBe(false)
    await screenshot(alice.panel.frame, 'demo-alice-panel-echo')
  })

  step('shows Carol, in another organization, nothing of it', async () => {
    // Carol's own change is the marker: once her panel shows it, Acme's change (made earlier)
    // would have arrived before it if it were ever going to.
    await carol.page.goto(demoUrl(demo.site, DEMO_USERS.carol.email, `#/deals/${GLOBEX_DEAL.id}`))
    await waitForText(carol.page, '[data-testid=realtime-status]', 'live', "Carol's realtime")
    await typeDealTitle(carol.page, 'Hammock district, phase 2')
    await carol.panel.waitForRow(
      new RegExp(`echo.*deals.*${shortId(GLOBEX_DEAL.id)}`),
      "Carol's own echo",
    )

    const rows = await carol.panel.rows()
    expect(rows.some((row) => row.includes(shortId(DEAL.id)) || row.includes('org_acme'))).toBe(
      false,
    )
    const events = await engineEvents(carol.page)
    expect(events.filter((e) => 'orgId' in e && e.orgId === 'org_acme')).toEqual([])
    await carol.page.goto(demoUrl(demo.site, DEMO_USERS.carol.email, '#/deals'))
    await waitForText(carol.page, '[data-testid=deal-table]', 'Cypress Creek', "Carol's deals")
    expect(await textOf(carol.page, '[data-testid=deal-table]')).not.toContain('Rocket skates')
    await screenshot(carol.panel.frame, 'demo-carol-panel')
  })

  step(
    "brings Alice's new contact link (a junction row without organization_id) to Bob's screen",
    async () => {
      await alice.page.bringToFront()
      await alice.page.select('[data-testid=add-contact-select]', NEW_CONTACT.id)
      await alice.page.locator('[data-testid=add-contact]').click()
      await bob.page.waitForSelector(
        `[data-testid=deal-contact][data-contact-id="${NEW_CONTACT.id}"]`,
        { timeout: 20_000 },
      )
      expect(await textOf(bob.page, `[data-contact-id="${NEW_CONTACT.id}"]`)).toContain(
        NEW_CONTACT.name,
      )
      await bob.panel.waitForRow(
        new RegExp(`received.*deal_contacts.*${shortId(`${DEAL.id}:${NEW_CONTACT.id}`)}`),
        'the junction change in Bob’s panel',
      )
    },
  )

  step(
    'replays what Bob missed while his socket was down and Alice kept writing: his panel shows the replayed changes, his screen equals the database',
    async () => {
      // Bob cannot rejoin until Alice is done: her writes land in his gap.
      const bobOffline = await cutOffRealtime(bob.page, demo.stack, 'Bob')
      const receivedBefore = (await engineEvents(bob.page)).filter(
        (e) => e.kind === 'received',
      ).length
      const resyncRows = async () =>
        (await bob.panel.rows()).filter((r) => /resync.*replayed/.test(r)).length
      const resyncsBefore = await resyncRows()

      for (const title of ['Skates while Bob was away 1', 'Skates while Bob was away 2']) {
        await aliceRenames(title)
      }
      expect(await titleInDatabase(DEAL.id)).toBe('Skates while Bob was away 2')
      await bobOffline.reconnect()
      await pollUntil(
        async () => (await resyncRows()) > resyncsBefore,
        'a new replay row in Bob’s panel',
      )
      await waitForText(
        bob.page,
        '[data-testid=deal-heading]',
        'Skates while Bob was away 2',
        "Bob's screen after the replay",
      )
      expect(await textOf(bob.page, '[data-testid=deal-heading]')).toBe(
        await titleInDatabase(DEAL.id),
      )
      // Realtime never delivered Alice's two renames to him: the replay read them back.
      const missed = (await engineEvents(bob.page))
        .filter((e) => e.kind === 'received')
        .slice(receivedBefore)
        .filter((e) => e.recordId === DEAL.id)
      expect(missed.map((e) => e.replayed)).toEqual([true, true])
      await bob.panel.waitForRow(
        new RegExp(
          `received.*deals.*UPDATE.*${shortId(DEAL.id)}.*replayed: batch #\\d+ → \\d+ key`,
        ),
        'a replayed change in Bob’s panel',
      )
      await bob.panel.clickRow(/resync.*replayed/)
      await pollUntil(
        async () =>
          /Replay.*read those changes back from realtime_table_events.*replayed 2 events \(ids \d+–\d+\) missed during a [\d.]+ s gap/.test(
            await bob.panel.detailText(),
          ),
        "the replay's trail in Bob's panel",
      )
      await screenshot(bob.panel.frame, 'demo-bob-panel-replay')
    },
  )

  step(
    "shows Bob's socket on the wire in the Socket tab: Alice's change delivered, the dropped socket's close code, the rejoin",
    async () => {
      await bob.panel.clickTab('Socket')
      await aliceRenames('Skates, seen on the wire')
      await pollUntil(
        async () =>
          (await bob.panel.socketRows('Frames')).some((row) =>
            new RegExp(
              `postgres_changes.*INSERT public\\.realtime_table_events \\(deals UPDATE ${DEAL.id}\\) → \\d+ quer(y|ies) invalidated`,
            ).test(row),
          ),
        "Alice's change as a postgres_changes frame in Bob's Socket tab, with the invalidations after it",
      )
      const sockets = await bob.panel.socketRows('Sockets')
      // The earlier drop: the first socket's close code, and the socket that replaced it.
      expect(sockets.length).toBeGreaterThanOrEqual(2)
      expect(sockets[0]).toMatch(/closed at .*: code \d{4}/)
      expect(sockets.at(-1)).toMatch(/open\d+ sent/)
      // No token reached the panel: not in its text, not in an attribute (the URL's tooltip).
      expect(await bob.panel.frame.content()).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/)
      // The channel's life across the drop: its join on the first socket, closed with it, then
      // the rejoin on the socket that replaced it.
      const channels = await bob.panel.socketRows('Socket channels')
      expect(channels[0]).toMatch(/^realtime:\S+#\d+.*by socket closed \(\d{4}\), rejoined$/)
      expect(channels.at(-1)).toMatch(/^realtime:\S+#\d+.*ok: Subscribed to PostgreSQL/)
      expect(channels.at(-1)).not.toContain('rejoined')
      await screenshot(bob.panel.frame, 'demo-bob-panel-socket')

      // From the engine's received row to the frame that delivered it, and back.
      await bob.panel.clickTab('Log')
      await bob.panel.clickRow(new RegExp(`received.*deals.*UPDATE.*${shortId(DEAL.id)}`))
      await bob.panel.clickButton('Show the frame that delivered it (Socket tab)')
      await pollUntil(
        async () =>
          /The engine logged it as #\d+ received/.test(await bob.panel.frameText()) &&
          (await bob.panel.frameText()).includes('realtime_table_events'),
        "the received event's frame, linked back to its log row",
      )
      await screenshot(bob.panel.frame, 'demo-bob-panel-event-frame')
      await bob.panel.clickTab('Log')
    },
  )

  step(
    'shows an app without our engine (?engine=none, a hand-written hook): the delivery on the wire and the invalidation that followed',
    async () => {
      // Bob again, in a second window: the same CRM wired the hand-written way.
      const plain = await openUserWindow(
        demo,
        DEMO_USERS.bob.email,
        `#/deals/${DEAL.id}`,
        '&engine=none',
      )
      expect(
        await plain.page.evaluate(
          () =>
            '__REALTIME_SYNC_DEVTOOLS__' in window &&
            (window as never as { __REALTIME_SYNC_DEVTOOLS__: { engines: Map<string, unknown> } })
              .__REALTIME_SYNC_DEVTOOLS__.engines.size,
        ),
      ).toBeFalsy()
      await plain.panel.clickTab('Socket')
      await aliceRenames('Skates, without an engine')
      await waitForText(
        plain.page,
        '[data-testid=deal-heading]',
        'Skates, without an engine',
        'the hand-written hook refreshing the deal',
      )
      await pollUntil(
        async () =>
          (await plain.panel.socketRows('Frames')).some((row) =>
            new RegExp(
              `postgres_changes.*\\(deals UPDATE ${DEAL.id}\\) → \\d+ quer(y|ies) invalidated`,
            ).test(row),
          ),
        'the delivery for deals and the invalidation after it, in the Socket tab of an app without an engine',
      )
      await plain.panel.frame.$$eval('table[aria-label="Frames"] tbody tr', (rows) => {
        const row = [...rows]
          .reverse()
          .find(
            (r) =>
              /postgres_changes/.test(r.textContent ?? '') &&
              /invalidated/.test(r.textContent ?? ''),
          )
        ;(row as HTMLElement | undefined)?.click()
      })
      await pollUntil(
        async () =>
          /invalidated \["deals","record",/.test(
            await plain.panel.frame.$eval('[aria-label=Frame]', (e) => e.textContent ?? ''),
          ),
        'the invalidated keys in the frame detail',
      )
      await screenshot(plain.panel.frame, 'demo-engine-none-socket')

      // A stale token reaches the channel (a session that was not refreshed): the server closes
      // it, and the panel says so in the server's words, with how long after exp.
      const session = await plain.page.evaluate(
        async () =>
          (await window.__DEMO__!.supabase.auth.getSession()).data.session?.access_token ?? '',
      )
      const claims = JSON.parse(Buffer.from(session.split('.')[1]!, 'base64url').toString())
      const stale = signJwt(
        { ...claims, exp: Math.floor(Date.now() / 1000) - 5 },
        demo.stack.jwtSecret,
      )
      await plain.page.evaluate((token) => window.__DEMO__!.supabase.realtime.setAuth(token), stale)
      await pollUntil(async () => {
        const warnings = (await plain.panel.socketWarnings()).join('\n')
        return (
          /the server said: Token has expired \d+ seconds ago/.test(warnings) &&
          /the channel closed [\d.]+ s after its token expired/.test(warnings)
        )
      }, "the server's words for the expired token, in the Socket tab's warnings")
      expect(await plain.panel.frame.content()).not.toContain(stale)
      await screenshot(plain.panel.frame, 'demo-engine-none-expired-token')
      await plain.page.close()
    },
  )

  step("exports Bob's log as a file that validates against the schema", async () => {
    const exported = (await bob.panel.exportJson(downloads)) as {
      events: SyncEvent[]
      engine: { name: string }
    }
    expect(exportSchemaErrors(exported)).toEqual([])
    expect(exported.engine.name).toBe('demo-crm')
    const kinds = new Set(exported.events.map((e) => e.kind))
    expect([...kinds]).toEqual(expect.arrayContaining(['received', 'invalidated', 'resync']))
    expect(JSON.stringify(exported)).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/)
    // Bob opened the Socket tab: his sockets' frames travel with the log.
    const socket = (exported as { socket?: { records: { kind: string; event?: string }[] } }).socket
    expect(socket?.records.some((r) => r.kind === 'frame' && r.event === 'postgres_changes')).toBe(
      true,
    )
  })
})
