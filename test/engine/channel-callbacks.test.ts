import { describe, expect, it } from 'vitest'
import type { RealtimeSyncOptions } from '../../src/realtime-sync'
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

/** Each value is refused without a throw, logged as malformed with a reason, and counted. */
function expectEachMalformed(t: FakeEngine, call: (value: unknown) => void): void {
  for (const [i, value] of hostileValues().entries()) {
    const before = malformedCount(t)
    const logged = t.events('malformed').length
    expect(() => call(value), `value #${i}`).not.toThrow()
    expect(malformedCount(t), `value #${i}`).toBe(before + 1)
    expect(t.events('malformed'), `value #${i}`).toHaveLength(logged + 1)
    expect(t.events('malformed').at(-1), `value #${i}`).toMatchObject({
      orgId: ORG,
      reason: expect.stringMatching(/\S/),
    })
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
    expectEachMalformed(t, (value) => binding!.callback(value as object))
    expect(t.events('malformed')[0]?.reason).toBe('payload is null, not an object')
    await expectStillWorking(t)
  })

  it('broadcast: every hostile message is a counted malformed event', async () => {
    const t = await live({ transport: 'broadcast' })
    const [binding] = t.supabase.channelFor(ORG).broadcastBindings
    expectEachMalformed(t, (value) => binding!.callback(value as object))
    const reasons = t.events('malformed').map((event) => event.reason)
    expect(reasons).toContain('a broadcast message that is null, not an object')
    expect(reasons).toContain('a broadcast message that is a symbol, not an object')
    expect(reasons).toContain('the engine failed on a broadcast message: proxy get')
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
    expectEachMalformed(t, (value) => system!(value as object))
    const reasons = t.events('malformed').map((event) => event.reason)
    expect(reasons).toContain('a system message whose payload is null, not an object')
    expect(reasons).toContain('a system message whose status is undefined, not a string')
    expect(reasons).toContainEqual(
      expect.stringMatching(/^the engine failed on a system message: \S/),
    )
    expect(t.sync.getChannels()[0]).toMatchObject({ status: 'SUBSCRIBED', replication: 'waiting' })

    const malformed = malformedCount(t)
    system!({ extension: 'postgres_changes', status: 'ok', message: 'Subscribed to PostgreSQL' })
    expect(t.sync.getChannels()[0]).toMatchObject({ replication: 'ready' })
    expect(malformedCount(t)).toBe(malformed)
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
        const { status, lastError } = t.sync.getChannels()[0]!
        expect(status).toBe('CHANNEL_ERROR')
        expect(lastError).toMatch(/^supabase-js reported an unknown status x/)
        expect(lastError!.length).toBeLessThan(120)
      } else {
        expect(malformedCount(t), `value #${i}`).toBe(before + 1)
        expect(t.events('malformed').at(-1)?.reason, `value #${i}`).toMatch(
          /^a subscribe status that is .+, not a string$/,
        )
      }
    }
    expect(t.events('malformed')[0]?.reason).toBe('a subscribe status that is null, not a string')
    channel.setStatus('SUBSCRIBED')
    expect(t.sync.getChannels()[0]).toMatchObject({ status: 'SUBSCRIBED', replication: 'ready' })
    await expectStillWorking(t)
  })

  it("subscribe status: whatever stands in the error argument is read as the channel's error, bounded", async () => {
    const t = await live()
    const channel = t.supabase.channelFor(ORG)
    for (const [i, value] of hostileValues().entries()) {
      expect(() => channel.setStatus('CHANNEL_ERROR', value as Error), `value #${i}`).not.toThrow()
      const { status, lastError } = t.sync.getChannels()[0]!
      expect(status, `value #${i}`).toBe('CHANNEL_ERROR')
      expect(lastError?.length ?? 0, `value #${i}`).toBeLessThanOrEqual(513)
      channel.setStatus('SUBSCRIBED')
    }
    // Older realtime-js passes the transport's raw reason there: not a bad value, not counted.
    expect(malformedCount(t)).toBe(0)
    channel.setStatus('CHANNEL_ERROR', 'x'.repeat(5_000_000) as unknown as Error)
    expect(t.sync.getChannels()[0]?.lastError).toMatch(/^x{512}…$/)
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
    expect(t.events('malformed').at(-1)?.reason).toBe(
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
