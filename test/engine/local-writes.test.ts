import { describe, expect, it } from 'vitest'
import { LocalWrites } from '../../src/local-writes'
import { describeEcho, describeReceived } from '../../src/describe-event'
import type { WriteEvent } from '../../src/types'
import { tableChange } from '../support/events'

const t0 = 1_000_000
const me = 'user-alice'
/** The log entry of markLocalWrite('deals', 'd1'). */
const write: WriteEvent = { seq: 5, at: t0, kind: 'write', table: 'deals', recordId: 'd1' }
/** A logged change of deals/d1 with these facts. */
const change = (actorId: string | null | undefined) => ({
  seq: 6,
  at: t0 + 120,
  orgId: 'org_acme',
  table: 'deals',
  op: 'UPDATE' as const,
  recordId: 'd1',
  actorId,
  payload: {},
})

describe('LocalWrites (echo prevention)', () => {
  it('calls an event an echo when this tab wrote the row and the actor is the current user', () => {
    const writes = new LocalWrites(3_000)
    writes.mark(write, 'deals', 'd1')
    const verdict = writes.check(tableChange({ actorId: me }), me, t0 + 120)
    expect(verdict).toEqual({ echo: { relatedSeq: 5, ageMs: 120, match: 'same-actor' } })
    if (verdict === undefined || !('echo' in verdict)) throw new Error('not an echo')
    expect(describeEcho({ ...change(me), kind: 'echo', ...verdict.echo })).toBe(
      'this tab wrote deals/d1 120 ms earlier (#5) and the actor is the current user',
    )
  })

  it("never drops a teammate's change to a row this tab just wrote, and says why", () => {
    const writes = new LocalWrites(3_000)
    writes.mark(write, 'deals', 'd1')
    const verdict = writes.check(tableChange({ actorId: 'user-bob' }), me, t0 + 120)
    expect(verdict).toEqual({ note: { relatedSeq: 5, ageMs: 120, match: 'other-actor' } })
    if (verdict === undefined || !('note' in verdict)) throw new Error('no note')
    expect(describeReceived({ ...change('user-bob'), kind: 'received', ...verdict.note })).toBe(
      'received UPDATE deals/d1: queued for the next invalidation batch; not an echo: this tab wrote deals/d1 120 ms earlier (#5), but the actor is user-bob, not the current user',
    )
  })

  it('treats a change with no signed-in actor (a backend job) as not an echo', () => {
    const writes = new LocalWrites(3_000)
    writes.mark(write, 'deals', 'd1')
    expect(writes.check(tableChange({ actorId: null }), me, t0 + 1)).toEqual({
      note: { relatedSeq: 5, ageMs: 1, match: 'other-actor' },
    })
  })

  it("falls back to the seed's row rule when the schema has no actor_id column", () => {
    const writes = new LocalWrites(3_000)
    writes.mark(write, 'deals', 'd1')
    const verdict = writes.check(tableChange({ actorId: undefined }), me, t0 + 1)
    expect(verdict).toEqual({ echo: { relatedSeq: 5, ageMs: 1, match: 'no-actor-column' } })
    if (verdict === undefined || !('echo' in verdict)) throw new Error('not an echo')
    expect(describeEcho({ ...change(undefined), kind: 'echo', ...verdict.echo })).toMatch(
      /no actor_id column, so the row rule applies/,
    )
  })

  it('expires at the end of the window', () => {
    const writes = new LocalWrites(3_000)
    writes.mark(write, 'deals', 'd1')
    expect(writes.check(tableChange({ actorId: me }), me, t0 + 2_999)).toHaveProperty('echo')
    expect(writes.check(tableChange({ actorId: me }), me, t0 + 3_000)).toBeUndefined()
  })

  it('matches the table and the record exactly', () => {
    const writes = new LocalWrites(3_000)
    writes.mark(write, 'deals', 'd1')
    expect(writes.check(tableChange({ recordId: 'd2', actorId: me }), me, t0)).toBeUndefined()
    expect(writes.check(tableChange({ table: 'contacts', actorId: me }), me, t0)).toBeUndefined()
  })
})
