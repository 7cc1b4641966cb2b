import { describe, expect, it } from 'vitest'
import { RowDeque } from '../../extension/panel/store/row-deque'

/** The backing array's length: what the deque keeps alive, dropped rows included. */
const backing = (deque: RowDeque<{ id: number }>) =>
  (deque as unknown as { items: unknown[] }).items.length

describe('RowDeque', () => {
  it('at a cap, never keeps much more than the live rows (dropped rows are let go)', () => {
    const deque = new RowDeque<{ id: number }>()
    const cap = 20_000
    let worst = 0
    for (let id = 1; id <= 200_000; id++) {
      deque.push({ id })
      // Batches of 1,000, trimmed to the cap after each, as EngineLog does.
      if (id % 1_000 === 0 && deque.length > cap) deque.dropFront(deque.length - cap)
      worst = Math.max(worst, backing(deque) / cap)
    }
    expect(deque.length).toBe(cap)
    expect(deque.first()?.id).toBe(180_001)
    // Live rows, a batch, and at most an eighth dropped: not the 2× of compacting at half.
    expect(worst).toBeLessThan(1.25)
  })

  it('views stay valid across drops, compaction and clear', () => {
    const deque = new RowDeque<{ id: number }>()
    for (let id = 1; id <= 5_000; id++) deque.push({ id })
    const before = deque.view()
    deque.dropFront(4_000) // compacts
    for (let id = 5_001; id <= 6_000; id++) deque.push({ id })
    const after = deque.view()
    deque.clear()
    expect(before.length).toBe(5_000)
    expect(before.at(0)?.id).toBe(1)
    expect(before.at(4_999)?.id).toBe(5_000)
    expect(before.indexOfId(2_500)).toBe(2_499)
    expect(after.length).toBe(2_000)
    expect(after.at(0)?.id).toBe(4_001)
    expect(after.indexOfId(6_000)).toBe(1_999)
    expect(deque.view().length).toBe(0)
  })
})
