import { describe, expect, it } from 'vitest'
import { SerialQueue } from '../../server/realtime/serial-queue'

interface Deferred {
  promise: Promise<void>
  resolve: () => void
}

function deferred(): Deferred {
  let resolve!: () => void
  const promise = new Promise<void>((done) => {
    resolve = done
  })
  return { promise, resolve }
}

/** Lets `turns` rounds of already-settled promise callbacks run: no timers, no sleeps. */
async function microtasks(turns = 30): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve()
}

/** A queue whose every item is held until the test releases it. */
function heldQueue(maxBatch?: number) {
  const batches: string[][] = []
  const held = new Map<string, Deferred>()
  const queue = new SerialQueue<string>({
    process: (batch) => {
      batches.push(batch)
      const gate = deferred()
      for (const item of batch) held.set(item, gate)
      return gate.promise
    },
    onError: (error) => {
      throw error
    },
    maxBatch,
  })
  const release = (item: string) => {
    const gate = held.get(item)
    if (gate === undefined) throw new Error(`${item} was never handed to process`)
    gate.resolve()
  }
  return { queue, batches, release }
}

function track(promise: Promise<void>): { settled: boolean } {
  const state = { settled: false }
  void promise.then(() => {
    state.settled = true
  })
  return state
}

describe('SerialQueue', () => {
  it('hands items over in order, one batch at a time, at most maxBatch each', async () => {
    const { queue, batches, release } = heldQueue(2)
    // The first push starts the drain at once, with what is queued then: `a` alone.
    for (const item of ['a', 'b', 'c', 'd', 'e']) queue.push(item)
    expect(batches).toEqual([['a']])
    expect(queue.size).toBe(4)
    release('a')
    await microtasks()
    expect(batches).toEqual([['a'], ['b', 'c']])
    expect(queue.size).toBe(2)
    release('b')
    await microtasks()
    release('d')
    await queue.idle()
    expect(batches).toEqual([['a'], ['b', 'c'], ['d', 'e']])
    expect(queue.size).toBe(0)
  })

  it('processes an item pushed from inside the last item’s handler, and idle() waits for it', async () => {
    const seen: string[] = []
    const late = deferred()
    const queue: SerialQueue<string> = new SerialQueue<string>({
      process: async ([item]) => {
        seen.push(item!)
        if (item === 'last') {
          await Promise.resolve()
          queue.push('late')
        }
        if (item === 'late') await late.promise
      },
      onError: (error) => {
        throw error
      },
    })
    queue.push('last')
    const idle = track(queue.idle())
    await microtasks()
    expect(seen).toEqual(['last', 'late'])
    expect(idle.settled).toBe(false)
    late.resolve()
    await queue.idle()
    expect(idle.settled).toBe(true)
    expect(queue.size).toBe(0)
  })

  it('processes an item pushed as the drain settles (idle() of the drain resolving)', async () => {
    const { queue, batches, release } = heldQueue()
    queue.push('a')
    const pushedLate = queue.idle().then(() => queue.push('b'))
    release('a')
    await pushedLate
    expect(batches).toEqual([['a'], ['b']])
    const idle = track(queue.idle())
    await microtasks()
    expect(idle.settled).toBe(false)
    release('b')
    await queue.idle()
    expect(idle.settled).toBe(true)
  })

  // The drain's last moment, whichever microtask it falls on: the last batch settles, and an
  // item arrives 0, 1, 2, … turns later. Each must be processed, and idle() must wait for it.
  for (let turns = 0; turns <= 12; turns++) {
    it(`processes an item pushed ${turns} microtask turns after the last batch settles`, async () => {
      const { queue, batches, release } = heldQueue()
      queue.push('a')
      release('a')
      for (let turn = 0; turn < turns; turn++) await Promise.resolve()
      queue.push('b')
      const idle = track(queue.idle())
      await microtasks()
      expect(batches).toEqual([['a'], ['b']])
      expect(idle.settled).toBe(false)
      release('b')
      await queue.idle()
      expect(idle.settled).toBe(true)
      expect(queue.size).toBe(0)
    })
  }

  it('runs a drain of batches that return no promise to its end inside push', async () => {
    const seen: string[] = []
    const queue: SerialQueue<string> = new SerialQueue<string>({
      process: ([item]) => {
        seen.push(item!)
        if (item === 'a') queue.push('b')
      },
      onError: (error) => {
        throw error
      },
    })
    queue.push('a')
    expect(seen).toEqual(['a', 'b'])
    queue.push('c')
    expect(seen).toEqual(['a', 'b', 'c'])
    await queue.idle()
  })

  it('reports a failed batch and goes on with the next', async () => {
    const errors: unknown[] = []
    const seen: string[] = []
    const queue = new SerialQueue<string>({
      process: ([item]) => {
        seen.push(item!)
        if (item === 'sync') throw new Error('sync')
        if (item === 'async') return Promise.reject(new Error('async'))
      },
      onError: (error) => {
        errors.push(error)
        throw new Error('a reporter that throws does not stop the queue')
      },
    })
    queue.push('sync')
    queue.push('async')
    queue.push('after')
    await queue.idle()
    expect(seen).toEqual(['sync', 'async', 'after'])
    expect(errors.map((error) => (error as Error).message)).toEqual(['sync', 'async'])
  })

  it('rejects a maxBatch below 1', () => {
    expect(() => new SerialQueue({ process: () => {}, onError: () => {}, maxBatch: 0 })).toThrow(
      RangeError,
    )
  })
})
