import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BATCH_FORMAT,
  decodeEventBatch,
  encodeEventBatch,
  parseEventBatch,
} from '../../bridge/protocol'
import { CHANGE_OPERATIONS, SYNC_EVENT_KINDS, type SyncEvent } from '../../src/types'

/** What protocol 1 delivered for the same events: their JSON, parsed. */
const asJson = (events: readonly SyncEvent[]) => JSON.parse(JSON.stringify(events)) as unknown[]
const decode = (wire: string) => {
  const decoded = decodeEventBatch(JSON.parse(wire))
  if (!decoded.ok) throw new Error(decoded.error)
  return decoded.events
}

/** A received event as the engine logs it: the row's leading columns repeat its fields. */
function received(seq: number, row: Record<string, unknown> = {}): SyncEvent {
  return {
    seq,
    at: 1_764_000_000_000 + seq,
    kind: 'received',
    orgId: 'org_acme',
    table: 'deals',
    op: 'UPDATE',
    recordId: 'dea10000-0000-4000-8000-000000000001',
    eventId: String(seq + 100),
    actorId: 'user-bob',
    commitTimestamp: '2026-12-01T20:00:00.123Z',
    latencyMs: 3,
    payload: {
      id: seq + 100,
      organization_id: 'org_acme',
      table_name: 'deals',
      event_type: 'UPDATE',
      record_id: 'dea10000-0000-4000-8000-000000000001',
      actor_id: 'user-bob',
      created_at: '2026-12-01T20:00:00.120456+00:00',
      ...row,
    },
  }
}

describe('the batch form of events', () => {
  it('decodes to exactly what the events were, payload key order included', () => {
    const events: SyncEvent[] = [
      received(1),
      received(2, { actor_id: null }),
      {
        ...received(3),
        actorId: null,
        payload: { ...(received(3).payload as object), actor_id: null },
      },
      received(4, { id: '104' }), // a string id: not elided, kept as sent
      { ...received(5), payload: { note: 'no columns of ours', id: 105 } },
      { ...received(6), payload: [1, 2, 3] },
      { ...received(7), payload: 'a preview' },
      {
        seq: 8,
        at: 1,
        kind: 'invalidated',
        batchId: 3,
        causes: [1, 2],
        leading: true,
        matchedKeys: [
          ['deals', 'list', { status: 'open' }],
          ['deals', 'record', 'd1'],
        ],
      },
      {
        seq: 9,
        at: 2,
        kind: 'resync',
        orgId: 'org_acme',
        reason: 'r',
        channel: { topic: 'realtime:org', status: 'SUBSCRIBED' },
      },
    ]
    const decoded = decode(encodeEventBatch(events))
    expect(JSON.stringify(decoded)).toBe(JSON.stringify(asJson(events)))
  })

  it('sends a realistic received event in under 40% of its JSON', () => {
    const event = received(1_234)
    const wire = encodeEventBatch([event, event]).length - encodeEventBatch([event]).length
    expect(wire / JSON.stringify(event).length).toBeLessThan(0.4)
  })

  it('leaves out only the leading columns that repeat the event, and keeps the rest in place', () => {
    const row = JSON.parse(encodeEventBatch([received(1, { actor_id: 'someone-else' })]))[1]
    // Seven leading columns, id … record_id repeating the event (left out), then actor_id and
    // created_at as sent.
    expect(row.at(-1)).toEqual([
      7 | (0b11111 << 3),
      'someone-else',
      '2026-12-01T20:00:00.120456+00:00',
    ])
  })

  it('keeps a `__proto__` column as data, never as a prototype', () => {
    const payload = JSON.parse('{"id":101,"organization_id":"org_acme","__proto__":{"polluted":1}}')
    const [event] = decode(encodeEventBatch([{ ...received(1), payload }]))
    const decoded = event!.payload as Record<string, unknown>
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
    expect(Object.keys(decoded)).toEqual(['id', 'organization_id', '__proto__'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('keeps what JSON would: a number where a kind belongs, huge times, undefined columns', () => {
    const odd = [
      { seq: 1, at: -(2 ** 53 - 2), kind: 3 },
      { seq: 2, at: 2 ** 53 - 1, kind: ['received'], op: 1 },
      { ...received(3), payload: { id: undefined, organization_id: 'org_acme', x: 1 } },
    ] as unknown as SyncEvent[]
    expect(JSON.stringify(decode(encodeEventBatch(odd)))).toBe(JSON.stringify(asJson(odd)))
    // Still rejected by the panel, as a JSON batch's numeric kind was.
    expect(parseEventBatch(encodeEventBatch(odd)).events.map((e) => e.seq)).toEqual([3])
  })

  it('costs an unserializable payload its payload, not the batch', () => {
    const wire = encodeEventBatch([{ ...received(1), payload: { n: 1n } }, received(2)])
    const parsed = parseEventBatch(wire)
    expect(parsed.rejected).toBe(0)
    expect(parsed.events.map((e) => e.payload)).toEqual([
      '[payload not serializable]',
      received(2).payload,
    ])
  })

  it('round-trips any JSON-valued event in the schema’s field order, as JSON would', () => {
    const json = fc.jsonValue({ maxDepth: 2 })
    const text = fc.string({ maxLength: 6 })
    const column = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, json)
    const event = fc.record(
      {
        seq: fc.integer({ min: 1, max: 1_000 }),
        at: fc.integer(),
        kind: fc.constantFrom(...SYNC_EVENT_KINDS),
        orgId: fc.constantFrom('org_acme', 'o'),
        table: text,
        op: fc.constantFrom(...CHANGE_OPERATIONS),
        recordId: text,
        eventId: fc.constantFrom('1', '2', '10'),
        actorId: fc.oneof(fc.constant(null), fc.constantFrom('u1', 'u2')),
        commitTimestamp: text,
        latencyMs: fc.integer(),
        reason: text,
        relatedSeq: fc.nat(),
        batchId: fc.nat(),
        causes: fc.array(fc.nat(), { maxLength: 3 }),
        leading: fc.boolean(),
        matchedKeys: fc.array(fc.array(json, { maxLength: 3 }), { maxLength: 2 }),
        channel: fc.record({ topic: text, status: fc.constant('SUBSCRIBED' as const) }),
        payload: fc.oneof(
          json,
          // Rows whose leading columns repeat the event's fields, or nearly.
          fc.record(
            {
              id: column(fc.constantFrom(1, 2, 10)),
              organization_id: column(fc.constantFrom('org_acme', 'o')),
              table_name: column(text),
              event_type: column(fc.constantFrom(...CHANGE_OPERATIONS)),
              record_id: column(text),
              actor_id: column(fc.constantFrom(null, 'u1')),
              created_at: column(text),
              extra: json,
            },
            { requiredKeys: [] },
          ),
        ),
      },
      { requiredKeys: ['seq', 'at', 'kind'] },
    )
    fc.assert(
      fc.property(fc.array(event, { maxLength: 4 }), (events) => {
        const decoded = decode(encodeEventBatch(events as SyncEvent[]))
        expect(JSON.stringify(decoded)).toBe(JSON.stringify(asJson(events as SyncEvent[])))
      }),
      { numRuns: 2_000 },
    )
  })

  it('never throws on arbitrary input, and rejects what is not a batch of ours', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const decoded = decodeEventBatch(value)
        if (!Array.isArray(value) || value[0] !== BATCH_FORMAT) expect(decoded.ok).toBe(false)
      }),
      { numRuns: 2_000 },
    )
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 3 })), (rows) => {
        const decoded = decodeEventBatch([BATCH_FORMAT, ...rows])
        expect(decoded.ok && decoded.events.length).toBe(rows.length)
      }),
      { numRuns: 2_000 },
    )
  })
})
