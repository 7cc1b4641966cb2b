/**
 * What recording "what a refetch changed" costs (src/data-diff.ts, the engine's `diffs` option,
 * computed only while a DevTools panel is connected with the default): a 1,000-row list refetched
 * with one row changed, and an identical refetch. The baseline is the work TanStack Query already
 * does for the same refetch in the same process: replaceEqualDeep, its structural sharing, which
 * keeps the 999 unchanged rows by reference and so lets the diff skip them.
 */
import { replaceEqualDeep } from '@tanstack/query-core'
import { diffData } from '../src/data-diff'
import { fmt, interleave, report, time, type Verdict } from './measure'
import { sized } from './smoke'

const ROWS = 1_000
const ROUNDS = sized(41, 3)
const CALLS = sized(200, 5)

interface Deal {
  id: string
  title: string
  stage: string
  value: number
  owner: { id: string; name: string }
  updated_at: string
}

function deals(version: number, changedIndex: number): Deal[] {
  return Array.from({ length: ROWS }, (_, i) => ({
    id: `dea1${String(i).padStart(8, '0')}`,
    title: i === changedIndex && version > 0 ? `Deal ${i}, renamed` : `Deal ${i}`,
    stage: 'lead',
    value: i * 100,
    owner: { id: `u${i % 7}`, name: `User ${i % 7}` },
    updated_at: new Date(
      Date.UTC(2026, 11, 7, 12, 0, i === changedIndex ? version : 0),
    ).toISOString(),
  }))
}

export function runDataDiffBench(): Verdict[] {
  const before = deals(0, 500)
  // What the query holds after the refetch: the new rows, shared with the old where equal.
  const changed = replaceEqualDeep(before, deals(1, 500))
  const identical = replaceEqualDeep(before, deals(0, 500))
  if (identical !== before) throw new Error('structural sharing should keep an identical list')
  const found = diffData(before, changed)
  if (found?.paths.length !== 2)
    throw new Error(`expected 2 changed paths, got ${JSON.stringify(found)}`)

  let sink = 0
  const perCall = (fn: () => unknown) => () =>
    time(() => {
      for (let i = 0; i < CALLS; i++) if (fn() !== undefined) sink++
    }) / CALLS
  const ms = interleave(ROUNDS, {
    sharing: perCall(() => replaceEqualDeep(before, deals(1, 500))),
    fetched: perCall(() => deals(1, 500)),
    diff: perCall(() => diffData(before, changed)),
    identical: perCall(() => diffData(before, identical)),
  })
  if (sink < 0) console.log(sink)
  // replaceEqualDeep's own share: the timed call builds the fetched rows too, as a fetch does.
  const sharingMs = Math.max(ms.sharing - ms.fetched, 1e-6)
  const verdicts: Verdict[] = [
    {
      id: 'data-diff-one-row',
      name: `what a refetch changed: a ${fmt(ROWS)}-row list, one row changed (diffData)`,
      figure: `${fmt(ms.diff * 1_000, 1)} µs a refetch, ${fmt(ms.diff / sharingMs, 2)}× TanStack's own structural sharing of it (${fmt(sharingMs * 1_000, 1)} µs)`,
      value: ms.diff / sharingMs,
      target: '≤ 1× the structural sharing TanStack Query already does for the refetch',
      ok: ms.diff <= sharingMs,
    },
    {
      id: 'data-diff-identical',
      name: 'what a refetch changed: an identical refetch (structural sharing kept the reference)',
      figure: `${fmt(ms.identical * 1e6, 0)} ns a refetch`,
      value: ms.identical * 1e6,
      target: '≤ 1 µs (nothing to compare)',
      ok: ms.identical * 1e6 <= 1_000,
    },
  ]
  report("What a refetch changed (the engine's diffs)", verdicts)
  return verdicts
}
