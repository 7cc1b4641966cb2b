import fc from 'fast-check'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { checkSyncEvent, LIMITS, SyncEventSchema } from '../../bridge/protocol'
import { PICKLISTS } from '../../bridge/protocol/field-rules'
import {
  EVENT_FIELDS,
  EVENT_LAYOUTS,
  type EventFieldName,
  type FieldRule,
  type KindLayout,
} from '../../src/event-fields'
import {
  CHANNEL_STATUSES,
  SYNC_EVENT_KINDS,
  type SyncEvent,
  type SyncEventKind,
} from '../../src/types'
import {
  channel,
  deduped,
  echo,
  invalidated,
  malformed,
  received,
  refetched,
  resync,
  write,
} from './support/sync-events'

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
const layoutOf = (kind: SyncEventKind) => EVENT_LAYOUTS[kind] as KindLayout

/** Each kind with only the fields it always has (the field table's `required`). */
const MINIMAL: { readonly [K in SyncEventKind]: Extract<SyncEvent, { kind: K }> } = {
  received: {
    seq: 1,
    at: -5.5,
    kind: 'received',
    orgId: 'o',
    table: 't',
    op: 'INSERT',
    recordId: '',
    payload: null,
  },
  deduped: {
    seq: 2,
    at: 0,
    kind: 'deduped',
    orgId: 'o',
    table: 't',
    op: 'UPDATE',
    recordId: 'r',
    relatedSeq: 1,
    ageMs: 0,
    match: 'same-change',
    windowMs: 0,
    payload: {},
  },
  echo: {
    seq: 3,
    at: 0,
    kind: 'echo',
    orgId: 'o',
    table: 't',
    op: 'DELETE',
    recordId: 'r',
    relatedSeq: 1,
    ageMs: 0.5,
    match: 'no-actor-column',
    payload: 'x',
  },
  invalidated: {
    seq: 4,
    at: 0,
    kind: 'invalidated',
    batchId: 0,
    trigger: 'manual',
    causes: [],
    causeKeys: [],
    matchedKeys: [],
    markedStale: 0,
  },
  resync: {
    seq: 5,
    at: 0,
    kind: 'resync',
    orgId: 'o',
    channel: { topic: 't', status: 'SUBSCRIBED' },
    gapMs: 0,
  },
  malformed: { seq: 6, at: 0, kind: 'malformed', input: 'broadcast', problem: 'engine-error' },
  channel: {
    seq: 7,
    at: 1,
    kind: 'channel',
    orgId: 'o',
    channel: { topic: 't', status: 'JOINING' },
  },
  write: { seq: 8, at: 0, kind: 'write', table: 't', recordId: 'r' },
  refetched: {
    seq: 9,
    at: 0,
    kind: 'refetched',
    batchId: 1,
    queryKey: [],
    durationMs: 0,
    outcome: 'cancelled',
    observers: 0,
  },
  unconfirmed: {
    seq: 10,
    at: 0,
    kind: 'unconfirmed',
    table: 'deals',
    recordId: 'd1',
    relatedSeq: 1,
    ageMs: 5_000,
    cause: 'no-event-row',
  },
}

/** A realistic event of every kind, with the facts the engine logs. */
const REALISTIC: readonly SyncEvent[] = [
  received(1),
  received(2, { replayed: true, latencyMs: undefined }),
  received(3, { relatedSeq: 1, ageMs: 40, match: 'other-actor' }),
  deduped(4, 1),
  deduped(5, 1, { match: 'same-row', ageMs: 1_200 }),
  write(6),
  echo(7, 6, { actorId: 'user-alice' }),
  invalidated(
    8,
    [1, 2],
    [
      ['deals', 'list'],
      ['deals', 'record', { id: 1 }],
    ],
    { causeKeys: [[0, 1], [0]], markedStale: 1, leading: true, batchMs: 200 },
  ),
  invalidated(9, [], [['deals', 'record', 'd1']], {
    trigger: 'write',
    writes: [
      ['deals', 'd1'],
      ['contacts', 'c2'],
    ],
  }),
  resync(10, {
    first: true,
    replayed: true,
    replayedCount: 3,
    rereadCount: 1,
    firstId: '7',
    lastId: '9',
  }),
  resync(11, { fallback: 'past-retention', retentionMs: 86_400_000 }),
  resync(12, { fallback: 'read-failed', error: 'permission denied' }),
  malformed(13),
  malformed(14, { problem: 'wrong-organization', field: undefined, found: undefined }),
  channel(15, 'CLOSED', { note: 'closed-by-server', error: 'token expired', delayMs: 1_000 }),
  channel(16, 'SUBSCRIBED', { note: 'live', waitedMs: 40 }),
  refetched(17, ['deals', 'list'], { error: 'boom', outcome: 'error', dataChanged: undefined }),
  {
    seq: 18,
    at: 18,
    kind: 'unconfirmed',
    table: 'deals',
    recordId: 'd1',
    relatedSeq: 5,
    ageMs: 5_000,
    cause: 'not-delivered',
    orgId: 'org_acme',
    replayed: true,
  },
]

/** Every value of every picklist field, on the smallest event of each kind that has the field. */
const PICKLIST_VALUES: unknown[] = SYNC_EVENT_KINDS.flatMap((kind) =>
  layoutOf(kind).fields.flatMap((name) => {
    const list = (PICKLISTS as Partial<Record<FieldRule, readonly string[]>>)[
      EVENT_FIELDS[name].rule
    ]
    return (list ?? []).map((value) => ({ ...MINIMAL[kind], [name]: value }))
  }),
)

/** Every value of a picklist field that is not in its list. */
const UNKNOWN_PICKLIST_VALUES: unknown[] = SYNC_EVENT_KINDS.flatMap((kind) =>
  layoutOf(kind).fields.flatMap((name) => {
    const list = (PICKLISTS as Partial<Record<FieldRule, readonly string[]>>)[
      EVENT_FIELDS[name].rule
    ]
    if (list === undefined) return []
    return [
      list[0]!.toUpperCase() === list[0] ? list[0]!.toLowerCase() : list[0]!.toUpperCase(),
      0,
      null,
    ].map((value) => ({ ...MINIMAL[kind], [name]: value }))
  }),
)

/** Each kind without one of the fields it always has, and with it undefined. */
const MISSING_REQUIRED: unknown[] = SYNC_EVENT_KINDS.flatMap((kind) =>
  layoutOf(kind).required.flatMap((name: EventFieldName) => {
    const { [name]: _dropped, ...rest } = MINIMAL[kind] as Record<string, unknown>
    // undefined is a value of the rule 'any' (a payload): there, only a missing field is.
    return EVENT_FIELDS[name].rule === 'any'
      ? [rest]
      : [rest, { ...MINIMAL[kind], [name]: undefined }]
  }),
)

/** Every field at its limit, and every kind of value a field may hold. */
const VALID: unknown[] = [
  ...Object.values(MINIMAL),
  ...REALISTIC,
  ...PICKLIST_VALUES,
  received(1, { actorId: null }),
  received(1, { latencyMs: -0, relatedSeq: 1, ageMs: 0 }),
  received(1, { latencyMs: -12.5 }),
  { ...received(1), seq: Number.MAX_SAFE_INTEGER },
  received(1, {
    orgId: text(LIMITS.shortText),
    table: text(LIMITS.shortText),
    recordId: text(LIMITS.shortText),
    eventId: text(LIMITS.shortText),
    actorId: text(LIMITS.shortText),
    commitTimestamp: text(100),
    reason: text(LIMITS.longText),
  }),
  channel(1, 'CHANNEL_ERROR', {
    channel: { topic: text(LIMITS.shortText), status: 'CHANNEL_ERROR' },
    error: text(LIMITS.longText),
  }),
  invalidated(
    4,
    Array.from({ length: LIMITS.causes }, (_, i) => i + 1),
    [[]],
    {
      causeKeys: Array.from({ length: LIMITS.causes }, () => []),
    },
  ),
  invalidated(
    4,
    [1],
    Array.from({ length: LIMITS.keys }, () => []),
    {
      causeKeys: [Array.from({ length: LIMITS.keys }, (_, i) => i + 1)],
    },
  ),
  invalidated(4, [], [Array.from({ length: LIMITS.keyParts }, (_, i) => i)]),
  invalidated(4, [], [], {
    trigger: 'write',
    writes: Array.from({ length: LIMITS.rows }, (_, i) => ['deals', String(i)] as const),
  }),
  invalidated(4, [], [], { trigger: 'write', writes: [[text(LIMITS.shortText), '']] }),
  refetched(
    1,
    Array.from({ length: LIMITS.keyParts }, (_, i) => i),
  ),
  // Unknown fields are dropped, nested ones too, and a field of another kind.
  { ...received(1), extra: '<b>x</b>', causes: [1], __proto__: { seq: 1 } },
  { ...MINIMAL.channel, channel: { topic: 't', status: 'CLOSED', extra: 1 } },
  { ...MINIMAL.write, payload: { id: 1 }, batchId: 3 },
  // Optional fields present but undefined are kept (as valibot keeps them).
  { ...MINIMAL.received, eventId: undefined, actorId: undefined, reason: undefined },
  { ...MINIMAL.invalidated, leading: undefined, writes: undefined },
  // Any payload, undefined too (the field is there: valibot's unknown() takes it).
  { ...MINIMAL.received, payload: undefined },
  { ...MINIMAL.echo, payload: undefined, extra: 1 },
  received(1, { payload: [1, 'two', { three: 3n }] }),
  received(1, { payload: 'x' }),
  malformed(1, { payload: undefined }),
  // Arrays are objects to the schema: an array with the required fields is an event.
  Object.assign([], MINIMAL.write),
  // Fields inherited from the prototype count, as `in` sees them.
  Object.assign(Object.create({ seq: 3, at: 4 }), { kind: 'write', table: 't', recordId: 'r' }),
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
  { at: 1, kind: 'write', table: 't', recordId: 'r' },
  { seq: 1, kind: 'write', table: 't', recordId: 'r' },
  { seq: 1, at: 1, table: 't', recordId: 'r' },
  { ...MINIMAL.write, seq: undefined },
  ...MISSING_REQUIRED,
  ...UNKNOWN_PICKLIST_VALUES,
  received(0),
  received(-1),
  received(1.5),
  { ...received(1), seq: Number.NaN },
  { ...received(1), seq: Number.POSITIVE_INFINITY },
  { ...received(1), seq: '1' },
  received(1, { at: Number.NaN }),
  received(1, { at: Number.POSITIVE_INFINITY }),
  received(1, { at: '1' as never }),
  received(1, { kind: 'exploded' as never }),
  received(1, { kind: 'Received' as never }),
  // A kind whose own fields are missing: a received event relabelled.
  received(1, { kind: 'deduped' as never }),
  received(1, { kind: 'invalidated' as never }),
  received(1, { orgId: text(LIMITS.shortText + 1) }),
  received(1, { table: text(LIMITS.shortText + 1) }),
  received(1, { recordId: text(LIMITS.shortText + 1) }),
  received(1, { eventId: text(LIMITS.shortText + 1) }),
  received(1, { actorId: text(LIMITS.shortText + 1) }),
  received(1, { orgId: null as never }),
  received(1, { table: 7 as never }),
  received(1, { commitTimestamp: text(101) }),
  received(1, { latencyMs: Number.NaN }),
  received(1, { latencyMs: Number.NEGATIVE_INFINITY }),
  received(1, { latencyMs: '12' as never }),
  received(1, { replayed: 'yes' as never }),
  received(1, { reason: text(LIMITS.longText + 1) }),
  deduped(3, 1, { relatedSeq: 0 }),
  deduped(3, 1, { relatedSeq: 1.5 }),
  deduped(3, 1, { ageMs: -1 }),
  deduped(3, 1, { ageMs: Number.POSITIVE_INFINITY }),
  deduped(3, 1, { windowMs: 0.5 }),
  echo(3, 1, { ageMs: '1' as never }),
  invalidated(4, [], [], { batchId: -1 }),
  invalidated(4, [], [], { batchId: 0.5 }),
  invalidated(4, [], [], { batchId: null as never }),
  invalidated(4, [], [], { markedStale: -1 }),
  invalidated(4, [], [], { batchMs: 0.5 }),
  invalidated(4, [], [], { leading: 1 as never }),
  invalidated(4, [0], []),
  invalidated(4, [1, 2.5], []),
  invalidated(4, '1,2' as never, [], { causeKeys: [] }),
  invalidated(
    4,
    Array.from({ length: LIMITS.causes + 1 }, (_, i) => i + 1),
    [],
    {
      causeKeys: [],
    },
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
  invalidated(4, [1], [[]], { causeKeys: 'x' as never }),
  invalidated(4, [1], [[]], { causeKeys: [0] as never }),
  invalidated(4, [1], [[]], { causeKeys: [[-1]] }),
  invalidated(4, [1], [[]], { causeKeys: [[0.5]] }),
  invalidated(4, [1], [[]], { causeKeys: [['0']] as never }),
  invalidated(4, [1], [[]], { causeKeys: [[LIMITS.keys + 1]] }),
  invalidated(4, [1], [[]], {
    causeKeys: Array.from({ length: LIMITS.causes + 1 }, () => []),
  }),
  invalidated(4, [1], [[]], {
    causeKeys: [Array.from({ length: LIMITS.keys + 1 }, () => 0)],
  }),
  invalidated(4, [], [], { trigger: 'write', writes: [['deals']] as never }),
  invalidated(4, [], [], { trigger: 'write', writes: [['deals', 1]] as never }),
  invalidated(4, [], [], { trigger: 'write', writes: [['deals', 'd1', 'x']] as never }),
  invalidated(4, [], [], { trigger: 'write', writes: [[text(LIMITS.shortText + 1), 'd1']] }),
  invalidated(4, [], [], {
    trigger: 'write',
    writes: Array.from({ length: LIMITS.rows + 1 }, () => ['deals', 'd1'] as const),
  }),
  invalidated(4, [], [], { trigger: 'write', writes: 'deals/d1' as never }),
  resync(5, { gapMs: -1 }),
  resync(5, { replayedCount: 1.5 }),
  resync(5, { firstId: 7 as never }),
  malformed(6, { field: text(LIMITS.shortText + 1) }),
  malformed(6, { error: text(LIMITS.longText + 1) }),
  channel(7, 'CLOSED', { delayMs: -1 }),
  channel(7, 'SUBSCRIBED', { waitedMs: Number.NaN }),
  refetched(9, 'deals' as never),
  refetched(
    9,
    Array.from({ length: LIMITS.keyParts + 1 }, (_, i) => i),
  ),
  refetched(9, [], { durationMs: -1 }),
  refetched(9, [], { observers: 1.5 }),
  refetched(9, [], { dataChanged: 'yes' as never }),
  refetched(9, [], { batchId: undefined }),
  { ...MINIMAL.channel, channel: null },
  { ...MINIMAL.channel, channel: 'SUBSCRIBED' },
  { ...MINIMAL.channel, channel: { topic: 't' } },
  { ...MINIMAL.channel, channel: { status: 'SUBSCRIBED' } },
  { ...MINIMAL.channel, channel: { topic: 't', status: 1 } },
  { ...MINIMAL.channel, channel: { topic: 't', status: 'subscribed' } },
  { ...MINIMAL.channel, channel: { topic: text(LIMITS.shortText + 1), status: 'CLOSED' } },
  { ...MINIMAL.channel, channel: [] },
]

describe('the cases', () => {
  it('hold a minimal and a realistic event of every kind', () => {
    expect(Object.keys(MINIMAL)).toEqual([...SYNC_EVENT_KINDS])
    expect(new Set(REALISTIC.map((event) => event.kind))).toEqual(new Set(SYNC_EVENT_KINDS))
  })
})

describe('checkSyncEvent agrees with SyncEventSchema', () => {
  it.each(VALID.map((value, i) => [i, value]))('accepts valid event %i', (_, value) => {
    expect(expectAgreement(value)).toBe(true)
  })

  it.each(INVALID.map((value, i) => [i, value]))('rejects invalid value %i', (_, value) => {
    expect(expectAgreement(value)).toBe(false)
  })

  it('returns an event already in the schema’s shape as it is, without a copy', () => {
    const shaped = [...Object.values(MINIMAL), ...REALISTIC.filter(inTableOrder)]
    expect(shaped.length).toBeGreaterThan(20)
    for (const event of shaped) expect(checkSyncEvent(event)).toBe(event)
    // Out of the table's order: checked and copied into it.
    const late = received(3, { relatedSeq: 1, ageMs: 40, match: 'other-actor' })
    const copy = checkSyncEvent(late)
    expect(copy).not.toBe(late)
    expect(copy).toStrictEqual(late)
    expect(Object.keys(copy!).slice(-4)).toEqual(['relatedSeq', 'ageMs', 'match', 'payload'])
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
      fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-0, 12.5)),
      fc.constantFrom(Number.NaN, Number.NEGATIVE_INFINITY, '1', null),
    )
    const key = field(
      fc.array(anything, { maxLength: 3 }),
      fc.constantFrom('deals', null, { 0: 'deals' }),
    )
    const picklist = (values: readonly string[]) =>
      field(fc.constantFrom(...values), fc.constantFrom('', 'Unknown', 0))
    const RULES: Record<FieldRule, fc.Arbitrary<unknown>> = {
      text: short,
      longText: field(upTo(LIMITS.longText), over(LIMITS.longText)),
      nullableText: fc.oneof(short, fc.constant(null)),
      timestamp: field(upTo(100), over(100)),
      number,
      duration: field(
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.constantFrom(-1, Number.NaN, Number.POSITIVE_INFINITY),
      ),
      seq,
      count,
      boolean: field(fc.boolean(), fc.constantFrom(0, 'true', null)),
      seqs: field(fc.array(seq, { maxLength: 4 }), fc.constantFrom('1,2', { 0: 1 })),
      key,
      keys: field(
        fc.array(fc.array(anything, { maxLength: 3 }), { maxLength: 3 }),
        fc.array(fc.oneof(fc.string(), fc.constant(null)), { minLength: 1, maxLength: 2 }),
      ),
      keyRefs: field(
        fc.array(fc.array(fc.nat(5), { maxLength: 3 }), { maxLength: 3 }),
        fc.constantFrom([[-1]], [[0.5]], [1], 'x', [[LIMITS.keys + 1]]),
      ),
      rows: field(
        fc.array(fc.tuple(short, short), { maxLength: 3 }),
        fc.constantFrom([['t']], [['t', 1]], 'x', [null], [['t', 'r', 'x']]),
      ),
      changes: field(
        fc.record(
          {
            paths: fc.array(
              fc.record(
                { path: short, before: upTo(200), after: upTo(200) },
                { requiredKeys: ['path'] },
              ),
              { maxLength: 3 },
            ),
            removed: fc.array(upTo(200), { maxLength: 3 }),
            moreRows: fc.nat(),
            extra: anything,
          },
          { requiredKeys: ['paths'] },
        ),
        fc.oneof(
          fc.constantFrom(null, [], { paths: 'x' }, { paths: [{ path: 1 }] }),
          fc.record({
            paths: fc.constant([]),
            added: fc.array(over(200), { minLength: 1, maxLength: 1 }),
          }),
        ),
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
      operation: picklist(PICKLISTS.operation),
      outcome: picklist(PICKLISTS.outcome),
      match: picklist(PICKLISTS.match),
      trigger: picklist(PICKLISTS.trigger),
      fallback: picklist(PICKLISTS.fallback),
      input: picklist(PICKLISTS.input),
      problem: picklist(PICKLISTS.problem),
      valueType: picklist(PICKLISTS.valueType),
      note: picklist(PICKLISTS.note),
      cause: picklist(PICKLISTS.cause),
      any: anything,
    }
    /** An event of `kind`: its required fields always, its others maybe, and strangers. */
    const ofKind = (kind: SyncEventKind) => {
      const { fields, required } = layoutOf(kind)
      const model: Record<string, fc.Arbitrary<unknown>> = {
        seq,
        at: number,
        kind: field(fc.constant(kind), fc.constantFrom('Received', '', 'bogus')),
      }
      for (const name of fields) model[name] = RULES[EVENT_FIELDS[name].rule]
      // A field of no kind, and one of another kind's.
      model.extra = anything
      model.causes = RULES.seqs
      return fc.record(model, { requiredKeys: ['seq', 'at', 'kind', ...required] })
    }
    const requiredOf = (value: Record<string, unknown>) =>
      typeof value.kind === 'string' && value.kind in EVENT_LAYOUTS
        ? ['seq', 'at', 'kind', ...layoutOf(value.kind as SyncEventKind).required]
        : ['seq', 'at', 'kind']
    // Now and then without one of the fields its kind always has.
    const events = fc
      .constantFrom(...SYNC_EVENT_KINDS)
      .chain(ofKind)
      .chain((value) =>
        fc
          .oneof(
            { arbitrary: fc.constant(null), weight: 10 },
            { arbitrary: fc.constantFrom(...requiredOf(value)), weight: 1 },
          )
          .map((drop) => {
            if (drop !== null) delete value[drop]
            return value
          }),
      )
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
    // Realistic events: every field of each is exercised on its own against the same base.
    const value = fc.oneof(
      fc.anything({ maxDepth: 1 }),
      fc.integer({ min: -2, max: 2 }),
      fc.double(),
      fc.string({ maxLength: 3 }),
      fc.constant(null),
      fc.constant(undefined),
    )
    const cases = fc
      .constantFrom(...REALISTIC)
      .chain((base) =>
        fc.tuple(
          fc.constant(base),
          fc.constantFrom(...Object.keys(base), ...layoutOf(base.kind).fields, 'causes', 'channel'),
          value,
        ),
      )
    let accepted = 0
    fc.assert(
      fc.property(cases, ([base, key, replacement]) => {
        if (expectAgreement({ ...base, [key]: replacement })) accepted++
      }),
      { numRuns: 3_000 },
    )
    expect(accepted).toBeGreaterThan(0)
  })
})

/** The event's keys are its kind's layout's, in the table's order (the engine's shape). */
function inTableOrder(event: SyncEvent): boolean {
  const order = ['seq', 'at', 'kind', ...layoutOf(event.kind).fields]
  const keys = Object.keys(event)
  let next = 0
  for (const key of keys) {
    next = order.indexOf(key, next)
    if (next < 0) return false
  }
  return true
}
