import type { SupabaseClient } from '@supabase/supabase-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Stack } from '../../server/stack'
import { expectIsolated, fanOut } from './broadcast-harness'
import { closeClient, STACK_START_TIMEOUT, startTestStack } from './stack-harness'

/**
 * The fan-out isolation check of broadcast.test.ts, in the default mode: the database on
 * postgres_changes, every member subscribed as the engine subscribes (realtime_table_events,
 * INSERT, organization_id=eq.<org>), RLS checked per subscriber per change.
 */
let stack: Stack
const clients: SupabaseClient[] = []

beforeAll(async () => {
  stack = await startTestStack()
}, STACK_START_TIMEOUT)

afterAll(async () => {
  await Promise.all(clients.map(closeClient))
  await stack?.close()
})

describe('fan-out isolation, postgres_changes', () => {
  it('1,000 tracked-table writes across 5 organizations: every member gets its organizations events, no one another one', async () => {
    expect(stack.transport).toBe('postgres_changes')
    const result = await fanOut(
      stack,
      {
        transport: 'postgres_changes',
        writes: 1_000,
        orgCount: 5,
        rowsPerTransaction: 25,
        concurrency: 4,
        reassertMode: Boolean(process.env.DATABASE_URL),
      },
      clients,
    )
    // 5 solo members and the member of the first two, each on two protocol versions.
    expectIsolated(result, 2 * (1_000 + 400))
  }, 120_000)
})
