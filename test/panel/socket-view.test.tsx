// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import type { SocketFrameRecord, SocketRecord } from '../../bridge/socket/socket-records'
import { formatTime } from '../../extension/panel/store/format'
import { cleanup, renderPanel, stubLayout } from './support/panel-harness'
import { deduped, received } from './support/sync-events'

afterEach(() => cleanup())

const TOPIC = 'realtime:org:acme'
const SOCKET_URL = 'wss://x.supabase.co/realtime/v1/websocket?apikey=[redacted]&vsn=2.0.0'

/** A record before it is numbered: what `append` takes (Omit, one kind at a time). */
type Unnumbered<R = SocketRecord> = R extends SocketRecord ? Omit<R, 'seq'> : never

/** A page with no engine at all: only supabase-js's socket, as the wire shows it. */
function pageWithoutEngine() {
  const panel = renderPanel()
  panel.page((t) => {
    t.pageRequested()
    t.hello('S1', { engines: [] })
  })
  return panel
}

function session(at: number, options: { system?: boolean; exp?: number } = {}): SocketRecord[] {
  let seq = 0
  const frame = (direction: 'in' | 'out', rest: Partial<SocketFrameRecord>): SocketRecord => ({
    seq: ++seq,
    at: at + seq,
    socket: 1,
    kind: 'frame',
    direction,
    size: 100,
    ...rest,
  })
  const records: SocketRecord[] = [
    {
      seq: ++seq,
      at,
      socket: 1,
      kind: 'open',
      url: SOCKET_URL,
      vsn: '2.0.0',
      tokens: [{ role: 'authenticated', exp: options.exp ?? Math.floor(at / 1000) + 3_600 }],
    },
    frame('out', {
      topic: TOPIC,
      event: 'phx_join',
      ref: '1',
      joinRef: '1',
      payload: {
        config: {
          private: false,
          postgres_changes: [
            { event: '*', schema: 'public', table: 'deals', filter: 'organization_id=eq.acme' },
          ],
        },
        access_token: '[redacted]',
      },
    }),
    frame('in', {
      topic: TOPIC,
      event: 'phx_reply',
      ref: '1',
      joinRef: '1',
      payload: { status: 'ok', response: { postgres_changes: [{ id: 7 }] } },
    }),
    frame('out', { topic: 'phoenix', event: 'heartbeat', ref: '2', joinRef: null, payload: {} }),
    frame('in', {
      topic: 'phoenix',
      event: 'phx_reply',
      ref: '2',
      joinRef: null,
      payload: { status: 'ok', response: {} },
    }),
  ]
  if (options.system !== false) {
    records.push(
      frame('in', {
        topic: TOPIC,
        event: 'system',
        ref: null,
        joinRef: '1',
        payload: {
          extension: 'postgres_changes',
          status: 'ok',
          message: 'Subscribed to PostgreSQL',
        },
      }),
      frame('in', {
        topic: TOPIC,
        event: 'postgres_changes',
        ref: null,
        joinRef: '1',
        payload: {
          ids: [7],
          data: { schema: 'public', table: 'deals', type: 'UPDATE', record: { id: 'd1' } },
        },
      }),
    )
  }
  return records
}

function queryRecord(
  seq: number,
  at: number,
  event: 'invalidated' | 'fetched',
  key: unknown[],
): SocketRecord {
  return {
    seq,
    at,
    socket: 0,
    kind: 'query',
    query: {
      client: 1,
      event,
      hash: JSON.stringify(key),
      key,
      ...(event === 'fetched' ? { durationMs: 42, dataChanged: true } : {}),
    },
  }
}

describe('the Socket tab', () => {
  it('works on a page without our engine: watches while open, shows sockets, channels and frames', () => {
    const { page, transport, scheduler } = pageWithoutEngine()
    // Without an engine the sockets and writes are all the panel has: watched from the start.
    expect(transport.take()).toContainEqual({ type: 'watch-socket', on: true })
    fireEvent.click(screen.getByRole('tab', { name: 'Socket' }))
    expect(transport.take()).toEqual([])
    const at = scheduler.now() - 5_000
    page((t) => t.socket('S1', session(at), { snapshot: true }))

    const sockets = within(screen.getByRole('table', { name: 'Sockets' })).getAllByRole('row')
    expect(sockets[1]!.textContent).toContain('x.supabase.co')
    expect(within(sockets[1]!).getByTitle(/apikey/).title).toBe(
      'wss://x.supabase.co/realtime/v1/websocket?apikey=[redacted]&vsn=2.0.0',
    )
    expect(sockets[1]!.textContent).toContain('1 sent, last 1 ms, median 1 ms')
    expect(sockets[1]!.textContent).toContain('authenticated, expires in 60 min')
    const channels = within(screen.getByRole('table', { name: 'Socket channels' })).getAllByRole(
      'row',
    )
    expect(channels[1]!.textContent).toContain('ok: Subscribed to PostgreSQL')
    expect(channels[1]!.textContent).toContain('* public.deals organization_id=eq.acme')
    const frames = within(screen.getByRole('table', { name: 'Frames' })).getAllByRole('row')
    expect(frames.map((row) => row.textContent)).toContain(
      `${formatTime(at + 7)}↓${TOPIC}postgres_changes100UPDATE public.deals → no QueryClient observed`,
    )

    fireEvent.change(screen.getByLabelText('Event'), { target: { value: 'system' } })
    const filtered = within(screen.getByRole('table', { name: 'Frames' }))
      .getAllByRole('row')
      .slice(1)
    expect(filtered.map((row) => row.textContent)).toEqual([
      `${formatTime(at)}•opensocket opened (2.0.0)`,
      `${formatTime(at + 6)}↓${TOPIC}system100system ok: Subscribed to PostgreSQL`,
    ])
    fireEvent.click(filtered[1]!)
    expect(screen.getByRole('region', { name: 'Frame' }).textContent).toContain(
      'Subscribed to PostgreSQL',
    )

    // Leaving the tab stops nothing while the page has no engine.
    fireEvent.click(screen.getByRole('tab', { name: 'Log' }))
    expect(transport.take()).toEqual([])
  })

  it('warns of the known traps: no "Subscribed to PostgreSQL", an expired token, a refused join', () => {
    const { page, scheduler } = pageWithoutEngine()
    fireEvent.click(screen.getByRole('tab', { name: 'Socket' }))
    const at = scheduler.now() - 30_000
    const records = session(at, { system: false, exp: Math.floor(at / 1000) + 10 })
    records.push({
      seq: records.length + 1,
      at: at + 50,
      socket: 1,
      kind: 'frame',
      direction: 'in',
      size: 100,
      topic: 'realtime:room',
      event: 'phx_reply',
      ref: '9',
      payload: {
        status: 'error',
        response: {
          reason: 'Unauthorized: You do not have permissions to read from this Channel topic: room',
        },
      },
    })
    records.splice(records.length - 1, 0, {
      seq: 0,
      at: at + 40,
      socket: 1,
      kind: 'frame',
      direction: 'out',
      size: 100,
      topic: 'realtime:room',
      event: 'phx_join',
      ref: '9',
      joinRef: '9',
      payload: { config: { private: true } },
    })
    records.forEach((record, i) => (record.seq = i + 1))
    page((t) => t.socket('S1', records, { snapshot: true }))
    const warnings = within(screen.getByRole('list', { name: 'Socket warnings' })).getAllByRole(
      'listitem',
    )
    expect(warnings.map((w) => w.textContent)).toEqual([
      `${TOPIC}: SUBSCRIBED 30 s ago, but no "Subscribed to PostgreSQL" yet: changes committed until then are not delivered`,
      'realtime:room: the server refused the join: Unauthorized: You do not have permissions to read from this Channel topic: room',
      'socket 1: its token (authenticated) expired 20 s ago',
    ])
  })

  it('follows each delivery to what the app did next, or says nothing was invalidated', () => {
    const { page, scheduler } = pageWithoutEngine()
    fireEvent.click(screen.getByRole('tab', { name: 'Socket' }))
    const at = scheduler.now() - 20_000
    const records = session(at)
    const delivery = records.at(-1)!
    const n = records.length
    records.push(
      queryRecord(n + 1, delivery.at + 20, 'invalidated', ['deals', 'list']),
      queryRecord(n + 2, delivery.at + 60, 'fetched', ['deals', 'list']),
      { ...delivery, seq: n + 3, at: delivery.at + 5_000 },
    )
    page((t) => t.socket('S1', records, { snapshot: true }))
    // The cache's records are not a socket of their own.
    expect(within(screen.getByRole('table', { name: 'Sockets' })).getAllByRole('row')).toHaveLength(
      2,
    )
    const deliveries = () =>
      within(screen.getByRole('table', { name: 'Frames' }))
        .getAllByRole('row')
        .filter((row) => /↓.*postgres_changes/.test(row.textContent ?? ''))
    expect(
      deliveries().map((row) => row.textContent?.replace(/^.*UPDATE public\.deals/, '')),
    ).toEqual([' → 1 query invalidated', ' → no query was invalidated after this delivery'])
    fireEvent.click(deliveries()[0]!)
    const detail = () => screen.getByRole('region', { name: 'Frame' }).textContent
    expect(detail()).toContain('invalidated ["deals","list"]')
    expect(detail()).toContain('["deals","list"] refetched in 42 ms, data changed')
    fireEvent.click(deliveries()[1]!)
    expect(detail()).toContain('No query was invalidated within 1000 ms after this delivery')
    // The window looks ahead only: widening it gives the later delivery nothing that came before.
    fireEvent.change(screen.getByLabelText('Follow a delivery for (ms)'), {
      target: { value: '10000' },
    })
    expect(deliveries()[1]!.textContent).toContain('no query was invalidated after this delivery')
  })
})

/** Records `more` appended after `base`, numbered on. */
function append(base: SocketRecord[], more: Unnumbered[]): SocketRecord[] {
  return [...base, ...more.map((record, i) => ({ ...record, seq: base.length + i + 1 }))]
}

const rowsOf = (name: string) =>
  within(screen.getByRole('table', { name }))
    .getAllByRole('row')
    .slice(1)
    .map((row) => row.textContent ?? '')

const warningTexts = () =>
  within(screen.getByRole('list', { name: 'Socket warnings' }))
    .getAllByRole('listitem')
    .map((item) => item.textContent)

describe('the Socket tab: channel lives', () => {
  it('shows a rejoin after a dropped socket as a second join: the close code, then the new socket', () => {
    const { page, scheduler } = pageWithoutEngine()
    fireEvent.click(screen.getByRole('tab', { name: 'Socket' }))
    const at = scheduler.now() - 10_000
    const first = session(at)
    const records = append(first, [
      { at: at + 100, socket: 1, kind: 'close', code: 1006, reason: '', clean: false },
      { at: at + 1_200, socket: 2, kind: 'open', url: SOCKET_URL, vsn: '2.0.0' },
      {
        at: at + 1_210,
        socket: 2,
        kind: 'frame',
        direction: 'out',
        size: 100,
        topic: TOPIC,
        event: 'phx_join',
        ref: '3',
        joinRef: '3',
        payload: {
          config: { postgres_changes: [{ event: '*', schema: 'public', table: 'deals' }] },
        },
      },
      {
        at: at + 1_230,
        socket: 2,
        kind: 'frame',
        direction: 'in',
        size: 100,
        topic: TOPIC,
        event: 'phx_reply',
        ref: '3',
        joinRef: '3',
        payload: { status: 'ok', response: { postgres_changes: [{ id: 8 }] } },
      },
    ])
    page((t) => t.socket('S1', records, { snapshot: true }))
    const sockets = rowsOf('Sockets')
    expect(sockets[0]).toContain(`closed at ${formatTime(at + 100)}: code 1006`)
    expect(sockets[1]).toMatch(/^2.*open/)
    const channels = rowsOf('Socket channels')
    expect(channels).toHaveLength(2)
    expect(channels[0]).toMatch(new RegExp(`^${TOPIC}#1.*by socket closed \\(1006\\), rejoined$`))
    expect(channels[1]).toMatch(new RegExp(`^${TOPIC}#2.*ok, after 20 ms`))
    expect(channels[1]).not.toContain('rejoined')
  })

  it('says a channel closed after its token expired, in the server’s words and with the delay', () => {
    const { page, scheduler } = pageWithoutEngine()
    fireEvent.click(screen.getByRole('tab', { name: 'Socket' }))
    const at = scheduler.now() - 60_000
    const exp = Math.floor(at / 1000) + 20
    const closing = exp * 1000 + 1_500
    const records = append(session(at, { exp }), [
      {
        at: closing,
        socket: 1,
        kind: 'frame',
        direction: 'in',
        size: 100,
        topic: TOPIC,
        event: 'system',
        ref: null,
        joinRef: '1',
        payload: {
          extension: 'system',
          status: 'error',
          message: 'Token has expired 1 seconds ago',
          channel: 'org:acme',
        },
      },
      {
        at: closing,
        socket: 1,
        kind: 'frame',
        direction: 'in',
        size: 100,
        topic: TOPIC,
        event: 'phx_close',
        ref: null,
        joinRef: '1',
        payload: {},
      },
    ])
    page((t) => t.socket('S1', records, { snapshot: true }))
    expect(warningTexts()).toEqual([
      `${TOPIC}: the server said: Token has expired 1 seconds ago`,
      `${TOPIC}: the channel closed 1.5 s after its token expired: the server checks exp, so a refreshed token must reach supabase.realtime.setAuth() before then`,
      `${TOPIC}: the server closed the channel; supabase-js does not rejoin it by itself`,
      // The socket stays open with the expired token: the next join is refused.
      'socket 1: its token (authenticated) expired 40 s ago',
    ])
  })

  it('warns of a filter naming a column the table lacks: from the deliveries, and from the server', () => {
    const { page, scheduler } = pageWithoutEngine()
    fireEvent.click(screen.getByRole('tab', { name: 'Socket' }))
    const at = scheduler.now() - 5_000
    const frame = (
      direction: 'in' | 'out',
      topic: string,
      event: string,
      ref: string | null,
      payload: unknown,
    ): Unnumbered => ({
      at,
      socket: 1,
      kind: 'frame',
      direction,
      size: 100,
      topic,
      event,
      ref,
      joinRef: ref,
      payload,
    })
    const join = (topic: string, ref: string, filter: string) =>
      frame('out', topic, 'phx_join', ref, {
        config: {
          postgres_changes: [{ event: 'UPDATE', schema: 'public', table: 'deals', filter }],
        },
      })
    const records = append(session(at), [
      // A delivery for deals on the first channel names the table's columns.
      frame('in', TOPIC, 'postgres_changes', null, {
        ids: [7],
        data: {
          schema: 'public',
          table: 'deals',
          type: 'UPDATE',
          columns: [
            { name: 'id', type: 'uuid' },
            { name: 'organization_id', type: 'uuid' },
            { name: 'stage', type: 'text' },
          ],
          record: { id: 'd2', stage: 'won' },
        },
      }),
      join('realtime:won', '5', 'stage_name=eq.won,stage=in.(won,"lost, maybe")'),
      frame('in', 'realtime:won', 'phx_reply', '5', { status: 'ok', response: {} }),
      join('realtime:typo', '6', 'stgae=eq.won'),
      frame('in', 'realtime:typo', 'phx_reply', '6', { status: 'ok', response: {} }),
      frame('in', 'realtime:typo', 'system', null, {
        extension: 'postgres_changes',
        status: 'error',
        message:
          'Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: [event: UPDATE, schema: public, table: deals, filter: stgae=eq.won]. Exception: invalid column for filter stgae',
      }),
    ])
    page((t) => t.socket('S1', records, { snapshot: true }))
    expect(warningTexts()).toEqual([
      'realtime:won: the filter "stage_name=eq.won,stage=in.(won,"lost, maybe")" names stage_name, a column public.deals lacks (its deliveries have id, organization_id, stage): it matches no row',
      'realtime:typo: the filter "stgae=eq.won" names stgae, a column public.deals lacks (its deliveries have id, organization_id, stage): it matches no row',
      'realtime:typo: its filter names a column the table lacks (stgae), so nothing is delivered: the server said: Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: [event: UPDATE, schema: public, table: deals, filter: stgae=eq.won]. Exception: invalid column for filter stgae',
    ])
  })
})

describe('the Socket tab and the engine', () => {
  let restoreLayout: () => void
  beforeEach(() => {
    restoreLayout = stubLayout()
  })
  afterEach(() => restoreLayout())

  /** A page with our engine: event 1001's received row, and the frame that delivered it. */
  function engineWithFrame() {
    const panel = renderPanel()
    const at = panel.scheduler.now() - 5_000
    const delivery = (seq: number, id: number): SocketRecord => ({
      seq,
      at: at + seq,
      socket: 1,
      kind: 'frame',
      direction: 'in',
      size: 100,
      topic: TOPIC,
      event: 'postgres_changes',
      ref: null,
      joinRef: '1',
      payload: {
        ids: [7],
        data: {
          schema: 'public',
          table: 'realtime_table_events',
          type: 'INSERT',
          record: { id, table_name: 'deals', event_type: 'UPDATE', record_id: 'd1' },
        },
      },
    })
    panel.page((t) => {
      t.pageRequested()
      t.connectReply('S1', [
        received(1),
        deduped(2, 1, { eventId: '1001' }),
        received(3, { eventId: '1003', replayed: true }),
      ])
    })
    const base = session(at)
    const records = [...base, delivery(base.length + 1, 1001), delivery(base.length + 2, 1002)]
    return { ...panel, records }
  }

  it('links a log event to the frame that delivered it, and the frame back to its rows', () => {
    // As in Chromium 150: scrollIntoView returns a promise (an effect must not return it).
    const scroll = vi.fn(() => Promise.resolve())
    Element.prototype.scrollIntoView = scroll as unknown as Element['scrollIntoView']
    onTestFinished(() => {
      delete (Element.prototype as Partial<Element>).scrollIntoView
    })
    const { page, transport, records } = engineWithFrame()
    fireEvent.click(
      within(screen.getByRole('listbox', { name: 'Events' })).getAllByRole('option')[0]!,
    )
    transport.take()
    fireEvent.click(screen.getByRole('button', { name: /Show the frame that delivered it/ }))
    expect(screen.getByRole('tab', { name: 'Socket' }).getAttribute('aria-selected')).toBe('true')
    expect(transport.take()).toEqual([{ type: 'watch-socket', on: true }])
    page((t) => t.socket('S1', records, { snapshot: true }))
    const frame = screen.getByRole('region', { name: 'Frame' })
    expect(frame.textContent).toContain(`#${records.length - 1} frame`)
    expect(frame.textContent).toContain('The engine logged it as #1 received, #2 deduped')

    expect(scroll).toHaveBeenCalled()
    fireEvent.click(within(frame).getByRole('button', { name: /#2/ }))
    expect(screen.getByRole('tab', { name: 'Log' }).getAttribute('aria-selected')).toBe('true')
    expect(screen.getByRole('complementary', { name: 'Details' }).textContent).toMatch(
      /^#2\s*deduped/,
    )
  })

  it('says a replayed event has no frame, and a frame the page no longer holds is not found', () => {
    const { page, records } = engineWithFrame()
    const rows = () =>
      within(screen.getByRole('listbox', { name: 'Events' })).getAllByRole('option')
    fireEvent.click(rows()[2]!)
    expect(screen.getByRole('complementary', { name: 'Details' }).textContent).toContain(
      'Read back from realtime_table_events by the replay: no socket frame delivered it.',
    )
    fireEvent.click(rows()[0]!)
    fireEvent.click(screen.getByRole('button', { name: /Show the frame that delivered it/ }))
    // The page's ring let go of event 1001's frame: only 1002's is left.
    page((t) =>
      t.socket(
        'S1',
        records.filter((r) => deliveredId(r) !== '1001'),
        { snapshot: true },
      ),
    )
    expect(
      screen.getByText(/^The delivery of event 1001 is not among the \d+ records held/),
    ).toBeTruthy()
  })
})

function deliveredId(record: SocketRecord): string | undefined {
  if (record.kind !== 'frame') return undefined
  const data = (record.payload as { data?: { record?: { id?: number } } } | undefined)?.data
  return data?.record?.id === undefined ? undefined : String(data.record.id)
}

describe('the Socket tab in an export', () => {
  it('exports a page without an engine as its socket records, and imports them back into the tab', async () => {
    const { page, scheduler, downloads, store } = pageWithoutEngine()
    const exportButton = () =>
      screen.getByRole('button', { name: 'Export JSON' }) as HTMLButtonElement
    expect(exportButton().disabled).toBe(true)
    fireEvent.click(screen.getByRole('tab', { name: 'Socket' }))
    const at = scheduler.now() - 5_000
    page((t) => t.socket('S1', session(at), { snapshot: true, dropped: 3 }))
    expect(exportButton().disabled).toBe(false)
    fireEvent.click(exportButton())
    await vi.waitFor(() => expect(downloads).toHaveLength(1))
    const { fileName, text } = downloads[0]!
    expect(fileName).toMatch(/^realtime-sync-socket-/)
    const file = JSON.parse(text)
    expect(file).toMatchObject({ version: 4, events: [], engine: { name: '' } })
    expect(file.socket).toMatchObject({ tapDropped: 3, capDropped: 0, missing: 0 })
    expect(file.socket.records).toEqual(session(at))
    // One record per line, like the events.
    expect(text.split('\n').filter((line) => line.includes('"kind":"frame"'))).toHaveLength(6)
    expect(text).not.toMatch(/eyJ[\w-]+\./)

    act(() => {
      store.importText(fileName, text)
    })
    expect(rowsOf('Socket channels')[0]).toContain('ok: Subscribed to PostgreSQL')
    expect(rowsOf('Frames')).toHaveLength(session(at).length)
  })

  it('says an imported file of an earlier version has no socket records', () => {
    const { store } = pageWithoutEngine()
    fireEvent.click(screen.getByRole('tab', { name: 'Socket' }))
    const v2 = {
      format: 'realtime-sync-devtools.log',
      version: 2,
      exportedAt: '2026-11-30T10:00:00.000Z',
      page: { url: 'http://localhost:5173/', title: 'CRM' },
      engine: { name: 'app', version: '0.3.0' },
      dropped: 0,
      events: [received(1)],
      metrics: [],
    }
    act(() => {
      store.importText('old.json', JSON.stringify(v2))
    })
    expect(screen.getByText(/^This export carries no socket records/)).toBeTruthy()
  })
})
