import { describe, expect, it } from 'vitest'
import { DedupWindow } from '../../src/dedup-window'
import { describeDuplicate } from '../../src/describe-event'
import type { DedupedEvent } from '../../src/types'
import { tableChange } from '../support/events'

/** The log entry the engine records for a change: only seq and at matter to the window. */
const entry = (seq: number, at: number) => ({ seq, at })

const t0 = 1_000_000

describe('DedupWindow (identity rule, the default)', () => {
  it('drops the same event id inside the window, up to its last millisecond', () => {
    const dedup = new DedupWindow(2_000)
    const change = tableChange({ eventId: 7 })
    expect(dedup.check(change, entry(1, t0))).toBeUndefined()
    expect(dedup.check(change, entry(2, t0 + 1_999))).toEqual({
      relatedSeq: 1,
      ageMs: 1_999,
      match: 'event-id',
      windowMs: 2_000,
    })
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
    expect(again).toEqual({ relatedSeq: 1, ageMs: 5, match: 'same-change', windowMs: 2_000 })
    const later = { ...base, commitTimestamp: '2026-11-23T12:00:00.001Z' }
    expect(dedup.check(tableChange(later), entry(3, t0 + 6))).toBeUndefined()
    expect(dedup.check(tableChange({ ...base, op: 'DELETE' }), entry(4, t0 + 7))).toBeUndefined()
  })

  it('explains which rule fired', () => {
    const dedup = new DedupWindow(2_000)
    dedup.check(tableChange({ eventId: 9 }), entry(3, t0))
    const change = tableChange({ eventId: 9 })
    const duplicate = dedup.check(change, entry(4, t0 + 40))
    expect(duplicate).toEqual({ relatedSeq: 3, ageMs: 40, match: 'event-id', windowMs: 2_000 })
    expect(describeDuplicate(dedupedEvent(change, duplicate!))).toBe(
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
    expect(second).toEqual({ relatedSeq: 1, ageMs: 500, match: 'same-row', windowMs: 2_000 })
    expect(describeDuplicate(dedupedEvent(tableChange({ eventId: 2 }), second!))).toMatch(
      /row rule \(dedupBy: 'row'\): deals\/d1 already changed 500 ms earlier \(#1\)/,
    )
    expect(dedup.check(tableChange({ eventId: 3 }), entry(3, t0 + 2_000))).toBeUndefined()
  })
})

/** The deduped entry the pipeline would log for `change` with these facts. */
function dedupedEvent(
  change: ReturnType<typeof tableChange>,
  facts: NonNullable<ReturnType<DedupWindow['check']>>,
): DedupedEvent {
  return {
    seq: 9,
    at: t0,
    kind: 'deduped',
    orgId: change.orgId,
    table: change.table,
    op: change.op,
    recordId: change.recordId,
    eventId: change.eventId === undefined ? undefined : String(change.eventId),
    payload: change.row,
    ...facts,
  }
}
