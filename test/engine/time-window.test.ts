import { describe, expect, it } from 'vitest'
import { TimeWindow } from '../../src/time-window'

/** What the window holds for key at `now`: [seq, at], or undefined when not fresh. */
function held<K>(window: TimeWindow<K>, key: K, now: number): [number, number] | undefined {
  const slot = window.find(key, now)
  return slot === -1 ? undefined : [window.seqAt(slot), window.timeAt(slot)]
}

describe('TimeWindow', () => {
  it('finds a key for windowMs after it was recorded, then not', () => {
    const window = new TimeWindow<string>(1_000)
    expect(window.findOrRecord('a', 1, 5_000)).toBe(-1)
    expect(held(window, 'a', 5_999)).toEqual([1, 5_000])
    expect(held(window, 'a', 6_000)).toBeUndefined()
  })

  it('answers a fresh key with its first record and records an expired one again', () => {
    const window = new TimeWindow<number>(1_000)
    window.findOrRecord(7, 1, 0)
    const slot = window.findOrRecord(7, 2, 999)
    expect([window.seqAt(slot), window.timeAt(slot)]).toEqual([1, 0])
    expect(window.findOrRecord(7, 3, 1_000)).toBe(-1)
    expect(held(window, 7, 1_500)).toEqual([3, 1_000])
  })

  it('keeps a key recorded again when its older entry is pruned', () => {
    const window = new TimeWindow<string>(1_000)
    window.set('w', 1, 0)
    window.set('w', 2, 900) // fresh: replaced
    window.findOrRecord('other', 3, 1_200) // prunes the entry of seq 1
    expect(held(window, 'w', 1_200)).toEqual([2, 900])
    window.findOrRecord('x', 4, 2_000) // w expired at 1,900: recorded again below
    window.findOrRecord('w', 5, 2_100)
    window.findOrRecord('y', 6, 2_950) // prunes w's entry of seq 2, not the one of seq 5
    expect(held(window, 'w', 2_950)).toEqual([5, 2_100])
  })

  it('holds one window of keys, whatever the rate, and gives the room back after a burst', () => {
    const window = new TimeWindow<number>(2_000)
    let now = 0
    for (let id = 0; id < 50_000; id++) {
      now += 10 // 100 a second: 200 in the window
      window.findOrRecord(id, id, now)
    }
    expect(window.size).toBe(200)
    for (let id = 0; id < 50_000; id++) window.findOrRecord(1e6 + id, id, now) // one instant
    expect(window.size).toBe(50_200)
    // Every entry of the burst kept its numbers through the ring's growth.
    expect(held(window, 1e6, now)).toEqual([0, now])
    expect(held(window, 1e6 + 49_999, now)).toEqual([49_999, now])
    window.findOrRecord(-1, -1, now + 2_000)
    expect(window.size).toBe(1)
    expect(held(window, -1, now + 2_000)).toEqual([-1, now + 2_000])
  })

  it('starts over in an emptied window without losing what comes next', () => {
    const window = new TimeWindow<string>(1_000)
    for (let i = 0; i < 300; i++) window.findOrRecord(`k${i}`, i, i)
    window.findOrRecord('late', 300, 5_000) // everything else expired: the window held one key
    expect(window.size).toBe(1)
    window.findOrRecord('later', 301, 6_000) // and now only this one
    for (let i = 0; i < 300; i++) window.findOrRecord(`n${i}`, 400 + i, 6_000 + i)
    expect(window.size).toBe(301)
    expect(held(window, 'later', 6_500)).toEqual([301, 6_000])
    expect(held(window, 'n299', 6_500)).toEqual([699, 6_299])
    expect(held(window, 'late', 6_500)).toBeUndefined()
  })

  it('forgets everything on clear', () => {
    const window = new TimeWindow<string>(1_000)
    window.set('a', 1, 0)
    window.clear()
    expect(window.size).toBe(0)
    expect(held(window, 'a', 1)).toBeUndefined()
    window.set('b', 2, 10)
    expect(held(window, 'b', 10)).toEqual([2, 10])
  })
})
