import { describe, expect, it } from 'vitest'
import { DedupWindow } from '../../src/dedup-window'
import type { SyncEvent } from '../../src/types'
import { tableChange } from '../support/events'

/** The log entry the engine records for a change: only seq and at matter to the window. */
const entry = (seq: number, at: number) => ({ seq, at, kind: 'received' }) as SyncEvent

const t0 = 1_000_000

describe('DedupWindow (identity rule, the default)', () => {
  it('drops the same event id inside the window, up to its last millisecond', () => {
    const dedup = new DedupWindow(2_000)
    const change = tableChange({ eventId: 7 })
    expect(dedup.check(change, entry(1, t0))).toBeUndefined()
    expect(dedup.check(change, entry(2, t0 + 1_999))).toMatchObject({ seq: 1, ageMs: 1_999 })
  })

  it('admits the same event id again once the window has passed', () => {
    const dedup = new DedupWindow(2_000)
    const change = tableChange({ eventId: 7 })
    dedup.check(change, entry(1, t0))
    expect(dedup.check(change, entry(2, t0 + 2_000))).toBeUndefined()
  })

  it('never drops a different change to the same row', () => {
    const dedup = new DedupWindow(2_000)
    expect(dedup.check(tableChange({ eventId: 1, recordId: 'd1' }), entry(1, t0))).toBeUndefined()
    expect(
      dedup.check(tableChange({ eventId: 2, recordId: 'd1' }), entry(2, t0 + 10)),
    ).toBeUndefined()
  })

  it('without an event id, identifies a change by table, record, commit time and operation', () => {
    const dedup = new DedupWindow(2_000)
    const base = { eventId: undefined, commitTimestamp: '2026-11-23T12:00:00.000Z' }
    expect(dedup.check(tableChange(base), entry(1, t0))).toBeUndefined()
    const again = dedup.check(tableChange(base), entry(2, t0 + 5))
    expect(again?.reason).toMatch(/no event id/)
    const later = { ...base, commitTimestamp: '2026-11-23T12:00:00.001Z' }
    expect(dedup.check(tableChange(later), entry(3, t0 + 6))).toBeUndefined()
    expect(dedup.check(tableChange({ ...base, op: 'DELETE' }), entry(4, t0 + 7))).toBeUndefined()
  })

  it('explains which rule fired', () => {
    const dedup = new DedupWindow(2_000)
    dedup.check(tableChange({ eventId: 9 }), entry(3, t0))
    expect(dedup.check(tableChange({ eventId: 9 }), entry(4, t0 + 40))?.reason).toBe(
      'same event id 9 as #3, delivered again 40 ms later (window 2000 ms)',
    )
  })

  it('forgets old identities: a long session does not grow the map', () => {
    const dedup = new DedupWindow(2_000)
    let now = t0
    for (let i = 0; i < 50_000; i++) {
      dedup.check(tableChange({ eventId: i }), entry(i, now))
      now += 10 // 100 events/s for 500 s
    }
    // Pruned at least once per window: at most two windows of events (2 × 200) are held.
    expect(dedup.size).toBeLessThanOrEqual(400)
    expect(dedup.size).toBeGreaterThanOrEqual(200)
  })
})

describe("DedupWindow (dedupBy: 'row', the seed's rule)", () => {
  it('drops any second change to the row within the window and says the row rule fired', () => {
    const dedup = new DedupWindow(2_000, 'row')
    dedup.check(tableChange({ eventId: 1 }), entry(1, t0))
    const second = dedup.check(tableChange({ eventId: 2 }), entry(2, t0 + 500))
    expect(second?.reason).toMatch(/row rule \(dedupBy: 'row'\)/)
    expect(dedup.check(tableChange({ eventId: 3 }), entry(3, t0 + 2_000))).toBeUndefined()
  })
})
