import { replaceEqualDeep } from '@tanstack/query-core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  diffData,
  MAX_CHANGED_PATHS,
  MAX_LISTED_ROWS,
  MAX_PREVIEW_CHARS,
} from '../../src/data-diff'

/** What a refetch changed, as TanStack Query hands the data over (structural sharing on). */
const refetch = <T>(before: T, fetched: T): T => replaceEqualDeep(before, fetched)

const deal = (n: number, title = `Deal ${n}`) => ({
  id: `dea1-${String(n).padStart(4, '0')}`,
  title,
  stage: 'lead',
  value: n * 100,
})

describe('diffData: what a refetch changed', () => {
  it("says a record's changed field, before and after", () => {
    const before = deal(1, 'Big deal')
    const after = refetch(before, { ...before, title: 'Bigger deal' })
    expect(diffData(before, after)).toEqual({
      paths: [{ path: 'title', before: '"Big deal"', after: '"Bigger deal"' }],
    })
  })

  it('compares a list of rows by id: one row changed, one added, one removed', () => {
    const before = [deal(1), deal(2), deal(3)]
    const after = refetch(before, [deal(1), { ...deal(2), stage: 'won' }, deal(7)])
    expect(diffData(before, after)).toEqual({
      paths: [{ path: '[id=dea1-0002].stage', before: '"lead"', after: '"won"' }],
      added: ['dea1-0007'],
      removed: ['dea1-0003'],
    })
  })

  it('says the rows only moved when they did', () => {
    const before = [deal(1), deal(2)]
    expect(diffData(before, refetch(before, [deal(2), deal(1)]))).toEqual({
      paths: [],
      reordered: true,
    })
  })

  it('is nothing for an identical refetch: structural sharing keeps the reference', () => {
    const before = [deal(1), deal(2)]
    const after = refetch(before, [deal(1), deal(2)])
    expect(after).toBe(before)
    expect(diffData(before, after)).toBeUndefined()
    // Equal by value without sharing (structuralSharing: false): nothing a user would see.
    expect(diffData(before, [deal(1), deal(2)])).toBeUndefined()
  })

  it('lists 20 paths and 20 rows at most, and counts the rest', () => {
    const before = Array.from({ length: 60 }, (_, i) => deal(i))
    const after = refetch(before, [
      ...before.slice(0, 30).map((row) => ({ ...row, stage: 'won' })),
      ...Array.from({ length: 30 }, (_, i) => deal(100 + i)),
    ])
    const changes = diffData(before, after)!
    expect(changes.paths).toHaveLength(MAX_CHANGED_PATHS)
    expect(changes.morePaths).toBe(10)
    expect(changes.added).toHaveLength(MAX_LISTED_ROWS)
    expect(changes.removed).toHaveLength(MAX_LISTED_ROWS)
    expect(changes.moreRows).toBe(20)
  })

  it('redacts secrets and cuts long values in its previews', () => {
    const jwt = `eyJhbGciOiJIUzI1NiJ9.${'a'.repeat(40)}.${'b'.repeat(20)}`
    const before = { note: 'x', access_token: 'old', profile: { bio: 'short' } }
    const after = { note: `token ${jwt}`, access_token: 'new', profile: { bio: 'y'.repeat(5_000) } }
    const changes = diffData(before, after)!
    const text = JSON.stringify(changes)
    expect(text).not.toContain(jwt)
    expect(text).not.toContain('"new"')
    expect(changes.paths.find((p) => p.path === 'access_token')).toEqual({
      path: 'access_token',
      before: '[redacted]',
      after: '[redacted]',
    })
    expect(changes.paths.find((p) => p.path === 'profile.bio')!.after!.length).toBeLessThanOrEqual(
      MAX_PREVIEW_CHARS,
    )
  })

  it('never throws and never exceeds its bounds, on any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const changes = diffData(a, b)
        if (changes === undefined) return
        expect(changes.paths.length).toBeLessThanOrEqual(MAX_CHANGED_PATHS)
        expect(changes.added?.length ?? 0).toBeLessThanOrEqual(MAX_LISTED_ROWS)
        expect(changes.removed?.length ?? 0).toBeLessThanOrEqual(MAX_LISTED_ROWS)
        for (const path of changes.paths) {
          expect(path.before?.length ?? 0).toBeLessThanOrEqual(MAX_PREVIEW_CHARS)
          expect(path.after?.length ?? 0).toBeLessThanOrEqual(MAX_PREVIEW_CHARS)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('survives values that are not JSON: cycles, getters that throw, BigInt', () => {
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic.self = cyclic
    const hostile = {
      get boom() {
        throw new Error('no')
      },
    }
    expect(() => diffData({ a: cyclic }, { a: { ...cyclic, a: 2 } })).not.toThrow()
    expect(diffData({ x: 1 }, hostile)?.truncated).toBe(true)
    expect(diffData({ n: 1n }, { n: 2n })).toEqual({
      paths: [{ path: 'n', before: '"1n"', after: '"2n"' }],
    })
  })
})
