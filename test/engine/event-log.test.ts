import { describe, expect, it } from 'vitest'
import { EventLog } from '../../src/event-log'

const at = 0

/** The smallest event there is: what the log does with it does not depend on its kind. */
const event = () => ({ at, kind: 'write', table: 'deals', recordId: 'd1' }) as const

describe('EventLog', () => {
  it('numbers events with strictly increasing seq, oldest first', () => {
    const log = new EventLog(10)
    for (let i = 0; i < 3; i++) log.append(event())
    expect(log.read().map((e) => e.seq)).toEqual([1, 2, 3])
    expect(log.read(1).map((e) => e.seq)).toEqual([2, 3])
  })

  it('keeps the newest `capacity` events and counts every overwritten one as dropped', () => {
    const log = new EventLog(3)
    for (let i = 0; i < 8; i++) log.append(event())
    expect(log.read().map((e) => e.seq)).toEqual([6, 7, 8])
    expect(log.dropped).toBe(5)
    expect(log.snapshot()).toMatchObject({ dropped: 5, lastSeq: 8 })
  })

  it('resizes keeping the newest events; what no longer fits counts as dropped', () => {
    const log = new EventLog(5)
    for (let i = 0; i < 5; i++) log.append(event())
    log.resize(2)
    expect(log.read().map((e) => e.seq)).toEqual([4, 5])
    expect(log.dropped).toBe(3)
    log.append(event())
    expect(log.read().map((e) => e.seq)).toEqual([5, 6])
    log.resize(4)
    log.append(event())
    expect(log.read().map((e) => e.seq)).toEqual([5, 6, 7])
  })

  it('clear() empties the ring but never reuses a seq', () => {
    const log = new EventLog(5)
    log.append(event())
    log.clear()
    expect(log.read()).toEqual([])
    expect(log.append(event()).seq).toBe(2)
  })

  it('calls listeners only while subscribed', () => {
    const log = new EventLog(5)
    const seen: number[] = []
    const unsubscribe = log.subscribe((e) => seen.push(e.seq))
    log.append(event())
    unsubscribe()
    log.append(event())
    expect(seen).toEqual([1])
  })

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new EventLog(0)).toThrow(RangeError)
    expect(() => new EventLog(1.5)).toThrow(/bufferSize/)
  })
})
