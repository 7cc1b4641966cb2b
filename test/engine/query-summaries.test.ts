import { afterEach, describe, expect, it } from 'vitest'
import { createRealtimeSync } from '../../src/realtime-sync'
import { changePayload } from '../support/events'
import { FakeSupabase, settle } from '../support/fake-supabase'
import { ManualScheduler } from '../support/manual-scheduler'
import { createQueryWorld } from '../support/query-world'

let dispose: () => Promise<void> = async () => {}
afterEach(() => dispose())

async function setup(tables?: string[]) {
  const scheduler = new ManualScheduler()
  const supabase = new FakeSupabase()
  const world = createQueryWorld()
  const sync = createRealtimeSync({
    supabase,
    queryClient: world.queryClient,
    organizationIds: ['org_acme'],
    userId: 'user-alice',
    scheduler,
    devtoolsHost: {},
    tables,
  })
  dispose = async () => {
    await sync.stop()
    world.dispose()
  }
  await settle()
  supabase.subscribeAll()
  return { scheduler, supabase, world, sync }
}

const byKey = (summaries: { queryKey: unknown[] }[], key: unknown[]) =>
  summaries.find((s) => JSON.stringify(s.queryKey) === JSON.stringify(key))

describe('the engine’s query summaries (the Queries tab)', () => {
  it('says how realtime reaches each query, and flags the keys it never reaches', async () => {
    const { world, sync } = await setup(['deals', 'contacts', 'profiles'])
    world.active(['deals', 'list'])
    world.cached(['deals', 'record', 'd1'])
    world.cached(['profiles', 'record', 'u1'])
    world.cached(['dealList', { stage: 'won' }]) // not built with the factory
    world.cached([{ scope: 'deals' }])
    const summaries = sync.getQueries()
    expect(byKey(summaries, ['deals', 'list'])).toMatchObject({
      reach: 'table',
      table: 'deals',
      active: true,
      observers: 1,
      tableSeen: false,
    })
    expect(byKey(summaries, ['deals', 'record', 'd1'])).toMatchObject({
      reach: 'record',
      recordId: 'd1',
      active: false,
    })
    expect(byKey(summaries, ['profiles', 'record', 'u1'])).toMatchObject({ reach: 'global' })
    expect(byKey(summaries, ['dealList', { stage: 'won' }])).toMatchObject({
      reach: 'none',
      table: 'dealList',
    })
    expect(byKey(summaries, [{ scope: 'deals' }])).toMatchObject({ reach: 'none' })
  })

  it('remembers which pass last invalidated a query and its realtime refetches', async () => {
    const { world, sync, supabase, scheduler } = await setup()
    world.active(['deals', 'list'])
    supabase.channelFor('org_acme').deliver(changePayload({ record_id: 'd1' }))
    scheduler.advance(0)
    await settle()
    const pass = sync.getEvents().find((e) => e.kind === 'invalidated')!
    expect(byKey(sync.getQueries(), ['deals', 'list'])).toMatchObject({
      invalidatedBySeq: pass.seq,
      tableSeen: true,
      refetches: 1,
      lastRefetch: { outcome: 'success', dataChanged: true },
    })
  })
})
