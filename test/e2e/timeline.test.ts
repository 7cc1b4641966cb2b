/**
 * Issue 26, the Timeline tab, in real Chromium with the built extension: Alice renames a deal Bob
 * has open; in Bob's Realtime panel the received change, picked in the Log, opens the Timeline
 * centred on it, whose phases end at the refetch and what it changed (the title, old → new), as
 * the Log's trail says too. Then Bob's socket drops while Alice writes: the timeline's connection
 * track holds the gap and its replay, in the resync's own words. Pictures of the Timeline docked
 * (550 px) and wide (1,300 px), and of the Log and Metrics docked. Steps run in order.
 */
import type { Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { RULER_H, TRACK_H } from '../../extension/panel/components/timeline-draw'
import { shortId } from '../../extension/panel/store/format'
import { DEMO_DEALS, DEMO_USERS } from '../../server/seed/demo-world'
import { openRealtimePanel, pollUntil, screenshot } from './support/chromium'
import { type BrowserSession, cutOffRealtime, startDemoSession } from './support/demo-session'
import { engineEvents, openDemoWindow, renameDeal, waitForText } from './support/demo-window'
import { type PanelDriver, panelDriver } from './support/panel-driver'
import { storySteps } from './support/story'

/** An Acme deal Alice renames and Bob has open. */
const DEAL = DEMO_DEALS[1]
const RECORD_KEY = `["deals","record","${DEAL.id}"]`
const RENAMED = 'Rocket skates, 48 pairs'
/** What the refetch of the deal changed, as the panel words it. */
const DIFF = `title: "${DEAL.title}" → "${RENAMED}"`
const RECEIVED = new RegExp(`received.*deals.*${shortId(DEAL.id)}`)
/** DevTools undocked at these widths: docked to the side (the narrow layout), and wide. */
const DOCKED_WIDTH = 550
const WIDE_WIDTH = 1300
const HEIGHT = 760
/** timeline-draw.ts: under the ruler, the connection's track (two rows of marks, 12 px apart). */
const TRACK_ROW_H = 12
const LANE_TOP = RULER_H + TRACK_H
/** A lane's name above its bars. */
const LANE_HEADER_H = 14

let demo: BrowserSession
let alice: Page
let bob: Page
/** Bob's DevTools window (its viewport is the panel's size) and his Realtime panel. */
let devtools: Page
let panel: PanelDriver

/** DevTools undocked, its window `width` wide: the panel's own width, once it took it. */
async function setPanelWidth(width: number) {
  await devtools.setViewport({ width, height: HEIGHT })
  await pollUntil(
    async () => (await panel.frame.evaluate(() => window.innerWidth)) === width,
    `the panel at ${width} px`,
  )
}

/** The lines of the "Change phases" section under the timeline. */
const phaseLines = () =>
  panel.frame.$$eval('section[aria-label="Change phases"] li', (items) =>
    items.map((item) => item.textContent ?? ''),
  )

const tooltipText = () =>
  panel.frame.$$eval('[role=tooltip]', (tips) => tips.map((t) => t.textContent ?? '').join('\n'))

async function canvasBox() {
  const canvas = await panel.frame.waitForSelector('canvas[role=img]', { timeout: 15_000 })
  const box = await canvas!.boundingBox()
  expect(box).not.toBeNull()
  return box!
}

/** The time range the timeline shows, from its bar ("12:03:04.250 – 12:03:14.250 · …"). */
async function timelineView(near: number): Promise<{ from: number; to: number }> {
  const hint = await panel.frame.$eval('.timeline-hint', (e) => e.textContent ?? '')
  const match = /^(\d\d:\d\d:\d\d\.\d{3}) – (\d\d:\d\d:\d\d\.\d{3})/.exec(hint)
  expect(match, hint).not.toBeNull()
  return { from: clockNear(match![1]!, near), to: clockNear(match![2]!, near) }
}

/** HH:MM:SS.mmm on the local clock, as the epoch time nearest `near` that reads so. */
function clockNear(text: string, near: number): number {
  const [h, m, s] = text.split(':').map(Number) as [number, number, number]
  const day = new Date(near)
  day.setHours(h, m, 0, 0)
  const at = day.getTime() + s * 1000
  const dayMs = 86_400_000
  return at + Math.round((near - at) / dayMs) * dayMs
}

/**
 * Moves the pointer onto (x, y) of the DevTools window until the timeline's tooltip matches:
 * a move into the panel's frame right after a capture or a resize can be lost, so it is made
 * again (from a pixel beside, so each one is a move) until the tooltip says it.
 */
async function hoverUntil(x: number, y: number, pattern: RegExp, what: string) {
  let tries = 0
  let seen = ''
  await pollUntil(async () => {
    if (pattern.test((seen = await tooltipText()))) return true
    await devtools.mouse.move(x + (tries++ % 2), y)
    return false
  }, what).catch((error: unknown) => {
    throw new Error(`${String(error)} (the tooltip said: ${JSON.stringify(seen)})`)
  })
}

beforeAll(async () => {
  demo = await startDemoSession()
  const { browser, extensionId } = demo.chromium
  alice = await openDemoWindow(browser, demo.site, DEMO_USERS.alice.email, `#/deals/${DEAL.id}`)
  bob = await openDemoWindow(browser, demo.site, DEMO_USERS.bob.email, `#/deals/${DEAL.id}`)
  await waitForText(bob, '[data-testid=deal-heading]', DEAL.title, "Bob's deal page")
  const opened = await openRealtimePanel(bob, extensionId)
  devtools = opened.devtools
  panel = panelDriver(opened.panel)
  // Undocked: the DevTools window's viewport is the panel's width (docked, the page takes part).
  await devtools.evaluate(
    `(async () => (await import('./ui/legacy/legacy.js')).DockController.DockController.instance().setDockSide('undocked'))()`,
  )
  await setPanelWidth(WIDE_WIDTH)
}, 120_000)

afterAll(() => demo?.close())

describe('the Timeline tab: a teammate’s change in phases, and a gap with its replay', () => {
  const step = storySteps()

  step(
    "Alice renames the deal: in Bob's Log the received change's trail shows what the refetch changed, old title → new",
    async () => {
      await renameDeal(alice, RENAMED)
      await waitForText(bob, '[data-testid=deal-heading]', RENAMED, "the new title on Bob's screen")
      await panel.waitForRow(RECEIVED, 'the received row in Bob’s Log')
      await panel.clickRow(RECEIVED)
      // The received change's trail ends at the refetch, with what it changed in its sentence.
      await pollUntil(
        async () => (await panel.detailText()).includes(DIFF),
        `the diff in the received change's trail (${DIFF})`,
      )
      expect(await panel.detailText()).toMatch(
        new RegExp(
          `Refetched ${escape(RECORD_KEY)} in [\\d,]+ ms: data changed \\(${escape(DIFF)}; `,
        ),
      )
      // The refetch's own trail: one line per changed value, the title's old → new.
      const refetchRow = new RegExp(`refetched.*${escape(RECORD_KEY)}`)
      await panel.waitForRow(refetchRow, 'the refetched row in Bob’s Log')
      await panel.clickRow(refetchRow)
      const changeLines = () =>
        panel.frame.$$eval('[aria-label=Details] .trail-lines li', (items) =>
          items.map((item) => item.textContent ?? ''),
        )
      await pollUntil(
        async () => (await changeLines()).includes(DIFF),
        'the diff as a line of the refetch’s trail',
      )
      expect(await changeLines()).toContainEqual(
        expect.stringMatching(/^updated_at: "[^"]+" → "[^"]+"$/),
      )
      await screenshot(panel.frame, 'timeline-log-refetch-diff')
    },
  )

  step(
    'the Log’s selection opens the Timeline on it: received → batch → invalidated → refetched, ending with the diff',
    async () => {
      await panel.clickRow(RECEIVED)
      await panel.clickTab('Timeline')
      const refetched = new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} refetched ${escape(RECORD_KEY)} in \\d+ ms: data changed: title: "${escape(DEAL.title)}" → "${escape(RENAMED)}"`,
      )
      await pollUntil(
        async () => refetched.test((await phaseLines()).at(-1) ?? ''),
        'the phases, ending with the refetch and its diff',
      )
      const phases = await phaseLines()
      const time = '\\d\\d:\\d\\d:\\d\\d\\.\\d{3}'
      expect(phases).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^${time} received by the engine$`)),
          expect.stringMatching(new RegExp(`^${time} waited \\d+ ms in its batch \\(#\\d+\\)$`)),
          expect.stringMatching(
            new RegExp(`^${time} invalidated (${escape(RECORD_KEY)}|\\d+ queries)$`),
          ),
        ]),
      )
      // In order: received before invalidated before the refetch, which is the last line.
      const at = (pattern: RegExp) => phases.findIndex((line) => pattern.test(line))
      expect(at(/ received by the engine$/)).toBeLessThan(at(/ invalidated /))
      expect(at(/ invalidated /)).toBeLessThan(phases.length - 1)
      expect(phases.at(-1)).toMatch(refetched)
      // The commit and the wire, when the page's socket records and the database's clock say.
      expect(phases[0]).toMatch(
        new RegExp(`^${time} committed( \\(.*\\))?, then -?\\d+ ms to the wire$`),
      )
      expect(phases).toContainEqual(
        expect.stringMatching(
          new RegExp(`^${time} on the wire \\(its frame\\), received \\d+ ms later$`),
        ),
      )
      const label = await panel.frame.$eval('canvas[role=img]', (c) => c.getAttribute('aria-label'))
      expect(label).toMatch(/^Timeline of [1-9]\d* changes?$/)

      // Centred on the change: its bar is under the middle of the first lane; hovering it says
      // which change it is.
      const box = await canvasBox()
      await hoverUntil(
        box.x + box.width / 2,
        box.y + LANE_TOP + LANE_HEADER_H + 5,
        new RegExp(`^#\\d+ received UPDATE deals/${DEAL.id}`),
        'the tooltip of the change’s bar',
      )
      await screenshot(panel.frame, 'timeline-wide')

      await setPanelWidth(DOCKED_WIDTH)
      await pollUntil(
        async () => Math.round((await canvasBox()).width) <= DOCKED_WIDTH,
        'the timeline at the docked width',
      )
      await devtools.mouse.move(0, 0)
      await screenshot(panel.frame, 'timeline-docked')
      expect((await phaseLines()).at(-1)).toMatch(refetched)
    },
  )

  step('docked, the Log keeps its verdict readable and the Metrics tab its rates', async () => {
    await panel.clickTab('Log')
    await panel.waitForRow(RECEIVED, 'the received row, docked')
    // Docked: the toolbar and the tabs on one line each; a row's verdict on a line of its own.
    const lines = await panel.frame.evaluate(() => {
      // On one line: every shown child overlaps every other vertically.
      const oneLine = (selector: string) => {
        const boxes = [...document.querySelectorAll(`${selector} > *`)]
          .map((e) => e.getBoundingClientRect())
          .filter((box) => box.width > 0 && box.height > 0)
        return Math.max(...boxes.map((b) => b.top)) < Math.min(...boxes.map((b) => b.bottom))
      }
      return { toolbar: oneLine('[role=toolbar]'), tabs: oneLine('[role=tablist]') }
    })
    expect(lines).toEqual({ toolbar: true, tabs: true })
    const verdict = await panel.frame.$$eval(
      '[role=listbox][aria-label=Events] [role=option] .cell-verdict',
      (cells) =>
        cells.map((cell) => ({
          text: cell.textContent ?? '',
          width: cell.getBoundingClientRect().width,
          rowWidth: cell.parentElement!.getBoundingClientRect().width,
        })),
    )
    expect(verdict.length).toBeGreaterThan(0)
    for (const cell of verdict) expect(cell.width, cell.text).toBeGreaterThan(cell.rowWidth * 0.8)
    await screenshot(panel.frame, 'timeline-log-docked')

    await panel.clickTab('Metrics')
    // The first minutes by the second: a per-minute chart would be a point or two.
    await panel.frame.waitForSelector('figure[aria-label="Rates by the second chart"] canvas', {
      timeout: 15_000,
    })
    await screenshot(panel.frame, 'timeline-metrics-docked')
    await setPanelWidth(WIDE_WIDTH)
  })

  step(
    "Bob's socket drops while Alice renames twice: the replay reads them back, and his timeline's connection track holds the gap and the replay",
    async () => {
      // Bob cannot rejoin until Alice is done: her writes land in his gap.
      const bobOffline = await cutOffRealtime(bob, demo.stack, 'Bob')
      for (const title of ['Skates while Bob was away 1', 'Skates while Bob was away 2']) {
        await renameDeal(alice, title)
      }
      await bobOffline.reconnect()
      await waitForText(
        bob,
        '[data-testid=deal-heading]',
        'Skates while Bob was away 2',
        "Bob's screen after the replay",
      )
      await panel.clickTab('Log')
      await panel.waitForRow(/resync.*replayed/, 'the replay in Bob’s Log')
      const resync = (await engineEvents(bob)).findLast(
        (e) => e.kind === 'resync' && e.replayed === true && (e.replayedCount ?? 0) > 0,
      )
      expect(resync).toBeDefined()

      // The Timeline, on everything held: the replay's mark on the track's second row.
      await panel.clickTab('Timeline')
      await panel.clickButton('Fit all')
      let view = await timelineView(resync!.at)
      await pollUntil(async () => {
        view = await timelineView(resync!.at)
        return view.from <= resync!.at && resync!.at <= view.to
      }, 'the replay within the fitted view')
      await screenshot(panel.frame, 'timeline-gap-fit-wide')
      // The two changes the replay read back are on it too, beside the first rename.
      const count = await panel.frame.$eval('canvas[role=img]', (c) => c.getAttribute('aria-label'))
      expect(Number(/^Timeline of (\d+) changes$/.exec(count ?? '')?.[1])).toBeGreaterThanOrEqual(3)
      const box = await canvasBox()
      const xOf = (shown: { from: number; to: number }) =>
        box.x + ((resync!.at - shown.from) / (shown.to - shown.from)) * box.width
      const y = box.y + RULER_H + 2 + TRACK_ROW_H + 5
      // The rejoin's marks sit beside the replay's: zoom in around it (the wheel keeps the time
      // under the pointer about where it is) until the marks are pixels apart.
      await devtools.mouse.move(xOf(view), y)
      let zoomed = view
      // One notch at a time until it is (input to the panel's frame can be late or lost).
      await pollUntil(async () => {
        zoomed = await timelineView(resync!.at)
        if (zoomed.to - zoomed.from < (view.to - view.from) / 10) return true
        await devtools.mouse.wheel({ deltaY: -500 })
        return false
      }, 'the timeline zoomed in around the replay')
      expect(zoomed.from).toBeLessThan(resync!.at)
      expect(zoomed.to).toBeGreaterThan(resync!.at)
      const x = xOf(zoomed)
      await hoverUntil(
        x,
        y,
        /live: replayed 2 events \(ids \d+–\d+\) missed during a [\d.]+ s gap/,
        'the tooltip of the replay’s mark, in the resync’s words',
      )
      expect(await tooltipText()).toMatch(new RegExp(`^#${resync!.seq} \\S+ live: replayed `))
      await screenshot(panel.frame, 'timeline-gap-wide')

      // A click on the mark selects the resync in the Log: the change picked before is no longer
      // the Log's selection (the phases give way to the note), and the Log shows the replay.
      expect(await phaseLines()).not.toEqual([])
      await pollUntil(async () => {
        if ((await phaseLines()).length === 0) return true
        await devtools.mouse.click(x, y)
        return false
      }, 'the replay picked on the timeline')
      await panel.clickTab('Log')
      await pollUntil(
        async () =>
          /read those changes back from realtime_table_events.*replayed 2 events/.test(
            await panel.detailText(),
          ),
        "the replay's trail in the Log, picked on the timeline",
      )

      // Docked, everything held: the gap's shade, its marks and the replayed changes' bars.
      await setPanelWidth(DOCKED_WIDTH)
      await panel.clickTab('Timeline')
      await panel.clickButton('Fit all')
      await pollUntil(async () => {
        const shown = await timelineView(resync!.at)
        return shown.from <= resync!.at && resync!.at <= shown.to
      }, 'the replay within the fitted view, docked')
      await screenshot(panel.frame, 'timeline-gap-fit-docked')
    },
    60_000,
  )
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
