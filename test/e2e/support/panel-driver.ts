import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Ajv from 'ajv'
import type { Browser, Frame } from 'puppeteer-core'
import { pollUntil } from './chromium'

/**
 * Reading and driving the real Realtime panel the way a developer does: rows of the log as
 * text, a click on a row, the detail pane's sentences, the Export button.
 */
export interface PanelDriver {
  frame: Frame
  /** What the log shows, row by row, as text. */
  rows(): Promise<string[]>
  waitForRow(pattern: RegExp, message: string): Promise<void>
  /** Clicks the newest row matching the pattern. */
  clickRow(pattern: RegExp): Promise<void>
  /** The detail pane's text. */
  detailText(): Promise<string>
  clickButton(label: string): Promise<void>
  /** Shows one of the panel's tabs (Log, Queries, Metrics, …). */
  clickTab(label: string): Promise<void>
  /** The Queries tab's table, row by row, as text. */
  queryRows(): Promise<string[]>
  /** A Socket tab table (Sockets, Socket channels, Frames), row by row, as text. */
  socketRows(table: 'Sockets' | 'Socket channels' | 'Frames'): Promise<string[]>
  /** The Socket tab's warnings, as text. */
  socketWarnings(): Promise<string[]>
  /** The Socket tab's frame detail, as text ('' when no frame is shown). */
  frameText(): Promise<string>
  /** Clicks Export JSON and returns the downloaded file's parsed content. */
  exportJson(downloads: string): Promise<unknown>
  /** The banner above the tabs about writes that got no change back ('' when none shows). */
  writesBanner(): Promise<string>
  /** The Writes tab's table, row by row, cell by cell. */
  writeRows(): Promise<WriteRow[]>
  /** Clicks the newest row of the Writes tab whose Write cell matches the pattern. */
  clickWriteRow(pattern: RegExp): Promise<void>
  /** The Writes tab's detail of the picked write, as text ('' when none is shown). */
  writeText(): Promise<string>
}

/** One row of the Writes tab, as its columns show it. */
export interface WriteRow {
  sent: string
  write: string
  response: string
  outcome: string
}

const ROWS = '[role=listbox][aria-label=Events] [role=option]'
const WRITE_ROWS = 'table[aria-label="Writes"] tbody tr'

export function panelDriver(frame: Frame): PanelDriver {
  const rows = () =>
    frame.$$eval(ROWS, (elements) => elements.map((element) => element.textContent ?? ''))
  // By its name: its aria-label (a docked toolbar's icon button keeps its words there), else its text.
  const clickButton = (label: string) =>
    frame.$$eval(
      'button',
      (buttons, text) =>
        (
          buttons.find((b) => (b.getAttribute('aria-label') ?? b.textContent) === text) as
            HTMLElement | undefined
        )?.click(),
      label,
    )
  return {
    frame,
    rows,
    waitForRow: (pattern, message) =>
      pollUntil(async () => (await rows()).some((row) => pattern.test(row)), message),
    clickRow: (pattern) =>
      frame.$$eval(
        ROWS,
        (elements, source) => {
          const match = [...elements]
            .reverse()
            .find((e) => new RegExp(source).test(e.textContent ?? ''))
          ;(match as HTMLElement | undefined)?.click()
        },
        pattern.source,
      ),
    detailText: () => frame.$eval('[aria-label=Details]', (element) => element.textContent ?? ''),
    clickButton,
    clickTab: (label) =>
      frame.$$eval(
        '[role=tab]',
        (tabs, text) =>
          (tabs.find((t) => t.textContent === text) as HTMLElement | undefined)?.click(),
        label,
      ),
    queryRows: () =>
      frame.$$eval('.queries-table tbody tr', (rows) => rows.map((row) => row.textContent ?? '')),
    socketRows: (table) =>
      frame.$$eval(`table[aria-label="${table}"] tbody tr`, (rows) =>
        rows.map((row) => row.textContent ?? ''),
      ),
    socketWarnings: () =>
      frame.$$eval('[aria-label="Socket warnings"] li', (items) =>
        items.map((item) => item.textContent ?? ''),
      ),
    frameText: () =>
      frame.$$eval('[aria-label=Frame]', (elements) => elements[0]?.textContent ?? ''),
    writesBanner: () =>
      frame.$$eval(
        '[role=alert]',
        (alerts) =>
          alerts.map((a) => a.textContent ?? '').find((t) => t.includes('got no change back')) ??
          '',
      ),
    writeRows: () =>
      frame.$$eval(WRITE_ROWS, (rows) =>
        rows.map((row) => {
          const [sent, write, response, outcome] = [...(row as HTMLTableRowElement).cells].map(
            (c) => c.textContent ?? '',
          )
          return {
            sent: sent ?? '',
            write: write ?? '',
            response: response ?? '',
            outcome: outcome ?? '',
          }
        }),
      ),
    clickWriteRow: (pattern) =>
      frame.$$eval(
        WRITE_ROWS,
        (rows, source) => {
          const match = [...rows]
            .reverse()
            .find((r) =>
              new RegExp(source).test((r as HTMLTableRowElement).cells[1]?.textContent ?? ''),
            )
          ;(match as HTMLElement | undefined)?.click()
        },
        pattern.source,
      ),
    writeText: () =>
      frame.$$eval('section[aria-label=Write]', (elements) => elements[0]?.textContent ?? ''),
    async exportJson(downloads) {
      const before = new Set(readdirSync(downloads))
      await clickButton('Export JSON')
      // The file can appear before Chromium has finished writing it: read it until it parses.
      let parsed: unknown
      await pollUntil(async () => {
        const file = readdirSync(downloads).find((f) => f.endsWith('.json') && !before.has(f))
        if (file === undefined) return false
        try {
          parsed = JSON.parse(readFileSync(path.join(downloads, file), 'utf8'))
          return true
        } catch {
          return false
        }
      }, 'the exported file, complete')
      return parsed
    },
  }
}

/** A new temporary folder the browser saves downloads into, where the panel's Export lands. */
export async function downloadsFolder(browser: Browser, prefix: string): Promise<string> {
  const directory = mkdtempSync(path.join(tmpdir(), prefix))
  const cdp = await browser.target().createCDPSession()
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: directory })
  return directory
}

const validateExport = new Ajv({ strict: false }).compile(
  JSON.parse(readFileSync('schema/realtime-sync-devtools.log.schema.json', 'utf8')) as object,
)

/** What is wrong with an exported file by the shipped JSON Schema; [] when it validates. */
export function exportSchemaErrors(exported: unknown): string[] {
  return validateExport(exported)
    ? []
    : (validateExport.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`)
}
