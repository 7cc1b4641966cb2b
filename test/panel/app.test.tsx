// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { encodeEventBatch, PROTOCOL_VERSION } from '../../bridge/protocol'
import type { QuerySummary } from '../../src/query-summaries'
import { formatTime } from '../../extension/panel/store/format'
import { cleanup, renderPanel, stubLayout } from './support/panel-harness'
import {
  deduped,
  echo,
  engineState,
  events,
  invalidated,
  minute,
  received,
  T0,
  write,
} from './support/sync-events'

let restoreLayout: () => void
beforeEach(() => {
  restoreLayout = stubLayout()
})
afterEach(() => {
  cleanup()
  restoreLayout()
  vi.restoreAllMocks()
})

const log = () => screen.getByRole('listbox', { name: 'Events' })
/** The log's rendered rows (events and markers). */
const options = () => within(log()).queryAllByRole('option')
const rowTexts = () => options().map((row) => row.textContent ?? '')
const trail = () => screen.getByRole('list', { name: 'Decision trail' })

/** A page with one engine: two changes, the batch that served them, a duplicate and an echo. */
function story() {
  return [
    received(1, { recordId: 'd1' }),
    received(2, { recordId: 'd2', table: 'deals' }),
    // The engine's matching: each change its list and its own record key, never ['contacts'].
    invalidated(
      3,
      [1, 2],
      [['deals', 'list'], ['deals', 'record', 'd1'], ['deals', 'record', 'd2'], ['contacts']],
      {
        at: T0 + 203,
        causeKeys: [
          [0, 1],
          [0, 2],
        ],
      },
    ),
    deduped(4, 1, { eventId: '1001', at: T0 + 301, ageMs: 300 }),
    write(5, { at: T0 + 400, recordId: 'd9' }),
    echo(6, 5, { recordId: 'd9', at: T0 + 520, ageMs: 120, actorId: 'user-alice' }),
  ]
}

function connectedPanel() {
  const panel = renderPanel()
  panel.page((t) => {
    t.pageRequested()
    t.connectReply('S1', story())
  })
  return panel
}

describe('the log', () => {
  it('shows one row per event with time, kind, org, table, op, record, latency and verdict', () => {
    connectedPanel()
    const rows = options()
    expect(rows).toHaveLength(6)
    const first = within(rows[0]!)
    expect(first.getByText(formatTime(T0 + 1))).toBeTruthy()
    expect(first.getByText('received')).toBeTruthy()
    expect(first.getByText('org_acme')).toBeTruthy()
    expect(first.getByText('UPDATE')).toBeTruthy()
    expect(first.getByText('12 ms')).toBeTruthy()
    // The streamed received event learned its keys from the later invalidation (2 of 4 keys).
    expect(first.getByText('batch #1 → 2 keys')).toBeTruthy()
    expect(rowTexts()[2]).toContain('batch #1: 2 events → 4 keys')
    expect(rowTexts()[3]).toContain('duplicate of #1')
    expect(rowTexts()[5]).toContain("echo of this tab's write #5")
  })

  it('shows the part of a record id that tells rows apart, and the whole id on hover', () => {
    const { page } = connectedPanel()
    const id = 'dea10000-0000-4000-8000-000000000001'
    page((t) => t.events('S1', [received(7, { recordId: id })]))
    const cell = within(options().at(-1)!).getByText('dea1…000000001')
    expect(cell.getAttribute('title')).toBe(id)
  })

  it('keeps up with live events and renders 100,000 rows virtually', () => {
    const { page } = connectedPanel()
    page((t) => {
      for (let from = 7; from <= 100_006; from += 1_000) {
        t.events('S1', events(from, Math.min(from + 999, 100_006)))
      }
    })
    expect(screen.getByText('100,006 events held')).toBeTruthy()
    // It followed the newest rows (the browser then fires scroll; jsdom does not).
    expect(log().scrollTop).toBe(100_006 * 20)
    fireEvent.scroll(log())
    // Only the visible window is in the DOM.
    expect(options().length).toBeLessThan(80)
    expect(options().at(-1)!.textContent).toContain(formatTime(T0 + 100_006))
    // Scrolling up stops following; new rows do not move the view.
    log().scrollTop = 0
    fireEvent.scroll(log())
    expect(screen.getByRole('button', { name: '↓ Follow newest events' })).toBeTruthy()
    page((t) => t.events('S1', [received(100_007)]))
    expect(log().scrollTop).toBe(0)
    expect(options()[0]!.textContent).toContain(formatTime(T0 + 1))
  })

  it('following, shows the newest rows in the same commit, before any scroll event', () => {
    const { page } = connectedPanel()
    page((t) => t.events('S1', events(7, 500)))
    // No fireEvent.scroll: the rows at the new bottom are rendered with the new list.
    expect(log().scrollTop).toBe(500 * 20)
    expect(options().at(-1)!.textContent).toContain(formatTime(T0 + 500))
    // 400 px: 20 rows in view and 12 above.
    expect(options()).toHaveLength(32)
    expect(options()[0]!.textContent).toContain(formatTime(T0 + 469))
  })

  it('updates a shown row when the pass that served it arrives later', () => {
    const { page } = renderPanel()
    page((t) => {
      t.pageRequested()
      t.connectReply('S1', [received(1), received(2)])
    })
    expect(rowTexts()[0]).toContain('queued for the next batch')
    page((t) => t.events('S1', [invalidated(3, [1, 2], [['deals', 'list']])]))
    expect(rowTexts()[0]).toContain('batch #1 → 1 key')
    expect(rowTexts()[1]).toContain('batch #1 → 1 key')
  })

  it('keeps the rows being read in place when the oldest are let go', () => {
    const { page } = renderPanel({ maxEventsPerEngine: 100 })
    page((t) => {
      t.pageRequested()
      t.connectReply('S1', events(1, 100))
    })
    log().scrollTop = 50 * 20
    fireEvent.scroll(log())
    page((t) => t.events('S1', events(101, 120)))
    expect(screen.getByText(/20 oldest let go \(the panel keeps 100 per engine\)/)).toBeTruthy()
    // Row #51 was at the top; 20 rows above it were dropped: it is still at the top.
    expect(log().scrollTop).toBe(30 * 20)
    fireEvent.scroll(log())
    expect(options().some((row) => row.textContent?.startsWith(formatTime(T0 + 51)))).toBe(true)
  })

  it('shows gap and page-reload markers as distinct rows', () => {
    const { page } = connectedPanel()
    page((t) => t.events('S1', [received(10)]))
    expect(screen.getByText('gap: 3 events missing (#7–#9)')).toBeTruthy()
    expect(screen.getByText(/1 gap \(3 events missing\)/)).toBeTruthy()
    page((t) => t.hello('S2', { url: 'http://localhost:5173/next' }))
    expect(rowTexts()).toEqual(['⟳ Page reloaded / navigated to http://localhost:5173/next'])
    expect(options()[0]!.className).toContain('marker-reload')
  })

  it('filters by text, kind, table and org', () => {
    const { page } = connectedPanel()
    page((t) =>
      t.events('S1', [received(7, { table: 'contacts', recordId: 'c1', orgId: 'org_beta' })]),
    )
    fireEvent.change(screen.getByRole('searchbox', { name: 'Filter events' }), {
      target: { value: 'd9' },
    })
    expect(options().map((row) => row.querySelector('.kind-badge')?.textContent)).toEqual([
      'write',
      'echo',
    ])
    fireEvent.change(screen.getByRole('searchbox', { name: 'Filter events' }), {
      target: { value: '' },
    })
    fireEvent.click(screen.getByRole('button', { name: 'invalidated' }))
    expect(options()).toHaveLength(1)
    fireEvent.click(screen.getByRole('button', { name: 'invalidated' }))
    fireEvent.change(screen.getByRole('combobox', { name: 'Table' }), {
      target: { value: 'contacts' },
    })
    expect(options()).toHaveLength(1)
    expect(rowTexts()[0]).toContain('c1')
    fireEvent.change(screen.getByRole('combobox', { name: 'Table' }), { target: { value: '' } })
    fireEvent.change(screen.getByRole('combobox', { name: 'Organization' }), {
      target: { value: 'org_acme' },
    })
    expect(options()).toHaveLength(4)
  })

  it('lists engines by name when the page has several', () => {
    const { page } = connectedPanel()
    expect(screen.queryByRole('combobox', { name: 'Engine' })).toBeNull()
    const admin = { id: 'admin#2', name: 'admin', version: '0.1.0' }
    page((t) => {
      t.hello('S1', { engines: [{ id: 'app#1', name: 'app', version: '0.1.0' }, admin] })
      t.events('S1', [received(1, { table: 'audit' })], { engineId: 'admin#2', snapshot: true })
    })
    const select = screen.getByRole('combobox', { name: 'Engine' }) as HTMLSelectElement
    expect(within(select).getByRole('option', { name: 'admin' }).title).toBe('id admin#2')
    fireEvent.change(select, { target: { value: 'admin#2' } })
    expect(options()).toHaveLength(1)
    expect(rowTexts()[0]).toContain('audit')
  })

  it('moves the selection with the keyboard', () => {
    connectedPanel()
    const list = screen.getByRole('listbox', { name: 'Events' })
    fireEvent.keyDown(list, { key: 'ArrowDown' })
    fireEvent.keyDown(list, { key: 'ArrowDown' })
    expect(options()[1]!.getAttribute('aria-selected')).toBe('true')
    fireEvent.keyDown(list, { key: 'ArrowUp' })
    expect(options()[0]!.getAttribute('aria-selected')).toBe('true')
    expect(within(trail()).getByText('Received')).toBeTruthy()
  })
})

describe('the decision trail', () => {
  it('reads received → passed → batch → its own keys as sentences', () => {
    connectedPanel()
    fireEvent.click(within(options()[0]!).getByText('received'))
    const steps = within(trail())
    expect(
      steps.getByText(
        `Received at ${formatTime(T0 + 1)} (latency 12 ms from commit, on the database's clock).`,
      ),
    ).toBeTruthy()
    expect(steps.getByText(/Not a duplicate within the dedup window/)).toBeTruthy()
    expect(
      steps.getByText(
        `Coalesced into batch #1 with 1 other event, flushed 202 ms after it arrived (at ${formatTime(T0 + 203)}).`,
      ),
    ).toBeTruthy()
    expect(steps.getByText(/Invalidated 2 query keys/)).toBeTruthy()
    expect(steps.getByText('["deals","list"]')).toBeTruthy()
    expect(steps.getByText('["deals","record","d1"]')).toBeTruthy()
    expect(steps.queryByText('["deals","record","d2"]')).toBeNull()
  })

  it('links a duplicate to the event it duplicates', () => {
    connectedPanel()
    fireEvent.click(within(options()[3]!).getByText('deduped'))
    expect(within(trail()).getByText('Deduped: duplicate of #1, 300 ms earlier.')).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: '#1 first delivery' }))
    expect(options()[0]!.getAttribute('aria-selected')).toBe('true')
    expect(screen.getByRole('heading', { level: 2 }).textContent).toContain('#1')
  })

  it('links an echo to the write, and the write to its echoes', () => {
    connectedPanel()
    fireEvent.click(within(options()[5]!).getByText('echo'))
    expect(
      within(trail()).getByText(
        'Echo: this tab wrote deals/d9 120 ms earlier (#5), and the change comes back from the current user.',
      ),
    ).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: '#5 write' }))
    expect(within(trail()).getByText('1 echo of this write was dropped.')).toBeTruthy()
    expect(screen.getByRole('button', { name: '#6 echo, 120 ms later' })).toBeTruthy()
  })

  it('lists an invalidation pass’s causes (clickable) and all its keys', () => {
    connectedPanel()
    fireEvent.click(within(options()[2]!).getByText('invalidated'))
    expect(within(trail()).getByText(/2 events coalesced into one invalidation pass/)).toBeTruthy()
    expect(within(trail()).getByText('["contacts"]')).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: '#2 received deals/d2' }))
    expect(options()[1]!.getAttribute('aria-selected')).toBe('true')
  })

  it('says why nothing updated when no query matched', () => {
    const { page } = connectedPanel()
    page((t) =>
      t.events('S1', [
        received(7, { table: 'invoices', recordId: 'i1' }),
        // invoices/i1 matched none of the pass's keys.
        invalidated(8, [7], [['deals', 'list']], { batchId: 2, causeKeys: [[]] }),
      ]),
    )
    fireEvent.click(within(options()[6]!).getByText('received'))
    expect(
      within(trail()).getByText(
        'No cached query matched invoices/i1: nothing was refetched, so no screen changed.',
      ),
    ).toBeTruthy()
    expect(rowTexts()[6]).toContain('batch #2 → no query matched')
  })

  it('shows the payload as a collapsible tree and copies the event as JSON', async () => {
    connectedPanel()
    fireEvent.click(within(options()[0]!).getByText('received'))
    expect(screen.getAllByText('"org_acme"').length).toBeGreaterThan(0)
    const writeText = vi.fn().mockResolvedValue(undefined)
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText } })
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Copy as JSON' }))
    })
    expect(JSON.parse(writeText.mock.calls[0]![0] as string)).toMatchObject({ seq: 1 })
    expect(screen.getByRole('button', { name: 'Copied' })).toBeTruthy()
  })

  it('shows the JSON in a textarea when the clipboard is blocked', async () => {
    connectedPanel()
    fireEvent.click(within(options()[0]!).getByText('received'))
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true,
      value: { writeText: () => Promise.reject(new Error('blocked')) },
    })
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Copy as JSON' }))
    })
    const textarea = screen.getByRole('textbox', { name: 'JSON to copy' }) as HTMLTextAreaElement
    expect(JSON.parse(textarea.value)).toMatchObject({ seq: 1, kind: 'received' })
    expect(screen.getByText(/The clipboard is not available to this panel/)).toBeTruthy()
  })
})

describe('status and empty state', () => {
  it('explains how to add an engine when the page has none', () => {
    const { page } = renderPanel()
    expect(screen.getByRole('heading', { name: 'Waiting for the page…' })).toBeTruthy()
    page((t) => {
      t.pageRequested()
      t.hello('S1', { engines: [] })
    })
    expect(
      screen.getByRole('heading', { name: 'No Realtime sync engine on this page' }),
    ).toBeTruthy()
    expect(
      screen.getByText(
        /createRealtimeSync\(\{ supabase, queryClient, organizationIds, userId \}\)/,
      ),
    ).toBeTruthy()
    expect(screen.getByText(/<RealtimeSyncProvider/)).toBeTruthy()
  })

  it('says when the page disconnected until it says hello again', () => {
    const { page } = connectedPanel()
    page((t) => t.emit({ type: 'page-disconnected' }))
    expect(screen.getByText('Page disconnected — reconnecting…')).toBeTruthy()
    page((t) => t.hello('S1'))
    expect(screen.queryByText('Page disconnected — reconnecting…')).toBeNull()
    expect(screen.getByText('Connected')).toBeTruthy()
  })

  it('counts rejected events and shows why, without rendering them', () => {
    const { page } = connectedPanel()
    // A kind the wire has no layout for: the row cannot be decoded.
    page((t) =>
      t.rawEvents('S1', encodeEventBatch([{ seq: 7, at: 1, kind: 'bogus' } as never, received(7)])),
    )
    expect(
      screen.getByText(/1 rejected: event at index 0: not a well-formed row of the batch/),
    ).toBeTruthy()
    expect(options()).toHaveLength(7)
    // A received event without its organization: decoded, then refused by the check, which names
    // the field.
    const { orgId: _orgId, ...orphan } = received(8)
    page((t) => t.rawEvents('S1', encodeEventBatch([orphan as never, received(9)])))
    expect(screen.getByText(/2 rejected: event #8: orgId/)).toBeTruthy()
    // #9 is shown, #8 is not: the log marks it missing.
    expect(rowTexts().slice(7)).toEqual([
      expect.stringContaining('gap: 1 event missing (#8)'),
      expect.stringContaining(formatTime(T0 + 9)),
    ])
  })

  it('pauses and resumes from the toolbar', () => {
    const { transport } = connectedPanel()
    transport.take()
    fireEvent.click(screen.getByRole('button', { name: 'Pause recording' }))
    expect(transport.take()).toEqual([{ type: 'pause' }])
    expect(screen.getByText(/Paused: the page keeps new events/)).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Resume recording' }))
    expect(transport.take()).toEqual([{ type: 'resume', session: 'S1', since: { 'app#1': 6 } }])
  })
})

describe('the Queries tab', () => {
  const summary = (queryKey: unknown[], extra: Partial<QuerySummary> = {}): QuerySummary => ({
    queryHash: JSON.stringify(queryKey),
    queryKey,
    table: typeof queryKey[0] === 'string' ? queryKey[0] : undefined,
    reach: 'table',
    tableSeen: true,
    observers: 1,
    active: true,
    status: 'success',
    fetchStatus: 'idle',
    dataUpdatedAt: T0,
    refetches: 0,
    ...extra,
  })

  it('asks the page for the queries while open, and says how realtime reaches each', () => {
    const { page, transport } = connectedPanel()
    transport.take()
    fireEvent.click(screen.getByRole('tab', { name: 'Queries' }))
    expect(transport.take()).toEqual([{ type: 'watch-queries', engineId: 'app#1', on: true }])
    page((t) =>
      t.queries('S1', {
        total: 3,
        queries: [
          summary(['deals', 'record', 'd1'], { reach: 'record', recordId: 'd1', refetches: 1 }),
          summary(['deals', 'list'], {
            refetches: 4,
            invalidatedBySeq: 3,
            invalidatedAt: T0 + 203,
            lastRefetch: { at: T0 + 250, durationMs: 38, outcome: 'success', dataChanged: true },
          }),
          summary(['dealList', { stage: 'won' }], { reach: 'none', active: false, observers: 0 }),
        ],
      }),
    )
    const rows = within(screen.getByRole('table'))
      .getAllByRole('row')
      .slice(1) as HTMLTableRowElement[]
    // The most refetched first.
    expect(rows.map((r) => r.cells[0]!.textContent)).toEqual([
      '["deals","list"]',
      '["deals","record","d1"]',
      '["dealList",{"stage":"won"}]',
    ])
    expect(rows[0]!.textContent).toContain('every change of deals')
    expect(rows[0]!.textContent).toContain('38 ms, data changed')
    expect(rows[1]!.textContent).toContain('changes of deals/d1 only')
    expect(rows[2]!.textContent).toContain('not reached by realtime')
    expect(rows[2]!.textContent).toContain('QueryKeys.deals.list()')
    expect(screen.getByText(/1 not reached by realtime/)).toBeTruthy()
    // "Last invalidated by" leads to the event in the log.
    fireEvent.click(within(rows[0]!).getByRole('button', { name: /#3/ }))
    expect(screen.getByRole('tab', { name: 'Log' }).getAttribute('aria-selected')).toBe('true')
    expect(transport.take()).toContainEqual({ type: 'watch-queries', engineId: 'app#1', on: false })
  })

  it('refetches, invalidates, resets or removes the picked query in the page, and says how it went', () => {
    const { page, transport } = connectedPanel()
    fireEvent.click(screen.getByRole('tab', { name: 'Queries' }))
    page((t) => t.queries('S1', { total: 1, queries: [summary(['deals', 'list'])] }))
    fireEvent.click(within(screen.getByRole('table')).getAllByRole('row')[1]!)
    transport.take()
    const bar = screen.getByRole('group', { name: 'Act on this query' })
    fireEvent.click(within(bar).getByRole('button', { name: 'Refetch' }))
    expect(transport.take()).toEqual([
      { type: 'query-action', requestId: 1, action: 'refetch', key: ['deals', 'list'] },
    ])
    expect(within(bar).getByRole('status').textContent).toBe('refetch…')
    page((t) =>
      t.emit({
        type: 'query-action-result',
        session: 'S1',
        requestId: 1,
        ok: true,
        matched: 1,
        durationMs: 41.6,
        outcome: 'success',
        dataChanged: true,
      }),
    )
    expect(within(bar).getByRole('status').textContent).toBe('refetch: done in 42 ms, data changed')
    fireEvent.click(within(bar).getByRole('button', { name: 'Invalidate' }))
    expect(transport.take()).toEqual([
      { type: 'query-action', requestId: 2, action: 'invalidate', key: ['deals', 'list'] },
    ])
  })

  it('acts on a key of a trail: Act… opens its actions under it', () => {
    const { transport } = connectedPanel()
    fireEvent.click(options()[0]!)
    const keys = screen.getByRole('list', { name: 'Query keys' })
    const act = within(keys).getAllByRole('button', { name: 'Act…' })[1]!
    fireEvent.click(act)
    expect(act.getAttribute('aria-expanded')).toBe('true')
    transport.take()
    const bar = within(keys).getByRole('group', { name: 'Act on this query' })
    fireEvent.click(within(bar).getByRole('button', { name: 'Invalidate' }))
    const [sent] = transport.take() as { type: string; action: string; key: unknown[] }[]
    expect(sent).toMatchObject({ type: 'query-action', action: 'invalidate' })
    expect(within(keys).getAllByRole('listitem')[1]!.textContent).toContain(
      JSON.stringify(sent!.key),
    )
  })

  it('opens a query\'s history from the "Why?" next to a key of a trail', () => {
    const { page, transport } = connectedPanel()
    fireEvent.click(options()[0]!)
    const keys = screen.getByRole('list', { name: 'Query keys' })
    fireEvent.click(within(keys).getAllByRole('button', { name: 'Why?' })[1]!)
    expect(screen.getByRole('tab', { name: 'Queries' }).getAttribute('aria-selected')).toBe('true')
    expect(transport.take()).toContainEqual({ type: 'watch-queries', engineId: 'app#1', on: true })
    page((t) =>
      t.queries('S1', {
        total: 2,
        queries: [
          summary(['deals', 'list']),
          summary(['deals', 'record', 'd1'], { reach: 'record', recordId: 'd1' }),
        ],
      }),
    )
    const history = screen.getByRole('region', { name: /Why\?/ })
    expect(history.textContent).toContain('Why? ["deals","record","d1"]')
  })

  it('answers "why?" for one query: what each event of its table meant for it', () => {
    const { page } = connectedPanel()
    fireEvent.click(screen.getByRole('tab', { name: 'Queries' }))
    page((t) =>
      t.queries('S1', {
        total: 1,
        queries: [summary(['deals', 'record', 'd1'], { reach: 'record', recordId: 'd1' })],
      }),
    )
    fireEvent.click(screen.getByText('["deals","record","d1"]'))
    const history = screen.getByRole('region', { name: /Why\?/ })
    const items = within(history)
      .getAllByRole('listitem')
      .map((li) => li.textContent)
    expect(items).toEqual([
      expect.stringContaining('#1 UPDATE deals/d1 by user-bob: invalidated it in batch #1.'),
      expect.stringContaining('#2 UPDATE deals/d2 by user-bob: did not match (another record).'),
      expect.stringContaining('#4 UPDATE deals/d1 by user-bob: dropped as a duplicate of #1'),
    ])
  })
})

describe('metrics, channels, config', () => {
  it('warns when received and processed diverge, with what to tune', () => {
    const { page, scheduler } = connectedPanel()
    const now = scheduler.now()
    const current = now - (now % 60_000)
    page((t) =>
      t.state('S1', {
        metrics: [
          minute(current - 120_000, { received: 10, processed: 10, invalidations: 5 }),
          minute(current, { received: 100, processed: 30, deduped: 70, invalidations: 10 }),
        ],
      }),
    )
    fireEvent.click(screen.getByRole('tab', { name: 'Metrics' }))
    const alert = screen.getByRole('alert')
    expect(alert.textContent).toContain('70% of the 100 events received were filtered out')
    expect(alert.textContent).toContain('What to tune: Most were deduped')
    expect(screen.getByText(/Chart unavailable here/)).toBeTruthy()
    // The table fills the quiet minute between the two with zeros.
    const table = screen.getByRole('table')
    expect(within(table).getAllByRole('row')).toHaveLength(4)
    expect(within(table).getByText(/\(live\)/)).toBeTruthy()
  })

  it('shows the current minute as it fills, with refetches and their p50 / p95', () => {
    const { page, scheduler } = connectedPanel()
    const now = scheduler.now()
    const current = now - (now % 60_000)
    page((t) =>
      t.state('S1', {
        metrics: [
          minute(current, {
            received: 30,
            processed: 30,
            invalidations: 3,
            refetches: 20,
            unchangedRefetches: 14,
            refetchP50Ms: 38,
            refetchP95Ms: 120,
          }),
        ],
      }),
    )
    fireEvent.click(screen.getByRole('tab', { name: 'Metrics' }))
    const tiles = screen.getByRole('region', { name: 'This minute' })
    expect(tiles.textContent).toContain(`s so far`)
    expect(tiles.textContent).toContain('refetches20')
    expect(tiles.textContent).toContain('refetch p50 / p9538 ms / 120 ms')
    expect(screen.getByRole('alert').textContent).toContain(
      '70% of realtime refetches returned identical data (14 of 20)',
    )
  })

  it('lists channels with colored status and reconnects', () => {
    const { page } = connectedPanel()
    page((t) =>
      t.state('S1', {
        channels: [
          {
            orgId: 'org_acme',
            topic: 'org:org_acme',
            status: 'SUBSCRIBED',
            subscribedCount: 3,
            replication: 'ready',
            subscribedAt: T0 + 4_000,
            liveAt: T0 + 5_000,
            lastResyncAt: T0 + 5_000,
          },
          {
            orgId: 'org_slow',
            topic: 'org:org_slow',
            status: 'SUBSCRIBED',
            subscribedCount: 1,
            replication: 'waiting',
            subscribedAt: T0 + 6_000,
          },
          {
            orgId: 'org_beta',
            topic: 'org:org_beta',
            status: 'CHANNEL_ERROR',
            subscribedCount: 1,
            lastNote: { error: 'jwt expired' },
          },
          {
            orgId: 'org_wide',
            topic: 'org:org_wide',
            status: 'SUBSCRIBED',
            subscribedCount: 1,
            replication: 'ready',
            subscribedAt: T0 + 7_000,
            liveAt: T0 + 7_000,
            transport: 'broadcast',
          },
        ],
      }),
    )
    fireEvent.click(screen.getByRole('tab', { name: 'Channels' }))
    const rows = within(screen.getByRole('table')).getAllByRole('row')
    expect(rows[1]!.textContent).toBe(
      `org:org_acmepostgres_changesSUBSCRIBEDlive since ${formatTime(T0 + 5_000)}, 1.0 s after SUBSCRIBED32${formatTime(T0 + 5_000)}`,
    )
    expect(rows[2]!.textContent).toBe(
      `org:org_slowpostgres_changesSUBSCRIBEDwaiting for "Subscribed to PostgreSQL" since ${formatTime(T0 + 6_000)}10—`,
    )
    expect(within(rows[2]!).getByText(/^waiting for/).className).toContain('status-pending')
    expect(rows[3]!.textContent).toBe('org:org_betapostgres_changesCHANNEL_ERROR—10—jwt expired')
    expect(within(rows[3]!).getByText('CHANNEL_ERROR').className).toContain('status-bad')
    // A broadcast topic is live at its join: no wait after SUBSCRIBED to report.
    expect(rows[4]!.textContent).toBe(
      `org:org_widebroadcast (private)SUBSCRIBEDlive since ${formatTime(T0 + 7_000)}10—`,
    )
  })

  it("says on which clock latencies are, and how far the page's clock is off the database's", () => {
    const { page } = connectedPanel()
    const channels = [
      { orgId: 'org_acme', topic: 'org:org_acme', status: 'SUBSCRIBED', subscribedCount: 1 },
    ] as const
    page((t) => t.state('S1', { channels: [...channels] }))
    fireEvent.click(screen.getByRole('tab', { name: 'Channels' }))
    expect(screen.getByText(/^Latencies are from the commit/).textContent).toBe(
      "Latencies are from the commit, on the database's clock; this page's clock has not been compared with it yet (no change received).",
    )
    page((t) =>
      t.state('S1', {
        channels: [...channels],
        clock: { pageAheadMs: 300_012, uncertaintyMs: 4, samples: 3, corrected: true },
      }),
    )
    expect(screen.getByText(/^This page's clock is/).textContent).toBe(
      "This page's clock is 5.0 min ahead of the database's (± 4 ms); latencies are corrected.",
    )
    page((t) =>
      t.state('S1', {
        channels: [...channels],
        clock: { pageAheadMs: -12_300, samples: 1, corrected: true },
      }),
    )
    expect(screen.getByText(/^This page's clock is/).textContent).toBe(
      "This page's clock is 12.3 s behind the database's; latencies are corrected.",
    )
    page((t) =>
      t.state('S1', {
        channels: [...channels],
        clock: { pageAheadMs: 40, samples: 9, corrected: false },
      }),
    )
    expect(screen.queryByText(/^This page's clock is/)).toBeNull()
    expect(screen.getByText(/^Latencies are from the commit/).textContent).toBe(
      "Latencies are from the commit, on the database's clock: this page's clock is within 1 s of it.",
    )
  })

  it('changes a tunable live and shows the page’s error', () => {
    const { page, transport } = connectedPanel()
    transport.take()
    fireEvent.click(screen.getByRole('tab', { name: 'Config' }))
    expect(screen.getByLabelText('batchMs current value').textContent).toBe('200')
    // A value the options table allows (the panel refuses others itself, see below).
    fireEvent.change(screen.getByLabelText('batchMs'), { target: { value: '45000' } })
    fireEvent.click(within(screen.getByLabelText('batchMs').closest('form')!).getByText('Apply'))
    expect(transport.take()).toEqual([
      { type: 'set-option', requestId: 1, engineId: 'app#1', name: 'batchMs', value: 45000 },
    ])
    expect(screen.getByText('applying…')).toBeTruthy()
    page((t) =>
      t.emit({
        type: 'command-result',
        session: 'S1',
        requestId: 1,
        ok: false,
        error: 'no engine app#1 on this page',
      }),
    )
    expect(screen.getByRole('alert').textContent).toBe('no engine app#1 on this page')
    page((t) => t.state('S1', { config: { ...engineState().config, batchMs: 50 } }))
    expect(screen.getByLabelText('batchMs current value').textContent).toBe('50')
  })
})

describe('config limits', () => {
  it('refuses a value beyond the options table before sending, with the table’s sentence', () => {
    const { transport } = connectedPanel()
    transport.take()
    fireEvent.click(screen.getByRole('tab', { name: 'Config' }))
    fireEvent.change(screen.getByLabelText('batchMs'), { target: { value: '500000' } })
    fireEvent.click(within(screen.getByLabelText('batchMs').closest('form')!).getByText('Apply'))
    expect(transport.take()).toEqual([])
    expect(screen.getByRole('alert').textContent).toBe(
      'batchMs must be a whole number from 0 to 60,000 (got 500000)',
    )
  })
})

describe('version banners', () => {
  it('says when another build of the extension speaks another protocol version', () => {
    const { page } = connectedPanel()
    expect(screen.queryByRole('alert')).toBeNull()
    page((t) => t.emit({ type: 'version-mismatch', pageVersion: PROTOCOL_VERSION + 1 }))
    expect(screen.getByRole('alert').textContent).toBe(
      `This page's DevTools bridge speaks protocol version ${PROTOCOL_VERSION + 1}; this panel speaks version ${PROTOCOL_VERSION}. Two builds of the extension may be installed: keep one, then reload the page.`,
    )
  })

  it('says when the page’s engine registry is of a version the extension cannot read', () => {
    const { page } = renderPanel()
    page((t) => {
      t.pageRequested()
      t.hello('S1', { engines: [], incompatibleRegistry: { found: '<b>7</b>', expected: 1 } })
    })
    expect(screen.getByRole('alert').textContent).toBe(
      "The page's engine registry is version <b>7</b>; this extension reads version 1, so its engines are not shown. Update the extension or the realtime-sync-devtools package so they match.",
    )
    expect(document.querySelector('.compat-banner b')).toBeNull()
    // Not "add an engine": the page has some, of another version.
    expect(
      screen.queryByRole('heading', { name: 'No Realtime sync engine on this page' }),
    ).toBeNull()
    expect(
      screen.getByRole('heading', {
        name: "This page's sync engines cannot be read by this extension",
      }),
    ).toBeTruthy()
  })
})

describe('export and import', () => {
  it('exports every held event of the engine as a file', async () => {
    const { downloads } = connectedPanel()
    fireEvent.click(screen.getByRole('button', { name: 'Export JSON' }))
    // Written in steps, the panel given back between them: the file comes a few tasks later.
    await vi.waitFor(() => expect(downloads).toHaveLength(1))
    const { fileName, text } = downloads[0]!
    expect(fileName).toMatch(/^realtime-sync-app-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.json$/)
    const file = JSON.parse(text)
    expect(file).toMatchObject({ format: 'realtime-sync-devtools.log', version: 4 })
    expect(file.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4, 5, 6])
    // Each event's facts, and for people its sentence rendered from them.
    expect(file.events[3]).toMatchObject({
      kind: 'deduped',
      relatedSeq: 1,
      ageMs: 300,
      match: 'event-id',
      windowMs: 2000,
      reason: 'same event id 1001 as #1, delivered again 300 ms later (window 2000 ms)',
    })
  })

  it('imports a file read-only, and goes back to live', async () => {
    const { downloads, page } = connectedPanel()
    fireEvent.click(screen.getByRole('button', { name: 'Export JSON' }))
    await vi.waitFor(() => expect(downloads).toHaveLength(1))
    page((t) => t.events('S1', [received(7)]))
    const file = new File([downloads[0]!.text], 'bug-123.json', { type: 'application/json' })
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Import a log file'), { target: { files: [file] } })
    })
    expect(await screen.findByText('bug-123.json')).toBeTruthy()
    expect(options()).toHaveLength(6)
    expect(screen.getByRole('button', { name: 'Pause recording' })).toHaveProperty('disabled', true)
    fireEvent.click(screen.getByRole('button', { name: 'Back to live' }))
    expect(options()).toHaveLength(7)
  })

  it('refuses a bad file with a clear message and changes nothing', async () => {
    connectedPanel()
    const bad = JSON.stringify({
      format: 'realtime-sync-devtools.log',
      version: 1,
      exportedAt: 'x',
      page: { url: '', title: '' },
      engine: { name: 'app', version: '1', config: engineState().config },
      dropped: 0,
      events: [{ seq: 'one', at: 1, kind: 'received' }],
      metrics: [],
    })
    const file = new File([bad], 'broken.json')
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Import a log file'), { target: { files: [file] } })
    })
    expect((await screen.findByRole('alert')).textContent).toContain(
      'Import of broken.json failed: events[0].seq: Invalid type: Expected number but received "one"',
    )
    expect(options()).toHaveLength(6)
    expect(screen.queryByText(/Imported:/)).toBeNull()
  })
})
