import { describe, expect, it } from 'vitest'
import { RingBuffer } from '../../src/ring-buffer'

describe('RingBuffer', () => {
  it('keeps the newest `capacity` items, oldest first, and says when one is overwritten', () => {
    const ring = new RingBuffer<number>(3)
    expect([1, 2, 3].map((n) => ring.push(n))).toEqual([false, false, false])
    expect(ring.read()).toEqual([1, 2, 3])
    expect([4, 5].map((n) => ring.push(n))).toEqual([true, true])
    expect(ring.size).toBe(3)
    expect(ring.read()).toEqual([3, 4, 5])
    expect([ring.at(0), ring.at(2)]).toEqual([3, 5])
  })

  it('reads from the `from`th oldest on', () => {
    const ring = new RingBuffer<string>(4)
    for (const item of ['a', 'b', 'c', 'd', 'e', 'f']) ring.push(item)
    expect(ring.read(0)).toEqual(['c', 'd', 'e', 'f'])
    expect(ring.read(2)).toEqual(['e', 'f'])
    expect(ring.read(-3)).toEqual(['c', 'd', 'e', 'f'])
    expect(ring.read(4)).toEqual([])
  })

  it('clear() empties it, and it fills again from empty', () => {
    const ring = new RingBuffer<number>(2)
    for (const n of [1, 2, 3]) ring.push(n)
    ring.clear()
    expect(ring.size).toBe(0)
    expect(ring.read()).toEqual([])
    expect(ring.push(4)).toBe(false)
    expect(ring.read()).toEqual([4])
  })

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError)
    expect(() => new RingBuffer(2.5)).toThrow(RangeError)
  })
})
