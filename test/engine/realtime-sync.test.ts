import { afterEach, describe, expect, it, vi } from 'vitest'
import { describeChannelNote, describeEvent } from '../../src/describe-event'
import { getDevtoolsRegistry } from '../../src/devtools-registry'
import { TUNABLE_OPTIONS } from '../../src/options'
import { createRealtimeSync, type RealtimeSyncOptions } from '../../src/realtime-sync'
import type { ChannelEvent } from '../../src/types'
import { changePayload } from '../support/events'
import { FakeSupabase, settle } from '../support/fake-supabase'
import { ManualScheduler } from '../support/manual-scheduler'
import { createQueryWorld } from '../support/query-world'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

/** `before`: what the client holds before the engine starts (another channel of the app's). */
function setup(
  options: Partial<RealtimeSyncOptions> = {},
  before: (supabase: FakeSupabase) => void = () => {},
) {
  const supabase = new FakeSupabase()
  before(supabase)
  const scheduler = new ManualScheduler()
  const world = createQueryWorld()
  const sync = createRealtimeSync({
    supabase,
    queryClient: world.queryClient,
    organizationIds: ['org_acme'],
    userId: 'user-alice',
    scheduler,
    ...options,
  })
  cleanups.push(
    () => sync.stop(),
    () => world.dispose(),
  )
  const kinds = () => sync.getEvents().map((e) => e.kind)
  return { supabase, scheduler, world, sync, kinds }
}

describe('channels', () => {
  it('opens one channel per organization, filtered to it, after awaiting setAuth()', async () => {
    const { supabase } = setup({ organizationIds: ['org_acme', 'org_globex'] })
    await settle()
    expect(supabase.actions).toEqual([
      'setAuth',
      'subscribe realtime:org:org_acme',
      'subscribe realtime:org:org_globex',
    ])
    expect(supabase.channelFor('org_globex').bindings.map((b) => b.filter)).toEqual([
      {
        event: 'INSERT',
        schema: 'public',
        table: 'realtime_table_events',
        filter: 'organization_id=eq.org_globex',
      },
    ])
  })

  it('delivers a change from the channel through to invalidation', async () => {
    const { supabase, scheduler, world, kinds } = setup()
    world.active(['deals', 'list'])
    await settle()
    supabase.subscribeAll()
    await settle()
    supabase.channelFor('org_acme').deliver(changePayload())
    scheduler.advance(200)
    // The list was loaded before the channel was live: the catch-up read found nothing missed.
    expect(kinds()).toEqual(['channel', 'channel', 'channel', 'resync', 'received', 'invalidated'])
    expect(world.fetches(['deals', 'list'])).toBe(1)
  })

  it('logs every channel status with its topic', async () => {
    const { supabase, sync, scheduler } = setup()
    await settle()
    supabase.subscribeAll()
    const channels = sync.getEvents().filter((e) => e.kind === 'channel')
    expect(channels).toHaveLength(sync.getEvents().length)
    expect(
      channels.map(({ channel, note, waitedMs, error }) => ({ channel, note, waitedMs, error })),
    ).toEqual([
      { channel: { topic: 'org:org_acme', status: 'JOINING' } },
      { channel: { topic: 'org:org_acme', status: 'SUBSCRIBED' } },
      { channel: { topic: 'org:org_acme', status: 'SUBSCRIBED' }, note: 'live', waitedMs: 0 },
    ])
    expect(channels.map(describeEvent)).toEqual([
      'org:org_acme JOINING',
      'org:org_acme SUBSCRIBED',
      'org:org_acme SUBSCRIBED: live 0 ms after SUBSCRIBED: changes are delivered from here on',
    ])
    expect(sync.getChannels()).toEqual([
      {
        orgId: 'org_acme',
        topic: 'org:org_acme',
        status: 'SUBSCRIBED',
        subscribedCount: 1,
        replication: 'ready',
        subscribedAt: scheduler.now(),
        liveAt: scheduler.now(),
        lastNote: { note: 'live', waitedMs: 0 },
        transport: 'postgres_changes',
      },
    ])
  })

  it('resubscribes when memberships change: leaves the old organization, joins the new one', async () => {
    const { supabase, sync } = setup()
    await settle()
    supabase.actions.length = 0
    await sync.setOrganizationIds(['org_globex'])
    await settle()
    expect(supabase.actions).toEqual([
      'remove realtime:org:org_acme',
      'setAuth',
      'subscribe realtime:org:org_globex',
    ])
    expect(supabase.topics()).toEqual(['realtime:org:org_globex'])
  })

  it('follows a membership source over time', async () => {
    let memberships: readonly string[] = ['org_acme']
    const listeners = new Set<() => void>()
    const { supabase } = setup({
      organizationIds: {
        getSnapshot: () => memberships,
        subscribe: (listener) => {
          listeners.add(listener)
          return () => listeners.delete(listener)
        },
      },
    })
    await settle()
    memberships = ['org_acme', 'org_globex']
    for (const listener of listeners) listener()
    await settle()
    expect(supabase.topics()).toEqual(['realtime:org:org_acme', 'realtime:org:org_globex'])
  })

  it('rejects organization ids that would break the realtime filter', () => {
    const { sync } = setup()
    expect(() => sync.setOrganizationIds(['a,b'])).toThrow(TypeError)
    expect(() => sync.setOrganizationIds([''])).toThrow(TypeError)
  })

  it('retries setAuth() with backoff and subscribes only once it succeeds', async () => {
    const supabase = new FakeSupabase()
    supabase.failSetAuth = 2
    const { scheduler, sync } = setup({ supabase })
    await settle()
    expect(sync.getChannels()).toEqual([])
    const failed = sync.getEvents().at(-1)!
    expect(failed).toMatchObject({
      kind: 'channel',
      channel: { status: 'AUTH_ERROR' },
      note: 'auth-failed',
      delayMs: 1_000,
      error: expect.stringMatching(/\S/),
    })
    expect(describeEvent(failed)).toMatch(/setAuth\(\) failed, retrying in 1000 ms/)
    scheduler.advance(1_000)
    await settle()
    expect(sync.getEvents().at(-1)).toMatchObject({ note: 'auth-failed', delayMs: 2_000 })
    scheduler.advance(2_000)
    await settle()
    expect(supabase.actions).toEqual([
      'setAuth',
      'setAuth',
      'setAuth',
      'subscribe realtime:org:org_acme',
    ])
  })
})

// The replay's rules: test/engine/catch-up.test.ts. These are the full refetch it falls back to.
describe('gap recovery with replay off', () => {
  it('the first SUBSCRIBED catches up the queries loaded before it, once', async () => {
    const { supabase, scheduler, world, sync, kinds } = setup({ replay: false })
    world.active(['deals', 'list'])
    await settle()
    supabase.subscribeAll()
    scheduler.advance(200)
    expect(kinds()).toEqual(['channel', 'channel', 'channel', 'resync', 'invalidated'])
    const resync = sync.getEvents()[3]!
    expect(resync).toMatchObject({ kind: 'resync', first: true, fallback: 'replay-off' })
    expect(describeEvent(resync)).toMatch(
      /since the oldest loaded data .* cannot be replayed \(replay is off \(replay: false\)\)/,
    )
    expect(world.fetches(['deals', 'list'])).toBe(1)
    expect(supabase.reads).toEqual([])
  })

  it('a first SUBSCRIBED with no query loaded yet logs no resync', async () => {
    const { supabase, kinds } = setup()
    await settle()
    supabase.subscribeAll()
    expect(kinds()).toEqual(['channel', 'channel', 'channel'])
  })

  it('a SUBSCRIBED after the first is a resync: every query of the organization refetches', async () => {
    const { supabase, scheduler, world, sync, kinds } = setup({ replay: false })
    await settle()
    supabase.subscribeAll()
    world.active(['deals', 'list'])
    world.active(['contacts', 'record', 'c1'])
    expect(kinds()).not.toContain('resync')

    supabase.dropSocket()
    supabase.reconnect()
    scheduler.advance(200)
    expect(kinds().slice(-4)).toEqual(['channel', 'channel', 'resync', 'invalidated'])
    expect(world.fetches(['deals', 'list'])).toBe(1)
    expect(world.fetches(['contacts', 'record', 'c1'])).toBe(1)
    expect(sync.getChannels()[0]).toMatchObject({
      subscribedCount: 2,
      lastResyncAt: scheduler.now() - 200,
    })
    const error = sync
      .getEvents()
      .find((e): e is ChannelEvent => e.kind === 'channel' && e.channel.status === 'CHANNEL_ERROR')
    expect(error?.error).toBe('socket closed')
    expect(error?.note).toBeUndefined()
    expect(describeEvent(error!)).toBe('org:org_acme CHANNEL_ERROR: socket closed')
  })
})

describe('stop and restart (React StrictMode)', () => {
  it('a second engine started while the first is leaving waits for the leave, then subscribes', async () => {
    const supabase = new FakeSupabase()
    supabase.holdLeaves = true
    const first = setup({ supabase })
    await settle()
    supabase.subscribeAll()
    const stopped = first.sync.stop()
    const second = setup({ supabase })
    await settle()
    expect(supabase.actions.at(-1)).toBe('setAuth')

    supabase.completeLeaves()
    await stopped
    await settle()
    expect(supabase.actions.at(-1)).toBe('subscribe realtime:org:org_acme')
    supabase.subscribeAll()
    expect(second.sync.getChannels()[0]?.status).toBe('SUBSCRIBED')
    expect(second.kinds()).not.toContain('resync')
    supabase.holdLeaves = false
  })

  it('after stop, nothing more is handled or logged', async () => {
    const { supabase, sync } = setup()
    await settle()
    supabase.subscribeAll()
    const channel = supabase.channelFor('org_acme')
    await sync.stop()
    const before = sync.getEvents().length
    channel.state = 'joined'
    channel.deliver(changePayload())
    expect(sync.getEvents()).toHaveLength(before)
  })
})

describe('devtools registry', () => {
  it('registers on the page by name and unregisters on stop', async () => {
    const { sync } = setup({ name: 'crm' })
    const registry = getDevtoolsRegistry()!
    const handle = registry.engines.get(sync.id)
    expect(handle?.name).toBe('crm')
    expect(handle?.getConfig()).toEqual({
      dedupWindowMs: 2_000,
      echoWindowMs: 3_000,
      batchMs: 200,
      bufferSize: 10_000,
      writeConfirmMs: 5_000,
      dedupBy: 'event',
      batchMode: 'leading',
      recordScopes: ['record'],
    })
    await sync.stop()
    expect(registry.engines.has(sync.id)).toBe(false)
  })

  it('stays off the page with devtools: false', () => {
    const { sync } = setup({ devtools: false })
    expect(getDevtoolsRegistry()!.engines.has(sync.id)).toBe(false)
  })

  it('validates construction arguments with a clear message', () => {
    expect(() =>
      createRealtimeSync({
        supabase: {} as never,
        queryClient: createQueryWorld().queryClient,
        organizationIds: [],
      }),
    ).toThrow(/`supabase` must be a SupabaseClient/)
  })
})

describe('one facade, subscribable', () => {
  it('tells subscribers when channels or the config change, and keeps one channels array until then', async () => {
    const { supabase, sync } = setup()
    const changes: string[] = []
    const unsubscribe = sync.subscribe((change) => changes.push(change))
    await settle()
    const joining = sync.getChannels()
    expect(sync.getChannels()).toBe(joining)
    supabase.subscribeAll()
    expect(sync.getChannels()).not.toBe(joining)
    expect(sync.getChannels()[0]?.status).toBe('SUBSCRIBED')
    sync.setOption('batchMs', 50)
    sync.clear()
    expect(changes).toEqual(expect.arrayContaining(['channels', 'config', 'cleared']))
    expect(changes.filter((c) => c === 'config')).toHaveLength(1)
    unsubscribe()
    sync.setOption('batchMs', 60)
    expect(changes.filter((c) => c === 'config')).toHaveLength(1)
  })

  it('is what the registry holds, and a subscriber that throws cannot stop it', async () => {
    const host = {}
    const { supabase, sync } = setup({ devtoolsHost: host })
    expect(getDevtoolsRegistry(host)?.engines.get(sync.id)).toBe(sync)
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const unsubscribe = sync.subscribe(() => {
      throw new Error('a broken status pill')
    })
    try {
      await settle()
      supabase.subscribeAll()
      expect(sync.getChannels()[0]?.status).toBe('SUBSCRIBED')
      expect(error).toHaveBeenCalled()
    } finally {
      unsubscribe()
      error.mockRestore()
    }
  })

  it('takes its defaults and limits from the options table', () => {
    const { sync } = setup()
    expect(sync.getConfig()).toEqual({
      dedupWindowMs: TUNABLE_OPTIONS.dedupWindowMs.default,
      echoWindowMs: TUNABLE_OPTIONS.echoWindowMs.default,
      batchMs: TUNABLE_OPTIONS.batchMs.default,
      bufferSize: TUNABLE_OPTIONS.bufferSize.default,
      writeConfirmMs: TUNABLE_OPTIONS.writeConfirmMs.default,
      dedupBy: 'event',
      batchMode: 'leading',
      recordScopes: ['record'],
    })
    expect(() => sync.setOption('batchMs', TUNABLE_OPTIONS.batchMs.max + 1)).toThrow(
      /batchMs must be a whole number from 0 to 60,000 \(got 60001\)/,
    )
    expect(() => sync.setOption('bufferSize', 0)).toThrow(RangeError)
    expect(sync.setOption('bufferSize', 1).bufferSize).toBe(1)
  })
})

describe('recordScopes: which keys are single-row keys', () => {
  it("with ['detail'], a change to deal 2 refetches ['deals','detail','2'] and the lists, not deal 1's", async () => {
    const { supabase, scheduler, world, sync } = setup({ recordScopes: ['detail'] })
    await settle()
    supabase.subscribeAll()
    for (const key of [
      ['deals', 'detail', '1'],
      ['deals', 'detail', '2'],
      ['deals', 'detail', 2, 'notes'],
      ['deals', 'list', { stage: 'lead' }],
      ['deals', 'stats'],
    ]) {
      world.active(key)
    }
    supabase.channelFor('org_acme').deliver(changePayload({ record_id: '2' }))
    scheduler.advance(200)
    expect(world.fetches(['deals', 'detail', '2'])).toBe(1)
    expect(world.fetches(['deals', 'detail', 2, 'notes'])).toBe(1)
    expect(world.fetches(['deals', 'list', { stage: 'lead' }])).toBe(1)
    expect(world.fetches(['deals', 'stats'])).toBe(1)
    expect(world.fetches(['deals', 'detail', '1'])).toBe(0)
    // The Queries tab says the same, and the panel gets the scopes with the config.
    const reach = Object.fromEntries(sync.getQueries().map((q) => [q.queryHash, q.reach]))
    expect(reach['["deals","detail","1"]']).toBe('record')
    expect(reach['["deals","stats"]']).toBe('table')
    expect(sync.getConfig().recordScopes).toEqual(['detail'])
  })

  it("by default only 'record' marks a single-row key: ['deals','detail',id] refetches on every change", async () => {
    const { supabase, scheduler, world } = setup()
    await settle()
    supabase.subscribeAll()
    world.active(['deals', 'record', '1'])
    world.active(['deals', 'detail', '1'])
    supabase.channelFor('org_acme').deliver(changePayload({ record_id: '2' }))
    scheduler.advance(200)
    expect(world.fetches(['deals', 'record', '1'])).toBe(0)
    expect(world.fetches(['deals', 'detail', '1'])).toBe(1)
  })

  it('refuses a value that names no scope, or names the list scope', () => {
    for (const recordScopes of [[], [''], 'detail', [42], ['record', 'list']]) {
      expect(() => setup({ recordScopes: recordScopes as string[] })).toThrow(TypeError)
    }
    expect(() => setup({ recordScopes: [] })).toThrow(
      "createRealtimeSync: recordScopes takes 1 to 32 strings of 1 to 100 characters, not 'list', such as ['record', 'detail']",
    )
  })
})

describe("a topic the app's own hook already holds on the client", () => {
  it('is never taken: the engine says so, and joins once the app let it go', async () => {
    // The hand-written hook the engine replaces, still mounted.
    let own: ReturnType<FakeSupabase['channel']> | undefined
    const { supabase, scheduler, sync } = setup({}, (client) => {
      own = client.channel('org:org_acme').on(
        'postgres_changes',
        {
          event: 'INSERT',
          schema: 'public',
          table: 'deals',
          filter: 'organization_id=eq.org_acme',
        },
        () => {},
      )
      own.subscribe()
    })
    await settle()
    const message =
      "this supabase client already has a channel on org:org_acme that the engine did not create (the app's own realtime hook?): supabase-js would hand that channel to the engine, so it does not join. Remove the app's own subscription to org:org_acme; looking again in 1000 ms"
    const taken = { note: 'topic-taken', delayMs: 1_000 }
    expect(sync.getChannels()[0]).toMatchObject({ status: 'CHANNEL_ERROR', lastNote: taken })
    const logged = sync.getEvents().at(-1)!
    expect(logged).toMatchObject({ kind: 'channel', ...taken })
    expect(describeEvent(logged)).toBe(`org:org_acme CHANNEL_ERROR: ${message}`)
    // Nothing was added to the app's channel, and it is not removed from under the app.
    expect(own!.bindings.map((binding) => binding.filter.table)).toEqual(['deals'])
    scheduler.advance(1_000)
    expect(sync.getChannels()[0]?.lastNote).toEqual({ note: 'topic-taken', delayMs: 2_000 })
    expect(describeChannelNote(sync.getChannels()[0]!.lastNote!, 'org:org_acme')).toContain(
      'looking again in 2000 ms',
    )
    await supabase.removeChannel(own!)
    await settle()
    scheduler.advance(2_000)
    await settle()
    supabase.subscribeAll()
    await settle()
    expect(sync.getChannels()[0]).toMatchObject({ status: 'SUBSCRIBED' })
    expect(supabase.channelFor('org_acme')).not.toBe(own)
  })
})
