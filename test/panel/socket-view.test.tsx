// @vitest-environment jsdom
import { fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { SocketRecord } from '../../bridge/socket/socket-records'
import { formatTime } from '../../extension/panel/store/format'
import { cleanup, renderPanel } from './support/panel-harness'

afterEach(() => cleanup())

const TOPIC = 'realtime:org:acme'

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
  const frame = (direction: 'in' | 'out', rest: Partial<SocketRecord>): SocketRecord => ({
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
      url: 'wss://x.supabase.co/realtime/v1/websocket?apikey=[redacted]&vsn=2.0.0',
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
    transport.take()
    fireEvent.click(screen.getByRole('tab', { name: 'Socket' }))
    expect(transport.take()).toEqual([{ type: 'watch-socket', on: true }])
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

    fireEvent.click(screen.getByRole('tab', { name: 'Log' }))
    expect(transport.take()).toEqual([{ type: 'watch-socket', on: false }])
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
