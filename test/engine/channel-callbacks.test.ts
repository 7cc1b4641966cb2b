import { describe, expect, it } from 'vitest'
import { describeChannelNote, describeEvent } from '../../src/describe-event'
import type { RealtimeSyncOptions } from '../../src/realtime-sync'
import { type MalformedEvent, type MalformedInput, VALUE_TYPES } from '../../src/types'
import { valueTypeOf } from '../../src/value-type'
import { type FakeEngine, fakeEngineFile, ORG } from '../support/fake-engine'
import { settle } from '../support/fake-supabase'
import { hostileValues } from '../support/hostile-values'

/**
 * supabase-js calls the engine's callbacks (postgres_changes, broadcast, system, the subscribe
 * status) from its socket's message handling, where a throw breaks the client. Each is driven,
 * as the engine registered it on the stand-in client, with the payload fuzz's hostile values.
 */
const engine = fakeEngineFile()

async function live(options: Partial<RealtimeSyncOptions> = {}): Promise<FakeEngine> {
  const t = engine(options)
  t.world.active(['deals', 'list'])
  await settle()
  await t.goLive()
  return t
}

function malformedCount(t: FakeEngine): number {
  return t.sync.getMetrics().reduce((sum, minute) => sum + minute.malformed, 0)
}

/**
 * A malformed event's facts hold together: a wrong value names its part and the type found
 * there, an engine failure its error; and it renders as a sentence.
 */
function expectMalformedFacts(
  event: MalformedEvent | undefined,
  input: MalformedInput | readonly MalformedInput[],
): void {
  expect(event).toMatchObject({ orgId: ORG })
  expect(typeof input === 'string' ? [input] : input).toContain(event!.input)
  switch (event!.problem) {
    case 'invalid-value':
      expect(event).toMatchObject({ field: expect.stringMatching(/\S/) })
      expect(VALUE_TYPES).toContain(event!.found)
      break
    case 'engine-error':
      expect(event!.error).toMatch(/\S/)
      break
    case 'wrong-organization':
      break
  }
  expect(describeEvent(event!)).toMatch(/\S/)
}

/** Each value is refused without a throw, logged as malformed with its facts, and counted. */
function expectEachMalformed(
  t: FakeEngine,
  input: MalformedInput | readonly MalformedInput[],
  call: (value: unknown) => void,
): void {
  for (const [i, value] of hostileValues().entries()) {
    const before = malformedCount(t)
    const logged = t.events('malformed').length
    expect(() => call(value), `value #${i}`).not.toThrow()
    expect(malformedCount(t), `value #${i}`).toBe(before + 1)
    expect(t.events('malformed'), `value #${i}`).toHaveLength(logged + 1)
    expectMalformedFacts(t.events('malformed').at(-1), input)
  }
}

/** A valid change after the hostile values is still received and refetches what it matches. */
async function expectStillWorking(t: FakeEngine): Promise<void> {
  await settle()
  t.advance(200)
  const fetches = t.world.fetches(['deals', 'list'])
  const row = t.supabase.commit({ organization_id: ORG, record_id: 'deal-after' })
  t.advance(200)
  await settle()
  expect(t.events('received').at(-1)).toMatchObject({
    recordId: 'deal-after',
    eventId: String(row.id),
  })
  expect(t.world.fetches(['deals', 'list'])).toBe(fetches + 1)
}

describe('the callbacks the engine hands supabase-js never throw', () => {
  it('postgres_changes: every hostile payload is a counted malformed event', async () => {
    const t = await live()
    const [binding] = t.supabase.channelFor(ORG).bindings
    expectEachMalformed(t, 'change', (value) => binding!.callback(value as object))
    const first = t.events('malformed')[0]!
    expect(first).toMatchObject({
      input: 'change',
      problem: 'invalid-value',
      field: 'payload',
      found: 'null',
    })
    expect(describeEvent(first)).toBe('a delivered change: payload is null, expected an object')
    await expectStillWorking(t)
  })

  it('broadcast: every hostile message is a counted malformed event', async () => {
    const t = await live({ transport: 'broadcast' })
    const [binding] = t.supabase.channelFor(ORG).broadcastBindings
    // A message that is an object is read as the change it carries (input 'change').
    expectEachMalformed(t, ['broadcast', 'change'], (value) => binding!.callback(value as object))
    const malformed = t.events('malformed')
    const wrong = { input: 'broadcast', problem: 'invalid-value', field: 'message' } as const
    expect(malformed).toContainEqual(expect.objectContaining({ ...wrong, found: 'null' }))
    expect(malformed).toContainEqual(expect.objectContaining({ ...wrong, found: 'symbol' }))
    const failed = malformed.find(
      (event) => event.problem === 'engine-error' && event.error === 'proxy get',
    )
    expect(failed).toMatchObject({ input: 'broadcast' })
    expect(malformed.map(describeEvent)).toContain(
      'a broadcast message: message is null, expected an object',
    )
    expect(describeEvent(failed!)).toBe('the engine failed on a broadcast message: proxy get')
    await expectStillWorking(t)
  })

  it('system: every hostile message is a counted malformed event; a well-formed one still makes the channel live', async () => {
    const t = engine()
    t.supabase.holdReplication = true
    t.world.active(['deals', 'list'])
    await settle()
    t.supabase.subscribeAll()
    await settle()
    const [system] = t.supabase.channelFor(ORG).systemCallbacks
    expectEachMalformed(t, 'system-message', (value) => system!(value as object))
    const malformed = t.events('malformed')
    const wrong = { input: 'system-message', problem: 'invalid-value' } as const
    expect(malformed).toContainEqual(
      expect.objectContaining({ ...wrong, field: 'payload', found: 'null' }),
    )
    expect(malformed).toContainEqual(
      expect.objectContaining({ ...wrong, field: 'status', found: 'undefined' }),
    )
    expect(malformed).toContainEqual(
      expect.objectContaining({
        input: 'system-message',
        problem: 'engine-error',
        error: expect.stringMatching(/\S/),
      }),
    )
    expect(malformed.map(describeEvent)).toContain(
      'a system message: status is undefined, expected a string',
    )
    expect(t.sync.getChannels()[0]).toMatchObject({ status: 'SUBSCRIBED', replication: 'waiting' })

    const count = malformedCount(t)
    system!({ extension: 'postgres_changes', status: 'ok', message: 'Subscribed to PostgreSQL' })
    expect(t.sync.getChannels()[0]).toMatchObject({ replication: 'ready' })
    expect(malformedCount(t)).toBe(count)
    await expectStillWorking(t)
  })

  it('subscribe status: a status that is not a string is a counted malformed event; an unknown string is a CHANNEL_ERROR', async () => {
    const t = await live()
    const channel = t.supabase.channelFor(ORG)
    for (const [i, value] of hostileValues().entries()) {
      const before = malformedCount(t)
      expect(() => channel.setStatus(value as string), `value #${i}`).not.toThrow()
      if (typeof value === 'string') {
        // What supabase-js reports beyond its four is documented as CHANNEL_ERROR, bounded.
        expect(malformedCount(t), `value #${i}`).toBe(before)
        const { status, lastNote, topic } = t.sync.getChannels()[0]!
        expect(status).toBe('CHANNEL_ERROR')
        expect(lastNote).toEqual({ note: 'unknown-status', error: expect.stringMatching(/^x/) })
        expect(lastNote!.error!.length).toBeLessThanOrEqual(65)
        const sentence = describeChannelNote(lastNote!, topic)
        expect(sentence).toMatch(/^supabase-js reported an unknown status x/)
        expect(sentence!.length).toBeLessThan(120)
      } else {
        expect(malformedCount(t), `value #${i}`).toBe(before + 1)
        const last = t.events('malformed').at(-1)
        expect(last, `value #${i}`).toMatchObject({
          input: 'subscribe-status',
          problem: 'invalid-value',
          field: 'status',
          found: valueTypeOf(value),
        })
        expect(describeEvent(last!), `value #${i}`).toMatch(
          /^a subscribe status: status is .+, expected a string$/,
        )
      }
    }
    expect(t.events('malformed')[0]).toMatchObject({ field: 'status', found: 'null' })
    expect(describeEvent(t.events('malformed')[0]!)).toBe(
      'a subscribe status: status is null, expected a string',
    )
    channel.setStatus('SUBSCRIBED')
    expect(t.sync.getChannels()[0]).toMatchObject({ status: 'SUBSCRIBED', replication: 'ready' })
    await expectStillWorking(t)
  })

  it("subscribe status: whatever stands in the error argument is read as the channel's error, bounded", async () => {
    const t = await live()
    const channel = t.supabase.channelFor(ORG)
    for (const [i, value] of hostileValues().entries()) {
      expect(() => channel.setStatus('CHANNEL_ERROR', value as Error), `value #${i}`).not.toThrow()
      const { status, lastNote } = t.sync.getChannels()[0]!
      expect(status, `value #${i}`).toBe('CHANNEL_ERROR')
      expect(lastNote?.error?.length ?? 0, `value #${i}`).toBeLessThanOrEqual(513)
      const logged = t.events('channel').at(-1)!
      expect(logged.channel.status, `value #${i}`).toBe('CHANNEL_ERROR')
      expect(logged.note, `value #${i}`).toBeUndefined()
      expect(logged.error?.length ?? 0, `value #${i}`).toBeLessThanOrEqual(513)
      channel.setStatus('SUBSCRIBED')
    }
    // Older realtime-js passes the transport's raw reason there: not a bad value, not counted.
    expect(malformedCount(t)).toBe(0)
    channel.setStatus('CHANNEL_ERROR', 'x'.repeat(5_000_000) as unknown as Error)
    expect(t.sync.getChannels()[0]?.lastNote).toEqual({ error: expect.stringMatching(/^x{512}…$/) })
    expect(t.events('channel').at(-1)).toMatchObject({
      channel: { status: 'CHANNEL_ERROR' },
      error: expect.stringMatching(/^x{512}…$/),
    })
    channel.setStatus('SUBSCRIBED')
    await expectStillWorking(t)
  })

  it('a callback whose handling throws for any other reason logs it as malformed; nothing reaches supabase-js', async () => {
    const t = await live()
    t.supabase.holdReplication = true
    const channel = t.supabase.channelFor(ORG)
    let failing = true
    t.sync.subscribeEvents(() => {
      if (failing) {
        failing = false
        throw new Error('a log listener broke')
      }
    })
    expect(() => channel.setStatus('TIMED_OUT')).not.toThrow()
    const failed = t.events('malformed').at(-1)
    expect(failed).toMatchObject({
      input: 'subscribe-status',
      problem: 'engine-error',
      error: 'a log listener broke',
    })
    expect(describeEvent(failed!)).toBe(
      'the engine failed on a subscribe status: a log listener broke',
    )
    expect(malformedCount(t)).toBe(1)

    // When telling it fails too, it is dropped rather than thrown into supabase-js.
    const stop = t.sync.subscribeEvents(() => {
      throw new Error('every append throws')
    })
    const [system] = channel.systemCallbacks
    expect(() => system!(null as unknown as object)).not.toThrow()
    expect(() => channel.bindings[0]!.callback(null as unknown as object)).not.toThrow()
    stop()

    channel.setStatus('SUBSCRIBED')
    channel.system('ok')
    await expectStillWorking(t)
  })
})
