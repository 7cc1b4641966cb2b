import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLoad } from '../../demo/load/load-runner'
import { loadDealId, loadUserId, prepareLoadWorld } from '../../demo/load/load-world'
import type { Stack } from '../../server/stack'
import { STACK_START_TIMEOUT, startTestStack } from '../server/stack-harness'

/** `npm run demo:load` against the real stack: users, their deals, and writes as each of them. */

let stack: Stack

beforeAll(async () => {
  stack = await startTestStack()
}, STACK_START_TIMEOUT)

afterAll(async () => {
  await stack?.close()
})

const prepare = () =>
  prepareLoadWorld({
    url: stack.url,
    serviceRoleKey: stack.serviceRoleKey,
    users: 3,
    organizationId: 'org_acme',
  })

describe('the load generator', () => {
  it('creates members with a deal each, once: a second run reuses them', async () => {
    const first = await prepare()
    const second = await prepare()
    expect(second.map((u) => u.id)).toEqual(first.map((u) => u.id))
    const members = await stack.database.query<{ n: number }>(
      `select count(*)::int as n from public.organization_members
       where organization_id = 'org_acme' and user_id = any($1::text[]::uuid[])`,
      [first.map((u) => u.id)],
    )
    expect(members.rows[0]!.n).toBe(3)
    const deals = await stack.database.query<{ title: string }>(
      'select title from public.deals where id = any($1::text[]::uuid[]) order by title',
      [first.map((u) => u.dealId)],
    )
    expect(deals.rows.map((r) => r.title)).toEqual(['Load deal #1', 'Load deal #2', 'Load deal #3'])
  })

  it('writes each user’s own deal through REST as that user, at most maxWrites', async () => {
    const users = await prepare()
    const run = startLoad({
      url: stack.url,
      anonKey: stack.anonKey,
      users,
      rate: 200,
      maxWrites: 9,
    })
    const result = await run.done
    expect(result).toMatchObject({ sent: 9, ok: 9, failed: 0, inFlight: 0 })
    const events = await stack.database.query<{ record_id: string; actor_id: string }>(
      `select record_id, actor_id::text from public.realtime_table_events
       where table_name = 'deals' and event_type = 'UPDATE' and record_id = any($1::text[])`,
      [users.map((u) => u.dealId)],
    )
    expect(events.rows).toHaveLength(9)
    for (let i = 1; i <= 3; i++) {
      const own = events.rows.filter((e) => e.record_id === loadDealId(i))
      expect(own).toHaveLength(3)
      expect(own.every((e) => e.actor_id === loadUserId(i))).toBe(true)
    }
  })

  it('refuses a bad user count and an unknown organization', async () => {
    await expect(
      prepareLoadWorld({
        url: stack.url,
        serviceRoleKey: stack.serviceRoleKey,
        users: 0,
        organizationId: 'org_acme',
      }),
    ).rejects.toThrow(/users must be an integer/)
    await expect(
      prepareLoadWorld({
        url: stack.url,
        serviceRoleKey: stack.serviceRoleKey,
        users: 1,
        organizationId: 'org_nowhere',
      }),
    ).rejects.toThrow(/no organization org_nowhere/)
  })
})
