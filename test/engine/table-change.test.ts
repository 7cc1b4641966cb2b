import { describe, expect, it } from 'vitest'
import { type PayloadDefect, parseTableChange } from '../../src/table-change'
import type { ValueType } from '../../src/types'
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

  const bad: [string, unknown, PayloadDefect][] = [
    ['a non-object payload', 'hello', invalid('payload', 'string')],
    ['null', null, invalid('payload', 'null')],
    ['a payload without new', { eventType: 'INSERT' }, invalid('new', 'undefined')],
    [
      'a missing table_name',
      changePayload({ table_name: undefined }),
      invalid('table_name', 'undefined'),
    ],
    ['a numeric table_name', changePayload({ table_name: 5 }), invalid('table_name', 'number')],
    ['an empty table_name', changePayload({ table_name: '' }), invalid('table_name', 'string')],
    [
      'a huge table_name',
      changePayload({ table_name: 'x'.repeat(100_000) }),
      invalid('table_name', 'string'),
    ],
    [
      'an unknown event type',
      changePayload({ event_type: 'TRUNCATE' }),
      invalid('event_type', 'string'),
    ],
    [
      'a missing record_id',
      changePayload({ record_id: undefined }),
      invalid('record_id', 'undefined'),
    ],
    [
      'an object record_id',
      changePayload({ record_id: { id: 1 } }),
      invalid('record_id', 'object'),
    ],
    ['a NaN record_id', changePayload({ record_id: Number.NaN }), invalid('record_id', 'number')],
    [
      'a wrong-typed organization_id',
      changePayload({ organization_id: 7 }),
      invalid('organization_id', 'number'),
    ],
    [
      'another organization',
      changePayload({ organization_id: 'org_globex' }),
      { problem: 'wrong-organization', field: 'organization_id', found: 'string' },
    ],
    ['an array id', changePayload({ id: [1] as unknown as number }), invalid('id', 'array')],
    ['a numeric actor_id', changePayload({ actor_id: 3 }), invalid('actor_id', 'number')],
  ]
  it.each(bad)('reports %s as malformed with its facts', (_name, payload, defect) => {
    expect(parseTableChange(payload, 'org_acme')).toEqual({ ok: false, ...defect })
  })

  it('says the type found, never the value', () => {
    const parsed = parseTableChange(changePayload({ table_name: 'secret'.repeat(30) }), 'org_acme')
    expect(parsed).toMatchObject({ ok: false, field: 'table_name', found: 'string' })
    expect(JSON.stringify(parsed)).not.toContain('secret')
  })
})

function invalid(field: string, found: ValueType): PayloadDefect {
  return { problem: 'invalid-value', field, found }
}
