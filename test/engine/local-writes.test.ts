import { describe, expect, it } from 'vitest'
import { LocalWrites } from '../../src/local-writes'
import type { SyncEvent } from '../../src/types'
import { tableChange } from '../support/events'

const t0 = 1_000_000
const me = 'user-alice'

describe('LocalWrites (echo prevention)', () => {
  it('calls an event an echo when this tab wrote the row and the actor is the current user', () => {
    const writes = new LocalWrites(3_000)
    writes.mark({ seq: 5, at: t0, kind: 'write' } as SyncEvent, 'deals', 'd1')
    const verdict = writes.check(tableChange({ actorId: me }), me, t0 + 120)
    expect(verdict).toMatchObject({ echo: { writeSeq: 5, ageMs: 120 } })
  })

  it("never drops a teammate's change to a row this tab just wrote, and says why", () => {
    const writes = new LocalWrites(3_000)
    writes.mark({ seq: 5, at: t0, kind: 'write' } as SyncEvent, 'deals', 'd1')
    const verdict = writes.check(tableChange({ actorId: 'user-bob' }), me, t0 + 120)
    expect(verdict).toEqual({
      note: 'not an echo: this tab wrote deals/d1 120 ms earlier (#5), but the actor is user-bob, not the current user',
    })
  })

  it('treats a change with no signed-in actor (a backend job) as not an echo', () => {
    const writes = new LocalWrites(3_000)
    writes.mark({ seq: 5, at: t0, kind: 'write' } as SyncEvent, 'deals', 'd1')
    expect(writes.check(tableChange({ actorId: null }), me, t0 + 1)).toHaveProperty('note')
  })

  it("falls back to the seed's row rule when the schema has no actor_id column", () => {
    const writes = new LocalWrites(3_000)
    writes.mark({ seq: 5, at: t0, kind: 'write' } as SyncEvent, 'deals', 'd1')
    const verdict = writes.check(tableChange({ actorId: undefined }), me, t0 + 1)
    expect(verdict).toMatchObject({ echo: { reason: expect.stringMatching(/row rule/) } })
  })

  it('expires at the end of the window', () => {
    const writes = new LocalWrites(3_000)
    writes.mark({ seq: 5, at: t0, kind: 'write' } as SyncEvent, 'deals', 'd1')
    expect(writes.check(tableChange({ actorId: me }), me, t0 + 2_999)).toHaveProperty('echo')
    expect(writes.check(tableChange({ actorId: me }), me, t0 + 3_000)).toBeUndefined()
  })

  it('matches the table and the record exactly', () => {
    const writes = new LocalWrites(3_000)
    writes.mark({ seq: 5, at: t0, kind: 'write' } as SyncEvent, 'deals', 'd1')
    expect(writes.check(tableChange({ recordId: 'd2', actorId: me }), me, t0)).toBeUndefined()
    expect(writes.check(tableChange({ table: 'contacts', actorId: me }), me, t0)).toBeUndefined()
  })
})
