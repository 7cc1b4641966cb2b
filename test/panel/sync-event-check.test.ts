import fc from 'fast-check'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { checkSyncEvent, LIMITS, SyncEventSchema } from '../../bridge/protocol'
import { CHANNEL_STATUSES, SYNC_EVENT_KINDS } from '../../src/types'
import { invalidated, received } from './support/sync-events'

/** The hand-written check and the valibot schema: the same verdict and the same output. */
function expectAgreement(value: unknown): boolean {
  const fast = checkSyncEvent(value)
  const slow = v.safeParse(SyncEventSchema, value)
  if ((fast !== undefined) !== slow.success) {
    expect.fail(`${slow.success ? 'the schema' : 'the check'} alone accepts ${fc.stringify(value)}`)
  }
  if (slow.success) {
    expect(fast).toStrictEqual(slow.output)
    expect(Object.keys(fast!)).toEqual(Object.keys(slow.output))
  }
  return slow.success
}

const text = (n: number) => 'x'.repeat(n)
const channelEvent = {
  seq: 7,
  at: 1,
  kind: 'channel',
  channel: { topic: 't', status: 'SUBSCRIBED' },
}

/** Every field at its limit, and every kind of value a field may hold. */
const VALID: unknown[] = [
  received(1),
  invalidated(
    3,
    [1, 2],
    [
      ['deals', 'list'],
      ['deals', 'record', { id: 1 }],
    ],
  ),
  channelEvent,
  { seq: 1, at: 0, kind: 'write' },
  ...SYNC_EVENT_KINDS.map((kind, i) => ({ seq: i + 1, at: -5.5, kind })),
  ...(['INSERT', 'UPDATE', 'DELETE'] as const).map((op) => received(2, { op })),
  received(1, { actorId: null }),
  received(1, { at: Number.POSITIVE_INFINITY, latencyMs: Number.NEGATIVE_INFINITY }),
  received(1, { latencyMs: -0, batchId: 0, relatedSeq: 1 }),
  { ...received(1), seq: Number.MAX_SAFE_INTEGER },
  received(1, {
    orgId: text(LIMITS.shortText),
    table: text(LIMITS.shortText),
    recordId: text(LIMITS.shortText),
    eventId: text(LIMITS.shortText),
    actorId: text(LIMITS.shortText),
    commitTimestamp: text(100),
    reason: text(LIMITS.longText),
    channel: { topic: text(LIMITS.shortText), status: 'CHANNEL_ERROR' },
  }),
  invalidated(
    4,
    Array.from({ length: LIMITS.causes }, (_, i) => i + 1),
    Array.from({ length: LIMITS.keys }, () => []),
  ),
  invalidated(4, [], [Array.from({ length: LIMITS.keyParts }, (_, i) => i)]),
  // Unknown fields are dropped, nested ones too.
  { ...received(1), extra: '<b>x</b>', __proto__: { seq: 1 } },
  { ...channelEvent, channel: { topic: 't', status: 'CLOSED', extra: 1 } },
  // Optional fields present but undefined are kept (as valibot keeps them).
  { seq: 1, at: 1, kind: 'received', orgId: undefined, payload: undefined, actorId: undefined },
  // Any payload.
  received(1, { payload: null }),
  received(1, { payload: [1, 'two', { three: 3n }] }),
  received(1, { payload: 'x' }),
  // Arrays are objects to the schema: an array with the required fields is an event.
  Object.assign([], { seq: 1, at: 1, kind: 'write' }),
  // Fields inherited from the prototype count, as `in` sees them.
  Object.assign(Object.create({ seq: 3, at: 4 }), { kind: 'echo' }),
]

const INVALID: unknown[] = [
  null,
  undefined,
  42,
  'event',
  true,
  [],
  () => received(1),
  {},
  { at: 1, kind: 'received' },
  { seq: 1, kind: 'received' },
  { seq: 1, at: 1 },
  { seq: undefined, at: 1, kind: 'received' },
  received(0),
  received(-1),
  received(1.5),
  { ...received(1), seq: Number.NaN },
  { ...received(1), seq: Number.POSITIVE_INFINITY },
  { ...received(1), seq: '1' },
  received(1, { at: Number.NaN }),
  received(1, { at: '1' as never }),
  received(1, { kind: 'exploded' as never }),
  received(1, { kind: 'Received' as never }),
  received(1, { op: 'insert' as never }),
  received(1, { op: null as never }),
  received(1, { orgId: text(LIMITS.shortText + 1) }),
  received(1, { table: text(LIMITS.shortText + 1) }),
  received(1, { recordId: text(LIMITS.shortText + 1) }),
  received(1, { eventId: text(LIMITS.shortText + 1) }),
  received(1, { actorId: text(LIMITS.shortText + 1) }),
  received(1, { orgId: null as never }),
  received(1, { table: 7 as never }),
  received(1, { commitTimestamp: text(101) }),
  received(1, { latencyMs: Number.NaN }),
  received(1, { latencyMs: '12' as never }),
  received(1, { reason: text(LIMITS.longText + 1) }),
  received(1, { relatedSeq: 0 }),
  received(1, { relatedSeq: 1.5 }),
  received(1, { batchId: -1 }),
  received(1, { batchId: 0.5 }),
  received(1, { batchId: null as never }),
  invalidated(4, [0], []),
  invalidated(4, [1, 2.5], []),
  invalidated(4, '1,2' as never, []),
  invalidated(
    4,
    Array.from({ length: LIMITS.causes + 1 }, (_, i) => i + 1),
    [],
  ),
  invalidated(
    4,
    [],
    Array.from({ length: LIMITS.keys + 1 }, () => []),
  ),
  invalidated(4, [], [Array.from({ length: LIMITS.keyParts + 1 }, (_, i) => i)]),
  invalidated(4, [], 'deals' as never),
  invalidated(4, [], ['deals'] as never),
  invalidated(4, [], [null] as never),
  { ...channelEvent, channel: null },
  { ...channelEvent, channel: 'SUBSCRIBED' },
  { ...channelEvent, channel: { topic: 't' } },
  { ...channelEvent, channel: { status: 's' } },
  { ...channelEvent, channel: { topic: 't', status: 1 } },
  { ...channelEvent, channel: { topic: text(LIMITS.shortText + 1), status: 's' } },
  { ...channelEvent, channel: [] },
]

describe('checkSyncEvent agrees with SyncEventSchema', () => {
  it.each(VALID.map((value, i) => [i, value]))('accepts valid event %i', (_, value) => {
    expect(expectAgreement(value)).toBe(true)
  })

  it.each(INVALID.map((value, i) => [i, value]))('rejects invalid value %i', (_, value) => {
    expect(expectAgreement(value)).toBe(false)
  })

  it('on events of every shape fast-check generates, valid or not', () => {
    const anything = fc.anything({ maxDepth: 2, withBigInt: true, withNullPrototype: true })
    /** Mostly valid values, sometimes one just past the limits, now and then anything at all. */
    const field = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) =>
      fc.oneof(
        { arbitrary: valid, weight: 60 },
        { arbitrary: invalid, weight: 1 },
        { arbitrary: anything, weight: 1 },
      )
    const upTo = (limit: number) =>
      fc.oneof(fc.string({ maxLength: 8 }), fc.integer({ min: limit - 2, max: limit }).map(text))
    const over = (limit: number) => fc.integer({ min: limit + 1, max: limit + 2 }).map(text)
    const short = field(upTo(LIMITS.shortText), over(LIMITS.shortText))
    const seq = field(
      fc.oneof(fc.integer({ min: 1, max: 1_000 }), fc.constant(Number.MAX_SAFE_INTEGER)),
      fc.constantFrom(0, -1, 1.5, -0, Number.NaN, Number.POSITIVE_INFINITY, '1'),
    )
    const count = field(
      fc.integer({ min: 0, max: 1_000 }),
      fc.constantFrom(-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY),
    )
    const number = field(
      fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(-0, Number.NEGATIVE_INFINITY)),
      fc.constantFrom(Number.NaN, '1', null),
    )
    const event = fc.record(
      {
        seq,
        at: number,
        kind: field(fc.constantFrom(...SYNC_EVENT_KINDS), fc.constantFrom('Received', '')),
        orgId: short,
        table: short,
        op: field(fc.constantFrom('INSERT', 'UPDATE', 'DELETE'), fc.constantFrom('insert', '')),
        recordId: short,
        eventId: short,
        actorId: fc.oneof(short, fc.constant(null)),
        commitTimestamp: field(upTo(100), over(100)),
        latencyMs: number,
        reason: field(upTo(LIMITS.longText), over(LIMITS.longText)),
        relatedSeq: seq,
        batchId: count,
        causes: field(fc.array(seq, { maxLength: 4 }), fc.constantFrom('1,2', { 0: 1 })),
        matchedKeys: field(
          fc.array(fc.array(anything, { maxLength: 3 }), { maxLength: 3 }),
          fc.array(fc.oneof(fc.string(), fc.constant(null)), { minLength: 1, maxLength: 2 }),
        ),
        channel: field(
          fc.record(
            { topic: short, status: fc.constantFrom(...CHANNEL_STATUSES), other: anything },
            { requiredKeys: ['topic', 'status'] },
          ),
          fc.oneof(
            fc.record({ topic: short, status: short }, { requiredKeys: [] }),
            fc.record({ topic: short, status: fc.constantFrom('subscribed', 'OPEN', '') }),
            fc.constantFrom(null, 'SUBSCRIBED', []),
          ),
        ),
        payload: anything,
        extra: anything,
      },
      { requiredKeys: ['seq', 'at', 'kind'] },
    )
    // Now and then without one of the required fields.
    const events = fc
      .tuple(
        event,
        fc.oneof(
          { arbitrary: fc.constant(null), weight: 10 },
          { arbitrary: fc.constantFrom('seq', 'at', 'kind'), weight: 1 },
        ),
      )
      .map(([value, drop]) => {
        if (drop !== null) delete (value as Record<string, unknown>)[drop]
        return value
      })
    let accepted = 0
    let runs = 0
    fc.assert(
      fc.property(events, (value) => {
        runs++
        if (expectAgreement(value)) accepted++
      }),
      { numRuns: 3_000 },
    )
    // The generator reaches both sides of the check.
    expect(accepted).toBeGreaterThan(runs / 5)
    expect(accepted).toBeLessThan(runs * 0.9)
    fc.assert(
      fc.property(anything, (value) => void expectAgreement(value)),
      { numRuns: 500 },
    )
  })

  it('on events that are valid apart from one field', () => {
    // Mostly-valid events: every field is exercised on its own against the same base.
    const base = received(5, { relatedSeq: 2, batchId: 1, reason: 'r' })
    const keys = [...Object.keys(base), 'causes', 'matchedKeys', 'channel']
    const value = fc.oneof(
      fc.anything({ maxDepth: 1 }),
      fc.integer({ min: -2, max: 2 }),
      fc.double(),
      fc.string({ maxLength: 3 }),
      fc.constant(null),
      fc.constant(undefined),
    )
    let accepted = 0
    fc.assert(
      fc.property(fc.constantFrom(...keys), value, (key, replacement) => {
        if (expectAgreement({ ...base, [key]: replacement })) accepted++
      }),
      { numRuns: 2_000 },
    )
    expect(accepted).toBeGreaterThan(0)
  })
})
