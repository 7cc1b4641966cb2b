import { describe, expect, it } from 'vitest'
import { parseTableChange } from '../../src/table-change'
import { changePayload } from '../support/events'

describe('parseTableChange', () => {
  it('reads a realtime_table_events row from a supabase-js payload', () => {
    const parsed = parseTableChange(changePayload({ id: 41, record_id: 'd9' }), 'org_acme')
    expect(parsed).toEqual({
      ok: true,
      change: expect.objectContaining({
        orgId: 'org_acme',
        table: 'deals',
        op: 'UPDATE',
        recordId: 'd9',
        eventId: 41,
        actorId: 'user-bob',
        commitTimestamp: '2026-11-23T12:00:00.000Z',
      }),
    })
  })

  it('accepts numeric record ids and a null actor', () => {
    const parsed = parseTableChange(changePayload({ record_id: 12, actor_id: null }), 'org_acme')
    expect(parsed).toMatchObject({ ok: true, change: { recordId: '12', actorId: null } })
  })

  it("accepts the '' record id the trigger writes for a table without a key", () => {
    expect(parseTableChange(changePayload({ record_id: '' }), 'org_acme')).toMatchObject({
      ok: true,
      change: { recordId: '' },
    })
  })

  it('tells an absent actor_id column (undefined) from a null actor', () => {
    const payload = changePayload()
    delete (payload.new as Record<string, unknown>).actor_id
    expect(parseTableChange(payload, 'org_acme')).toMatchObject({ change: { actorId: undefined } })
  })

  const bad: [string, unknown, RegExp][] = [
    ['a non-object payload', 'hello', /payload is a string/],
    ['null', null, /payload is null/],
    ['a payload without new', { eventType: 'INSERT' }, /payload.new is undefined/],
    ['a missing table_name', changePayload({ table_name: undefined }), /table_name is undefined/],
    ['a numeric table_name', changePayload({ table_name: 5 }), /table_name is number 5/],
    ['an empty table_name', changePayload({ table_name: '' }), /table_name/],
    ['a huge table_name', changePayload({ table_name: 'x'.repeat(100_000) }), /100000 chars/],
    ['an unknown event type', changePayload({ event_type: 'TRUNCATE' }), /event_type/],
    ['a missing record_id', changePayload({ record_id: undefined }), /record_id/],
    ['an object record_id', changePayload({ record_id: { id: 1 } }), /record_id is an object/],
    ['a NaN record_id', changePayload({ record_id: Number.NaN }), /record_id/],
    ['a wrong-typed organization_id', changePayload({ organization_id: 7 }), /organization_id/],
    [
      'another organization',
      changePayload({ organization_id: 'org_globex' }),
      /channel of org_acme/,
    ],
    ['an array id', changePayload({ id: [1] as unknown as number }), /id is an array/],
    ['a numeric actor_id', changePayload({ actor_id: 3 }), /actor_id/],
  ]
  it.each(bad)('reports %s as malformed with a reason', (_name, payload, reason) => {
    const parsed = parseTableChange(payload, 'org_acme')
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.reason).toMatch(reason)
  })
})
