import type { Query } from '@tanstack/query-core'
import { describe, expect, it } from 'vitest'
import { RecentPasses } from '../../src/recent-passes'

const query = (name: string) => ({ queryHash: name }) as unknown as Query

describe('RecentPasses (which pass last invalidated a query)', () => {
  it('tells the newest pass of each query', () => {
    const passes = new RecentPasses()
    const [a, b] = [query('a'), query('b')]
    passes.add({ seq: 1, at: 10 }, [a, b])
    passes.add({ seq: 5, at: 20 }, [b])
    expect(passes.lastPassOf()).toEqual(
      new Map([
        [b, { seq: 5, at: 20 }],
        [a, { seq: 1, at: 10 }],
      ]),
    )
  })

  it('stays bounded: by the queries referenced, by the passes kept, and keeps no empty pass', () => {
    const [a, old] = [query('a'), query('old')]
    const byRefs = new RecentPasses(3, 100)
    byRefs.add({ seq: 1, at: 1 }, [old])
    for (let seq = 2; seq <= 10; seq++) byRefs.add({ seq, at: seq }, [a, a])
    // Two passes of two references would be 4 > 3: only the newest is kept.
    expect(byRefs.lastPassOf()).toEqual(new Map([[a, { seq: 10, at: 10 }]]))
    const byPasses = new RecentPasses(1_000, 2)
    byPasses.add({ seq: 1, at: 1 }, [old])
    for (let seq = 2; seq <= 10; seq++) byPasses.add({ seq, at: seq }, [a])
    for (let seq = 11; seq <= 1_000; seq++) byPasses.add({ seq, at: seq }, [])
    expect(byPasses.lastPassOf()).toEqual(new Map([[a, { seq: 10, at: 10 }]]))
  })
})
