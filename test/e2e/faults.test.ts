/**
 * Issue 27 in real Chromium with the built extension and the demo: faults provoked from Bob's
 * Realtime panel on his own page's sockets, and what his app and his panel do after them. His
 * window runs supabase-js with a 2 s heartbeat (?heartbeatMs=2000), so stalled heartbeats end in
 * a heartbeat-timeout close within seconds. Then Refetch and Invalidate from the Queries tab.
 * Steps run in order.
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
import { engineEvents, renameDeal, textOf, waitForText } from './support/demo-window'
import type { PanelDriver } from './support/panel-driver'
import { storySteps } from './support/story'

const DEAL = DEMO_DEALS[1]
const STATUS = '[data-testid=realtime-status]'
const HEADING = '[data-testid=deal-heading]'
/** supabase-js reconnects after 1, 2, then 5 s: a fault of a few seconds is over within ~15 s. */
const RECOVERY_MS = 30_000

let demo: BrowserSession
let alice: UserWindow
let bob: UserWindow
/** What Bob's page said in its console (the bridge says each fault's start and end there). */
const bobConsole: string[] = []

async function titleInDatabase(): Promise<string> {
  const result = await demo.stack.database.query<{ title: string }>(
    'select title from public.deals where id = $1::text::uuid',
    [DEAL.id],
  )
  return result.rows[0]!.title
}

/** Types a number into one of the panel's inputs, as a user would. */
async function setNumber(panel: PanelDriver, label: string, value: number) {
  await panel.frame.locator(`input[aria-label="${label}"]`).fill(String(value))
}

/** The text of every element the selector finds, joined. */
const textsOf = (panel: PanelDriver, selector: string) =>
  panel.frame.$$eval(selector, (elements) => elements.map((e) => e.textContent ?? '').join('\n'))

const faultBanner = (panel: PanelDriver) =>
  textsOf(panel, '[role=status][aria-label="Simulated faults"]')
const timelineFaults = (panel: PanelDriver) =>
  textsOf(panel, '[aria-label="Simulated faults and what followed"] li')

/** The timeline's list of faults once it matches `pattern`; its text in the error if never. */
async function untilFaults(panel: PanelDriver, pattern: RegExp, what: string): Promise<string> {
  let text = ''
  await pollUntil(async () => pattern.test((text = await timelineFaults(panel))), what).catch(
    (error: unknown) => {
      throw new Error(`${String(error)}; the list said: ${text}`)
    },
  )
  return text
}

/** Picks the newest row of the Socket tab's frames that matches. */
async function pickFrame(panel: PanelDriver, pattern: RegExp) {
  await pollUntil(
    async () => (await panel.socketRows('Frames')).some((row) => pattern.test(row)),
    `a frame matching ${pattern}`,
  )
  await panel.frame.$$eval(
    'table[aria-label="Frames"] tbody tr',
    (rows, source) =>
      (
        [...rows].reverse().find((row) => new RegExp(source).test(row.textContent ?? '')) as
          HTMLElement | undefined
      )?.click(),
    pattern.source,
  )
}

/** Each query of the page's QueryClient by its hash: how many fetches stored data. */
function dataUpdates(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() =>
    Object.fromEntries(
      window
        .__DEMO__!.queryClient.getQueryCache()
        .getAll()
        .map((query) => [query.queryHash, query.state.dataUpdateCount]),
    ),
  )
}

beforeAll(async () => {
  demo = await startDemoSession()
  alice = await openUserWindow(demo, DEMO_USERS.alice.email, `#/deals/${DEAL.id}`)
  bob = await openUserWindow(demo, DEMO_USERS.bob.email, `#/deals/${DEAL.id}`, '&heartbeatMs=2000')
  bob.page.on('console', (message) => bobConsole.push(message.text()))
}, 120_000)

afterAll(() => demo?.close())

describe("faults from Bob's Realtime panel, on his page's sockets", () => {
  const step = storySteps()

  step(
    "offline for 4 s while Alice writes twice: Bob's screen converges through the replay, and his trail and timeline name the simulated fault as the cause",
    async () => {
      await bob.panel.clickTab('Socket')
      await setNumber(bob.panel, 'Offline for (s)', 4)
      await bob.panel.clickButton('Offline')
      await waitForText(bob.page, STATUS, 'connecting', 'Bob to notice the drop')
      expect(await faultBanner(bob.panel)).toMatch(
        /^simulated: offline for 4 s, [\d.]+ s left \(closed \(socket #1\)/,
      )
      const receivedBefore = (await engineEvents(bob.page)).filter(
        (e) => e.kind === 'received',
      ).length

      for (const title of ['Skates while Bob was cut off 1', 'Skates while Bob was cut off 2'])
        await renameDeal(alice.page, title)
      expect(await titleInDatabase()).toBe('Skates while Bob was cut off 2')

      await bob.page
        .waitForFunction(
          (selector, title) => document.querySelector(selector)?.textContent === title,
          { polling: 100, timeout: RECOVERY_MS },
          HEADING,
          'Skates while Bob was cut off 2',
        )
        .catch((error: unknown) => {
          throw new Error(`Bob's screen did not converge: ${String(error)}`)
        })
      // Realtime never delivered the two renames to him: his engine read them back.
      const missed = (await engineEvents(bob.page))
        .filter((e) => e.kind === 'received')
        .slice(receivedBefore)
        .filter((e) => e.recordId === DEAL.id)
      expect(missed.map((e) => e.replayed)).toEqual([true, true])
      // While offline, his page's reconnects were refused, as on an unreachable network.
      expect(await bob.panel.socketRows('Frames')).toContainEqual(
        expect.stringMatching(/socket opened \(2\.0\.0\): refused \(simulated offline\)$/),
      )

      // The replay's trail starts with its cause.
      await bob.panel.clickTab('Log')
      await bob.panel.waitForRow(/resync.*replayed/, 'the replay row')
      await bob.panel.clickRow(/resync.*replayed/)
      const trail = await bob.panel.detailText()
      expect(trail).toContain('Cause: a simulated fault')
      expect(trail).toMatch(
        /simulated: offline for 4 s \(closed \(socket #1\), refused [1-9]\d* connections?\), from the DevTools panel/,
      )
      await screenshot(bob.panel.frame, 'faults-offline-trail')

      // The timeline: the fault, then the close, the gap and its replay it provoked.
      await bob.panel.clickTab('Timeline')
      const faults = await untilFaults(
        bob.panel,
        /replayed/,
        'the fault and what followed on the timeline',
      )
      expect(faults).toMatch(/simulated: offline for 4 s/)
      expect(faults).toMatch(/socket #1 closed: code 4000.*\(cause: simulated: offline for 4 s\)/)
      expect(faults).toMatch(/socket #2 closed: code 1006 \(cause: simulated: offline for 4 s\)/)
      expect(faults).toMatch(
        /live: replayed 2 events .* missed during a [\d.]+ s gap \(cause: simulated: offline for 4 s\)/,
      )
      await screenshot(bob.panel.frame, 'faults-offline-timeline')

      // The page's console said it too, start and end.
      expect(bobConsole).toContainEqual(
        '[realtime-sync-devtools] simulated: offline for 4 s, asked from the DevTools panel: it ends when its time is up, when ended, or when the panel closes',
      )
      expect(bobConsole).toContainEqual(
        expect.stringMatching(/^\[realtime-sync-devtools\] ended: simulated: offline for 4 s/),
      )
    },
  )

  step('"Deliver again" on a delivery shows a deduped row whose trail names it', async () => {
    // A window long enough for a person to pick the frame and click (the default is 2 s).
    await bob.page.evaluate(() => {
      const registry = (window as unknown as Record<string, unknown>)
        .__REALTIME_SYNC_DEVTOOLS__ as {
        engines: Map<string, { setOption(name: string, value: number): void }>
      }
      for (const engine of registry.engines.values()) engine.setOption('dedupWindowMs', 60_000)
    })
    await renameDeal(alice.page, 'Skates delivered twice')
    await waitForText(bob.page, HEADING, 'Skates delivered twice', "Bob's screen")
    await bob.panel.clickTab('Socket')
    await pickFrame(bob.panel, new RegExp(`realtime_table_events \\(deals UPDATE ${DEAL.id}\\)`))
    await bob.panel.clickButton('Deliver again')
    await pollUntil(
      async () =>
        (await bob.panel.socketRows('Frames')).some((row) =>
          /\(delivered again: simulated\)/.test(row),
        ),
      'the copy among the frames',
    )
    await bob.panel.clickTab('Log')
    const deduped = new RegExp(`deduped.*deals.*${shortId(DEAL.id)}`)
    await bob.panel.waitForRow(deduped, 'the deduped row')
    await bob.panel.clickRow(deduped)
    expect(await bob.panel.detailText()).toMatch(
      /Cause: a simulated fault.*simulated: a frame delivered again on socket #\d+, from the DevTools panel/,
    )
    await screenshot(bob.panel.frame, 'faults-deliver-again')
  })

  step("stalled heartbeats end in supabase-js's heartbeat-timeout close and a rejoin", async () => {
    await bob.panel.clickTab('Socket')
    const openBefore = (await bob.panel.socketRows('Sockets')).length
    await setNumber(bob.panel, 'Stall heartbeats for (s)', 3)
    await bob.panel.clickButton('Stall heartbeats')
    await pollUntil(
      async () =>
        (await bob.panel.socketRows('Sockets')).some((row) =>
          /closed at .*: code 1000 \(heartbeat timeout\)/.test(row),
        ),
      "supabase-js's heartbeat-timeout close",
      RECOVERY_MS,
    )
    expect(await bob.panel.socketRows('Frames')).toContainEqual(
      expect.stringMatching(/heartbeat.*: kept off the wire \(simulated stall\)$/),
    )
    // A new socket, the channel joined again, the page live.
    await pollUntil(
      async () => (await bob.panel.socketRows('Sockets')).length > openBefore,
      'a new socket',
      RECOVERY_MS,
    )
    await waitForText(bob.page, STATUS, 'live', 'Bob live again')
    await bob.panel.clickTab('Timeline')
    await untilFaults(
      bob.panel,
      /simulated: heartbeats stalled for 3 s.*heartbeat timeout.*\(cause: simulated: heartbeats stalled for 3 s\)/s,
      'the stall and the close it caused, on the timeline',
    )
    await screenshot(bob.panel.frame, 'faults-stalled-heartbeats')
  })

  step(
    "?engine=none: offline for 5 s leaves the hand-written hook's screen stale after the reconnect, and the panel says why",
    async () => {
      const plain = await openUserWindow(
        demo,
        DEMO_USERS.bob.email,
        `#/deals/${DEAL.id}`,
        '&engine=none',
      )
      const before = await textOf(plain.page, HEADING)
      await plain.panel.clickTab('Socket')
      await setNumber(plain.panel, 'Offline for (s)', 5)
      await plain.panel.clickButton('Offline')
      await pollUntil(
        async () => /simulated: offline for 5 s/.test(await faultBanner(plain.panel)),
        'the fault banner',
      )
      await waitForText(plain.page, STATUS, 'connecting', 'the hand-written hook to notice')
      await renameDeal(alice.page, 'Skates the plain hook never saw')
      // Bob's window with the engine got it live; the plain one is offline.
      await waitForText(bob.page, HEADING, 'Skates the plain hook never saw', "Bob's engine")
      await plain.page
        .waitForFunction(
          (selector) => document.querySelector(selector)?.textContent === 'live',
          { polling: 100, timeout: RECOVERY_MS },
          STATUS,
        )
        .catch((error: unknown) => {
          throw new Error(`the hand-written hook did not rejoin: ${String(error)}`)
        })
      // Live again, and still stale: nothing replays what the drop missed.
      expect(await textOf(plain.page, HEADING)).toBe(before)
      expect(await titleInDatabase()).toBe('Skates the plain hook never saw')
      expect(await faultBanner(plain.panel)).toContain(
        'This page has no replay: a change made while its socket was down is never delivered again',
      )
      await screenshot(plain.panel.frame, 'faults-engine-none-stale')
      await plain.page.close()
    },
  )
})

describe("actions on Bob's queries from the Queries tab", () => {
  const step = storySteps()

  step('Refetch and Invalidate refetch exactly the picked key', async () => {
    const recordKey = `["deals","record","${DEAL.id}"]`
    await bob.panel.clickTab('Queries')
    await pollUntil(
      async () => (await bob.panel.queryRows()).some((row) => row.startsWith(recordKey)),
      "the deal's record query in the Queries tab",
    )
    await bob.panel.frame.$$eval(
      '.queries-table tbody tr',
      (rows, key) =>
        (
          rows.find((row) => row.textContent?.startsWith(key) === true) as HTMLElement | undefined
        )?.click(),
      recordKey,
    )
    const hash = JSON.stringify(['deals', 'record', DEAL.id])
    for (const action of ['Refetch', 'Invalidate'] as const) {
      const before = await dataUpdates(bob.page)
      await bob.panel.clickButton(action)
      await pollUntil(
        async () =>
          new RegExp(
            `^${action.toLowerCase()}: done in \\d+ ms, (identical data|data changed)$`,
          ).test(await textsOf(bob.panel, '[aria-label="Act on this query"] [role=status]')),
        `${action}'s result beside the buttons`,
      )
      const after = await dataUpdates(bob.page)
      const refetched = Object.keys(after).filter((key) => after[key] !== before[key])
      expect(refetched, action).toEqual([hash])
      expect(after[hash]).toBe(before[hash]! + 1)
    }
    await screenshot(bob.panel.frame, 'queries-refetch-invalidate')
  })
})
