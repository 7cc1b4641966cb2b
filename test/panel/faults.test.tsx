// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FaultRecord } from '../../bridge/faults/fault-records'
import { formatTime } from '../../extension/panel/store/format'
import { socketMarks, withFaults } from '../../extension/panel/store/timeline'
import { cleanup, renderPanel, stubLayout } from './support/panel-harness'
import { SocketRecords } from './support/socket-records'
import { deduped, received, resync, T0 } from './support/sync-events'
import type { FakeTransport } from './support/fake-transport'

/** The panel's half of the simulated faults: the switches, the banner, and the causes it names. */
let restoreLayout: () => void
beforeEach(() => {
  restoreLayout = stubLayout()
})
afterEach(() => {
  cleanup()
  restoreLayout()
})

const offline = (extra: Partial<FaultRecord> = {}): FaultRecord => ({
  id: 1,
  kind: 'offline',
  origin: 'panel',
  startedAt: T0,
  durationMs: 5_000,
  dropped: [1],
  ...extra,
})

function faults(transport: FakeTransport, records: FaultRecord[]) {
  transport.emit({ type: 'faults', session: 'S1', records })
}

function panelOnSocketTab() {
  const panel = renderPanel()
  panel.page((t) => {
    t.pageRequested()
    t.connectReply('S1', [received(1)])
  })
  fireEvent.click(screen.getByRole('tab', { name: 'Socket' }))
  const records = new SocketRecords().joined(T0 - 1_000).change(T0 - 500, 'deals', 'd1')
  panel.page((t) => t.socket('S1', records.list, { snapshot: true }))
  panel.transport.take()
  return panel
}

describe('simulated faults in the panel', () => {
  it('sends each switch of the Socket tab as a start-fault, with the times the user set', () => {
    const { transport } = panelOnSocketTab()
    const controls = within(screen.getByRole('group', { name: 'Simulate a fault' }))
    fireEvent.click(controls.getByRole('button', { name: 'Drop socket' }))
    fireEvent.change(controls.getByLabelText('Offline for (s)'), { target: { value: '5' } })
    fireEvent.click(controls.getByRole('button', { name: 'Offline' }))
    fireEvent.click(controls.getByRole('button', { name: 'Delay deliveries' }))
    fireEvent.click(controls.getByRole('button', { name: 'Stall heartbeats' }))
    expect(transport.take().map((m) => (m.type === 'start-fault' ? m.fault : m))).toEqual([
      { kind: 'drop' },
      { kind: 'offline', ms: 5_000 },
      { kind: 'delay', ms: 500 },
      { kind: 'stall-heartbeats', ms: 60_000 },
    ])
  })

  it("says why the page refused one, in the page's words", () => {
    const { transport, page } = panelOnSocketTab()
    fireEvent.click(screen.getByRole('button', { name: 'Drop socket' }))
    const [sent] = transport.take()
    page((t) =>
      t.emit({
        type: 'command-result',
        session: 'S1',
        requestId: (sent as { requestId: number }).requestId,
        ok: false,
        error: 'no open Realtime socket on this page to drop',
      }),
    )
    expect(screen.getByText(/Could not start it: no open Realtime socket on this page to drop/))
  })

  it('shows an active fault above every tab with its time left and what it did, and ends it', () => {
    const { transport, page, scheduler } = panelOnSocketTab()
    fireEvent.click(screen.getByRole('tab', { name: 'Log' }))
    const startedAt = scheduler.now()
    page((t) => faults(t, [offline({ startedAt, refused: 2 })]))
    const banner = () => screen.getByRole('status', { name: 'Simulated faults' }).textContent
    expect(banner()).toContain(
      'simulated: offline for 5 s, 5 s left (closed (socket #1), refused 2 connections). End',
    )
    act(() => scheduler.advance(2_000))
    expect(banner()).toContain('3 s left')
    transport.take()
    fireEvent.click(screen.getByRole('button', { name: 'End' }))
    expect(transport.take()).toMatchObject([{ type: 'end-fault', id: 1 }])
    page((t) => faults(t, [offline({ startedAt, endedAt: startedAt + 2_100, endedBy: 'ended' })]))
    expect(screen.queryByRole('status', { name: 'Simulated faults' })).toBeNull()
  })

  it('lists the faults among the frames, marks the frames they touched, and delivers a picked one again', () => {
    const { transport, page } = panelOnSocketTab()
    const records = new SocketRecords().joined(T0 - 1_000).change(T0 - 500, 'deals', 'd1')
    const list = records.list.map((r) =>
      r.kind === 'frame' && r.event === 'postgres_changes'
        ? { ...r, fault: 'delayed' as const, delayMs: 500 }
        : r,
    )
    page((t) => {
      t.socket('S1', list, { snapshot: true })
      faults(t, [offline({ startedAt: T0 - 200, endedAt: T0 + 4_800, endedBy: 'time' })])
    })
    page((t) =>
      t.socket('S1', [
        {
          seq: 5,
          at: T0 + 1_000,
          socket: 2,
          kind: 'open',
          url: 'wss://x/realtime/v1/websocket',
          vsn: '2.0.0',
          refused: true,
        },
        { seq: 6, at: T0 + 1_001, socket: 2, kind: 'close', code: 1006, reason: '', clean: false },
      ]),
    )
    expect(
      within(screen.getByRole('table', { name: 'Sockets' }))
        .getAllByRole('row')
        .at(-1)!.textContent,
    ).toContain(`closed at ${formatTime(T0 + 1_001)}: code 1006, refused by a simulated offline`)
    const rows = within(screen.getByRole('table', { name: 'Frames' }))
      .getAllByRole('row')
      .map((row) => row.textContent)
    expect(rows).toContainEqual(
      expect.stringContaining(
        'postgres_changes10INSERT public.realtime_table_events (deals UPDATE d1) (handed to the page 500 ms later: simulated delay)',
      ),
    )
    expect(rows).toContain(
      `${formatTime(T0 - 200)}⚡simulatedsimulated: offline for 5 s: closed (socket #1); its time was up`,
    )
    transport.take()
    fireEvent.click(screen.getByText(/handed to the page 500 ms later/))
    fireEvent.click(screen.getByRole('button', { name: 'Deliver again' }))
    expect(transport.take()).toMatchObject([
      { type: 'start-fault', fault: { kind: 'deliver-again', frameSeq: 4 } },
    ])
  })

  it('names the fault as the cause in the trail of the replay and of the duplicate it made', () => {
    const panel = renderPanel()
    panel.page((t) => {
      t.pageRequested()
      t.connectReply('S1', [
        received(1),
        resync(2, { at: T0 + 8_000, gapMs: 7_000, replayed: true, replayedCount: 0 }),
        deduped(3, 1, { at: T0 + 9_001 }),
      ])
      faults(t, [
        offline({ startedAt: T0 + 900, endedAt: T0 + 5_900, endedBy: 'time' }),
        { id: 2, kind: 'deliver-again', origin: 'console', startedAt: T0 + 9_000, socket: 2 },
      ])
    })
    const log = within(screen.getByRole('listbox', { name: 'Events' }))
    fireEvent.click(log.getByText('resync'))
    const trail = () => within(screen.getByRole('list', { name: 'Decision trail' }))
    expect(trail().getByText('Cause: a simulated fault')).toBeTruthy()
    expect(
      trail().getByText(
        `At ${formatTime(T0 + 900)}: simulated: offline for 5 s (closed (socket #1)), from the DevTools panel. What follows is what the page does after that fault, not a fault of the network or the server.`,
      ),
    ).toBeTruthy()
    fireEvent.click(log.getByText('deduped'))
    expect(
      trail().getByText(/simulated: a frame delivered again on socket #2, from the page's console/),
    )
    fireEvent.click(log.getByText('received'))
    expect(trail().queryByText('Cause: a simulated fault')).toBeNull()
  })

  it('tells a page without our engine that nothing replays what the drop missed', () => {
    const panel = renderPanel()
    panel.page((t) => {
      t.pageRequested()
      t.hello('S1', { engines: [] })
      faults(t, [offline({ endedAt: T0 + 5_000, endedBy: 'time' })])
    })
    expect(screen.getByRole('status', { name: 'Simulated faults' }).textContent).toContain(
      'This page has no replay: a change made while its socket was down is never delivered again',
    )
  })

  it('exports the faults with the socket records', () => {
    const { store, page } = panelOnSocketTab()
    page((t) => faults(t, [offline({ endedAt: T0 + 5_000, endedBy: 'time' })]))
    const file = JSON.parse(store.exportLog()!.text) as { socket: { faults: FaultRecord[] } }
    expect(file.socket.faults).toEqual([offline({ endedAt: T0 + 5_000, endedBy: 'time' })])
  })
})

describe('faults on the timeline', () => {
  it('spans a timed fault and names it as the cause of the close and the gap it provoked', () => {
    const records = new SocketRecords().joined(T0 - 1_000).closed(T0 + 10).list
    const gap = { kind: 'gap' as const, at: T0 + 8_000, from: T0 + 10, label: 'gap' }
    const marks = withFaults(
      [...socketMarks(records), gap],
      [offline({ startedAt: T0, endedAt: T0 + 5_000, endedBy: 'time' })],
      T0 + 9_000,
    )
    expect(marks.find((m) => m.kind === 'fault')).toMatchObject({
      from: T0,
      at: T0 + 5_000,
      faultId: 1,
    })
    expect(marks.find((m) => m.kind === 'socket-close')).toMatchObject({
      causeId: 1,
      label: 'socket #1 closed: code 1006 (cause: simulated: offline for 5 s)',
    })
    expect(marks.find((m) => m.kind === 'gap')).toMatchObject({ causeId: 1 })
    // Long after the fault, the network is to blame again.
    const later = withFaults(
      [{ kind: 'socket-close', at: T0 + 60_000, label: 'closed' }],
      [offline({ startedAt: T0, endedAt: T0 + 5_000, endedBy: 'time' })],
      T0 + 60_000,
    )
    expect(later[0]).not.toHaveProperty('causeId')
  })
})
