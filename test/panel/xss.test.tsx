// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encodeEventBatch } from '../../bridge/protocol'
import { cleanup, renderPanel, stubLayout } from './support/panel-harness'
import { invalidated, received } from './support/sync-events'

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
          reason: XSS,
          payload: { [XSS]: XSS, nested: [XSS, { html: XSS }] },
        }),
        invalidated(2, [1], [[XSS, 'record', XSS]], { reason: XSS }),
        {
          seq: 3,
          at: 0,
          kind: 'channel',
          orgId: XSS,
          channel: { topic: XSS, status: 'CHANNEL_ERROR' },
          reason: XSS,
        },
      ])
      t.state('S1', {
        // A status is one of a closed set now: a second channel carries the third text.
        channels: [
          { orgId: XSS, topic: XSS, status: 'CHANNEL_ERROR', subscribedCount: 2, lastError: XSS },
          {
            orgId: 'org_beta',
            topic: 'org:org_beta',
            status: 'CLOSED',
            subscribedCount: 1,
            lastError: XSS,
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
    fireEvent.click(within(log).getAllByRole('option')[2]!)
    expectNoMarkup()
    fireEvent.click(screen.getByRole('tab', { name: 'Channels' }))
    expect(screen.getAllByText(XSS).length).toBeGreaterThanOrEqual(3)
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
      t.rawEvents('S2', encodeEventBatch([{ seq: 1, at: 0, kind: XSS } as never]))
    })
    expect(screen.getByText(`Page reloaded / navigated to ${XSS}`)).toBeTruthy()
    expect(
      screen.getByText(new RegExp(`1 rejected: event #1: kind: .*${XSS.slice(0, 10)}`)),
    ).toBeTruthy()
    const file = new File(['{"format":"x"}'], `${XSS}.json`)
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Import a log file'), { target: { files: [file] } })
    })
    expect(screen.getByRole('alert').textContent).toContain(`Import of ${XSS}.json failed`)
    expectNoMarkup()
  })
})
