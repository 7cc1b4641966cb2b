import type { SupabaseClient } from '@supabase/supabase-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Stack } from '../../server/stack'
import {
  type ChangePayload,
  Collector,
  closeClient,
  createTestClient,
  createWorld,
  insertDeal,
  STACK_START_TIMEOUT,
  startTestStack,
  subscribe,
  type TestWorld,
} from './stack-harness'

/**
 * Publication membership, as on Supabase: postgres_changes streams a table's changes only while
 * the table is in publication supabase_realtime. A subscription made while it was published
 * stays joined when it leaves; it just receives nothing until the table is added back.
 */

let stack: Stack
let world: TestWorld & { org: (name: string) => string }
const clients: SupabaseClient[] = []

beforeAll(async () => {
  stack = await startTestStack()
  world = await createWorld(stack, ['pub'], { ann: ['pub'] })
}, STACK_START_TIMEOUT)

afterAll(async () => {
  await Promise.all(clients.map(closeClient))
  await stack?.close()
})

describe('publication supabase_realtime decides what postgres_changes streams', () => {
  it('drop table stops deliveries of a subscribed table; add table restores them', async () => {
    const ann = createTestClient(stack, { token: world.users.ann!.token })
    clients.push(ann)
    await ann.realtime.setAuth()
    const org = world.org('pub')
    const changes = new Collector<ChangePayload>()
    const channel = ann
      .channel('deals-publication')
      .on(
        'postgres_changes',
        { event: 'INSERT', schema: 'public', table: 'deals', filter: `organization_id=eq.${org}` },
        changes.push,
      )
    await subscribe(channel)
    const titles = () => changes.items.map((change) => change.new.title)

    await insertDeal(stack, org, { title: 'published' })
    await changes.untilSome((c) => c.new.title === 'published', 'the published insert')

    await stack.database.query('alter publication supabase_realtime drop table public.deals')
    try {
      await insertDeal(stack, org, { title: 'unpublished' })
    } finally {
      await stack.database.query('alter publication supabase_realtime add table public.deals')
    }
    await insertDeal(stack, org, { title: 'published again' })
    // Changes are delivered in commit order: once the later insert arrived, the one made while
    // the table was out of the publication would have arrived before it.
    await changes.untilSome((c) => c.new.title === 'published again', 'the insert after add')
    expect(titles()).toEqual(['published', 'published again'])
  })
})
