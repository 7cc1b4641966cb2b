import { describe, expect, it } from 'vitest'
import { compileFilter, searchText } from '../../extension/panel/store/filters'
import { PanelStore } from '../../extension/panel/store/panel-store'
import type { EventRow } from '../../extension/panel/store/rows'
import type { SyncEvent, SyncEventKind } from '../../src/types'
import { ManualScheduler } from '../support/manual-scheduler'
import { FakeTransport } from './support/fake-transport'
import { received } from './support/sync-events'

const KINDS: SyncEventKind[] = ['received', 'deduped', 'echo', 'invalidated']
const TABLES = ['deals', 'contacts', 'tasks', 'notes']
const ORGS = ['org_acme', 'org_beta', 'org_gamma']

/** Event i has kind i%4, table i%4 (shifted), org i%3, and record `r<i>`. */
function bigLog(n: number): SyncEvent[] {
  const out: SyncEvent[] = []
  for (let i = 1; i <= n; i++) {
    out.push(
      received(i, {
        kind: KINDS[i % 4],
        table: TABLES[(i + 1) % 4],
        orgId: ORGS[i % 3],
        recordId: `r${i}`,
        reason: i % 1000 === 0 ? `Needle deal ${i}` : `deal ${i}`,
      }),
    )
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
    store.setFilters({ kinds: [], table: 'deals', org: 'org_beta' })
    // deals: (i+1)%4=0 → i%4=3; org_beta: i%3=1 → i ≡ 7 (mod 12).
    expect(store.getSnapshot().rows.length).toBe(events.filter((e) => e.seq % 12 === 7).length)
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
  it('is built once, lowercase, from the fields (and a malformed payload)', () => {
    const row: EventRow = {
      type: 'event',
      id: 1,
      session: 'S1',
      engineId: 'app#1',
      event: received(41, { reason: 'Same Event ID Big Deal' }),
    }
    const text = searchText(row)
    expect(text).toContain('#41 received org_acme deals update d1')
    expect(text).toContain('same event id')
    const malformed: EventRow = {
      type: 'event',
      id: 2,
      session: 'S1',
      engineId: 'app#1',
      event: { seq: 2, at: 0, kind: 'malformed', payload: { Table_Name: 42 } },
    }
    expect(searchText(malformed)).toContain('"table_name":42')
    expect(searchText(row)).toBe(text)
    expect(compileFilter({ text: '  ', kinds: [] })).toBeUndefined()
    expect(compileFilter({ text: 'big deal', kinds: [] })?.(row)).toBe(true)
    expect(compileFilter({ text: 'big contact', kinds: [] })?.(row)).toBe(false)
  })
})
