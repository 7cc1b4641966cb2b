import { describe, expect, it } from 'vitest'
import { compileFilter, searchText } from '../../extension/panel/store/filters'
import { PanelStore } from '../../extension/panel/store/panel-store'
import type { EventRow } from '../../extension/panel/store/rows'
import type { SyncEvent, SyncEventKind } from '../../src/types'
import { ManualScheduler } from '../support/manual-scheduler'
import { FakeTransport } from './support/fake-transport'
import {
  channel,
  deduped,
  echo,
  invalidated,
  malformed,
  received,
  refetched,
  resync,
} from './support/sync-events'

const KINDS: SyncEventKind[] = ['received', 'deduped', 'echo', 'invalidated']
const TABLES = ['deals', 'contacts', 'tasks', 'notes']
const ORGS = ['org_acme', 'org_beta', 'org_gamma']

/**
 * Event i has kind i%4, table i%4 (shifted), org i%3 (a pass has none), and record `r<i>`; every
 * thousandth is a change by a "Needle" actor.
 */
function bigLog(n: number): SyncEvent[] {
  const out: SyncEvent[] = []
  for (let i = 1; i <= n; i++) {
    const table = TABLES[(i + 1) % 4]!
    const change = {
      table,
      orgId: ORGS[i % 3]!,
      recordId: `r${i}`,
      actorId: i % 1000 === 0 ? `Needle-${i}` : `user-${i}`,
    }
    switch (KINDS[i % 4]) {
      case 'received':
        out.push(received(i, change))
        break
      case 'deduped':
        out.push(deduped(i, Math.max(1, i - 1), change))
        break
      case 'echo':
        out.push(echo(i, Math.max(1, i - 1), change))
        break
      default:
        out.push(invalidated(i, [], [[table]], { trigger: 'manual', table }))
    }
  }
  return out
}

function storeWith(events: SyncEvent[]) {
  const transport = new FakeTransport()
  const scheduler = new ManualScheduler()
  const store = new PanelStore({ transport, scheduler })
  transport.pageRequested()
  transport.hello('S1')
  for (let i = 0; i < events.length; i += 1_000) {
    transport.events('S1', events.slice(i, i + 1_000), { snapshot: i === 0 })
  }
  scheduler.advance(16)
  return { store, transport, scheduler }
}

describe('filters over 100,000 events', () => {
  const events = bigLog(100_000)
  const { store } = storeWith(events)

  it('filters by kind, table, org and text in one call each', () => {
    expect(store.getSnapshot().rows.length).toBe(100_000)
    store.setFilters({ kinds: ['echo'] })
    expect(store.getSnapshot().rows.length).toBe(25_000)
    store.setFilters({ kinds: ['echo', 'deduped'], table: 'deals' })
    // kind echo: i%4=2 → table (i+1)%4=3 'notes'; deduped: i%4=1 → 'tasks': none is deals.
    expect(store.getSnapshot().rows.length).toBe(0)
    store.setFilters({ kinds: [], table: 'notes', org: 'org_beta' })
    // notes: (i+1)%4=3 → i%4=2 (echo); org_beta: i%3=1 → i ≡ 10 (mod 12).
    expect(store.getSnapshot().rows.length).toBe(events.filter((e) => e.seq % 12 === 10).length)
    expect(store.getSnapshot().rows.length).toBe(8_333)
    // deals: i%4=3, the manual passes: a pass is of no organization.
    store.setFilters({ kinds: [], table: 'deals', org: undefined })
    expect(store.getSnapshot().rows.length).toBe(25_000)
    store.setFilters({ kinds: [], table: 'deals', org: 'org_beta' })
    expect(store.getSnapshot().rows.length).toBe(0)
    store.clearFilters()
    store.setFilterText('NEEDLE')
    const rows = store.getSnapshot().rows
    expect(rows.length).toBe(100)
    expect(rows.at(0)).toMatchObject({ event: { seq: 1000 } })
    // Every word must appear: r5000 and r50000 are both needles.
    store.setFilterText('needle r5000')
    const both = store.getSnapshot().rows
    expect([both.at(0), both.at(1)].map((row) => row?.type === 'event' && row.event.seq)).toEqual([
      5000, 50000,
    ])
  })

  it('keeps a filtered view up to date as events stream in', () => {
    const { store, transport, scheduler } = storeWith(bigLog(10))
    store.setFilters({ table: 'notes' })
    const before = store.getSnapshot().rows.length
    transport.events('S1', [received(11, { table: 'notes' }), received(12, { table: 'deals' })])
    scheduler.advance(16)
    expect(store.getSnapshot().rows.length).toBe(before + 1)
    expect(store.getSnapshot().rows.at(before)).toMatchObject({ event: { seq: 11 } })
  })

  it('always shows markers (they explain what is missing)', () => {
    const { store, transport, scheduler } = storeWith(bigLog(3))
    transport.events('S1', [received(9, { table: 'tasks' })])
    scheduler.advance(16)
    store.setFilters({ table: 'nothing-matches' })
    const rows = store.getSnapshot().rows
    expect(rows.length).toBe(1)
    expect(rows.at(0)).toMatchObject({ type: 'marker', marker: 'gap' })
  })

  it('lists the tables and orgs found in the held events', () => {
    expect(store.getSnapshot().tables).toEqual(['contacts', 'deals', 'notes', 'tasks'])
    expect(store.getSnapshot().orgs).toEqual(ORGS)
  })
})

describe('searchText', () => {
  const rowOf = (event: SyncEvent, id = event.seq): EventRow => ({
    type: 'event',
    id,
    session: 'S1',
    engineId: 'app#1',
    event,
  })

  it('is built once, lowercase, from the facts of text (and a malformed payload)', () => {
    const row = rowOf(deduped(41, 40, { actorId: 'User-Big-Deal', match: 'same-change' }))
    const text = searchText(row)
    expect(text).toBe('#41 deduped org_acme deals update d1 1041 user-big-deal same-change')
    const bad = rowOf(malformed(2, { payload: { Table_Name: 42 } }))
    expect(searchText(bad)).toContain('invalid-value table_name')
    expect(searchText(bad)).toContain('"table_name":42')
    expect(searchText(row)).toBe(text)
    expect(compileFilter({ text: '  ', kinds: [] })).toBeUndefined()
    expect(compileFilter({ text: 'big deal', kinds: [] })?.(row)).toBe(true)
    expect(compileFilter({ text: 'big contact', kinds: [] })?.(row)).toBe(false)
    // The rule that decided is a word of the search.
    expect(compileFilter({ text: 'same-change', kinds: [] })?.(row)).toBe(true)
    expect(compileFilter({ text: 'event-id', kinds: [] })?.(row)).toBe(false)
  })

  it('finds the codes that say why: a trigger, a fallback, a note and its error, the batch', () => {
    const pass = rowOf(invalidated(3, [1], [['deals']], { batchId: 12, trigger: 'write' }))
    expect(searchText(pass)).toBe('#3 invalidated write batch #12')
    const full = rowOf(resync(4, { fallback: 'past-retention' }))
    expect(searchText(full)).toBe('#4 resync org_acme past-retention org:org_acme subscribed')
    const closed = rowOf(
      channel(5, 'CLOSED', { note: 'closed-by-server', error: 'Token has expired', delayMs: 1 }),
    )
    const filter = compileFilter({ text: 'closed-by-server expired', kinds: [] })!
    expect(filter(closed)).toBe(true)
    expect(filter(full)).toBe(false)
    const refetch = rowOf(refetched(6, ['deals'], { batchId: 12, outcome: 'error', error: 'Boom' }))
    const batch = compileFilter({ text: 'batch #12', kinds: [] })!
    expect([pass, refetch, full].map(batch)).toEqual([true, true, false])
    expect(compileFilter({ text: 'boom', kinds: [] })?.(refetch)).toBe(true)
  })
})
