// @vitest-environment jsdom
import { fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { SocketRecord } from '../../bridge/socket/socket-records'
import type { UnconfirmedEvent } from '../../src/types'
import { cleanup, renderPanel } from './support/panel-harness'
import { SocketRecords } from './support/socket-records'
import { write } from './support/sync-events'

/**
 * "My change never reached my teammate", answered in the panel: the banner above every tab,
 * and the Writes tab with each write, what came of it, why and what to do next.
 */

afterEach(cleanup)

/** A socket that joined the organization's channel, a contacts change, then a deals write. */
function wire(at: number): SocketRecord[] {
  return new SocketRecords()
    .joined(at)
    .change(at + 10, 'contacts', 'c1')
    .write(at + 60, { rows: 1 }, 40).list
}

describe('the Writes tab and its banner', () => {
  it('on a page without our engine: waits out the window, then says no change came back, why, and the fix', () => {
    const { page, scheduler } = renderPanel()
    page((t) => {
      t.pageRequested()
      t.hello('S1', { engines: [] })
    })
    page((t) => t.socket('S1', wire(scheduler.now()), { snapshot: true }))
    fireEvent.click(screen.getByRole('tab', { name: 'Writes' }))
    const row = () => within(screen.getByRole('table', { name: 'Writes' })).getAllByRole('row')[1]!
    expect(row().textContent).toContain('PATCH deals d1')
    expect(row().textContent).toContain('204 in 40 ms, 1 row')
    expect(row().textContent).toMatch(/waiting for its change/)
    expect(screen.queryByRole('alert')).toBeNull()

    // The window ends with no change of deals/d1: the clock alone moves the verdict.
    page(() => scheduler.advance(5_100))
    expect(row().textContent).toContain('no change came back: likely table-not-tracked')
    const detail = screen.getByRole('region', { name: 'Write' })
    expect(detail.textContent).toContain('changes of other tables arrive')
    expect(detail.textContent).toContain(
      "Next: Run select * from realtime_sync_doctor(); and see check table-tracked. The fix: select public.realtime_track_table('public.deals');",
    )

    // From any other tab, the banner says it and leads back here.
    fireEvent.click(screen.getByRole('tab', { name: 'Log' }))
    const banner = screen.getByRole('alert')
    expect(banner.textContent).toContain("1 of the page's writes got no change back")
    expect(banner.textContent).toContain('PATCH deals d1')
    fireEvent.click(within(banner).getByRole('button', { name: 'Why, and what to do' }))
    expect(screen.getByRole('tab', { name: 'Writes' }).getAttribute('aria-selected')).toBe('true')
  })

  it("on an engine's page: the engine's unconfirmed verdict shows in the banner even before the wire is watched, and wins", () => {
    const { page, scheduler } = renderPanel()
    const at = scheduler.now()
    const verdict: UnconfirmedEvent = {
      seq: 2,
      at: at + 5_200,
      kind: 'unconfirmed',
      table: 'deals',
      recordId: 'd1',
      relatedSeq: 1,
      ageMs: 5_000,
      cause: 'no-event-row',
    }
    page((t) => t.connectReply('S1', [write(1, { at: at + 150 }), verdict]))
    const banner = screen.getByRole('alert')
    expect(banner.textContent).toContain("1 of the page's writes got no change back")
    expect(banner.textContent).toContain('deals d1: no-event-row')

    fireEvent.click(within(banner).getByRole('button', { name: 'Why, and what to do' }))
    page((t) => t.socket('S1', wire(at), { snapshot: true }))
    page(() => scheduler.advance(5_300))
    const row = within(screen.getByRole('table', { name: 'Writes' })).getAllByRole('row')[1]!
    expect(row.textContent).toContain('no change came back: the engine says no-event-row (#2)')
    const detail = screen.getByRole('region', { name: 'Write' })
    expect(detail.textContent).toContain('check table-tracked for this table')
    fireEvent.click(within(detail).getByRole('button', { name: /Show the engine's verdict/ }))
    expect(screen.getByRole('tab', { name: 'Log' }).getAttribute('aria-selected')).toBe('true')
  })

  it('renders what the page sent as text, never as HTML', () => {
    const { page, scheduler } = renderPanel()
    page((t) => {
      t.pageRequested()
      t.hello('S1', { engines: [] })
    })
    const records = wire(scheduler.now())
    records[4] = {
      ...records[4]!,
      kind: 'write',
      write: {
        method: 'POST',
        table: '<img src=x onerror=alert(1)>',
        ids: ['<b>1</b>'],
        status: 400,
        durationMs: 3,
        error: { code: 'PGRST204', message: '<script>x</script>' },
      },
    } as SocketRecord
    page((t) => t.socket('S1', records, { snapshot: true }))
    fireEvent.click(screen.getByRole('tab', { name: 'Writes' }))
    const view = screen.getByRole('table', { name: 'Writes' })
    expect(view.textContent).toContain('<img src=x onerror=alert(1)>')
    expect(view.querySelector('img, script, b')).toBeNull()
  })
})
