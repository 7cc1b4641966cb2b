// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encodeEventBatch } from '../../bridge/protocol'
import { cleanup, renderPanel, stubLayout } from './support/panel-harness'
import { channel, deduped, invalidated, malformed, received } from './support/sync-events'

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

const XSS = '<img src=x onerror="window.__xss=1">'

declare global {
  interface Window {
    __xss?: number
  }
}

let restoreLayout: () => void
beforeEach(() => {
  restoreLayout = stubLayout()
  delete window.__xss
})
afterEach(() => {
  cleanup()
  restoreLayout()
})

function expectNoMarkup() {
  expect(document.querySelectorAll('img')).toHaveLength(0)
  expect(document.querySelectorAll('[onerror]')).toHaveLength(0)
  expect(window.__xss).toBeUndefined()
}

describe('untrusted page data is rendered as text', () => {
  it('in the log, the detail pane, the trail and the JSON tree', () => {
    const { page } = renderPanel()
    page((t) => {
      t.pageRequested()
      t.connectReply('S1', [
        received(1, {
          table: XSS,
          orgId: XSS,
          recordId: XSS,
          actorId: XSS,
          // An engine of 0.2.0 sends its own sentence: shown as it is, as text.
          reason: XSS,
          payload: { [XSS]: XSS, nested: [XSS, { html: XSS }] },
        }),
        invalidated(2, [1], [[XSS, 'record', XSS]], { reason: XSS }),
        channel(3, 'CHANNEL_ERROR', {
          at: 0,
          orgId: XSS,
          channel: { topic: XSS, status: 'CHANNEL_ERROR' },
          error: XSS,
        }),
        malformed(4, { orgId: XSS, field: XSS, payload: { [XSS]: XSS } }),
        deduped(5, 1, { table: XSS, recordId: XSS, eventId: XSS }),
      ])
      t.state('S1', {
        // A status is one of a closed set now: a second channel carries the third text.
        channels: [
          {
            orgId: XSS,
            topic: XSS,
            status: 'CHANNEL_ERROR',
            subscribedCount: 2,
            lastNote: { error: XSS },
          },
          {
            orgId: 'org_beta',
            topic: 'org:org_beta',
            status: 'CLOSED',
            subscribedCount: 1,
            lastNote: { note: 'closed-by-server', error: XSS, delayMs: 1_000 },
          },
        ],
      })
    })
    const log = screen.getByRole('listbox', { name: 'Events' })
    expect(within(log).getAllByText(XSS).length).toBeGreaterThanOrEqual(3)
    fireEvent.click(within(log).getAllByRole('option')[0]!)
    // The JSON tree shows keys and string values as text.
    expect(screen.getAllByText(`"${XSS}"`).length).toBeGreaterThan(0)
    expect(screen.getAllByText(`${XSS}:`).length).toBeGreaterThan(0)
    // The trail: the reason as a note, the keys as JSON text.
    const trail = screen.getByRole('list', { name: 'Decision trail' })
    expect(within(trail).getAllByText(XSS).length).toBeGreaterThan(0)
    expect(within(trail).getByText(JSON.stringify([XSS, 'record', XSS]))).toBeTruthy()
    // The sentences rendered from facts hold the page's text as text.
    for (const index of [2, 3, 4]) {
      fireEvent.click(within(log).getAllByRole('option')[index]!)
      expect(
        within(screen.getByRole('list', { name: 'Decision trail' })).getAllByText(
          new RegExp(escape(XSS)),
        ).length,
      ).toBeGreaterThan(0)
      expectNoMarkup()
    }
    fireEvent.click(screen.getByRole('tab', { name: 'Channels' }))
    // The topic, the error as it is, and the error inside its note's sentence.
    expect(screen.getAllByText(XSS).length).toBeGreaterThanOrEqual(2)
    expect(
      screen.getByText(
        `the server closed the channel (${XSS}): rejoining in 1000 ms with a fresh token from setAuth()`,
      ),
    ).toBeTruthy()
    // Filter values (select options) are text too.
    fireEvent.click(screen.getByRole('tab', { name: 'Log' }))
    expect(screen.getAllByRole('option', { name: XSS }).length).toBeGreaterThanOrEqual(2)
    expectNoMarkup()
  })

  it('in the reload marker, the status line and the import banner', async () => {
    const { page } = renderPanel()
    page((t) => {
      t.pageRequested()
      t.connectReply('S1', [received(1)])
      t.hello('S2', { url: XSS })
      // A value its list does not know travels as it is: the check's reason quotes it.
      t.rawEvents('S2', encodeEventBatch([received(1, { op: XSS as never })]))
    })
    expect(screen.getByText(`Page reloaded / navigated to ${XSS}`)).toBeTruthy()
    expect(
      screen.getByText(new RegExp(`1 rejected: event #1: op: .*${escape(XSS.slice(0, 10))}`)),
    ).toBeTruthy()
    const file = new File(['{"format":"x"}'], `${XSS}.json`)
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Import a log file'), { target: { files: [file] } })
    })
    expect(screen.getByRole('alert').textContent).toContain(`Import of ${XSS}.json failed`)
    expectNoMarkup()
  })
})
