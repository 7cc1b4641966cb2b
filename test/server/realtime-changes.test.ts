import type { SupabaseClient } from '@supabase/supabase-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Stack } from '../../server/stack'
import {
  type ChangePayload,
  type ClientOptions,
  Collector,
  closeClient,
  createTestClient,
  createWorld,
  drainSocket,
  insertDeal,
  STACK_START_TIMEOUT,
  startTestStack,
  subscribe,
  type TestWorld,
} from './stack-harness'

let stack: Stack
let world: TestWorld & { org: (name: string) => string }
const clients: SupabaseClient[] = []

beforeAll(async () => {
  stack = await startTestStack()
  world = await createWorld(stack, ['a', 'b', 'filters'], {
    ann: ['a', 'filters'],
    ben: ['b'],
  })
}, STACK_START_TIMEOUT)

afterAll(async () => {
  await Promise.all(clients.map(closeClient))
  await stack?.close()
})

function client(options: ClientOptions = {}): SupabaseClient {
  const created = createTestClient(stack, options)
  clients.push(created)
  return created
}

const ISO_MS_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

describe('postgres_changes through the real supabase-js client', () => {
  it('subscribes, reports "Subscribed to PostgreSQL", and delivers INSERT / UPDATE / DELETE with typed rows', async () => {
    const ann = client({ token: world.users.ann!.token })
    await ann.realtime.setAuth()
    const changes = new Collector<ChangePayload>()
    const system = new Collector<Record<string, unknown>>()
    const org = world.org('a')
    const channel = ann
      .channel('deals-shape')
      .on(
        'postgres_changes',
        { event: '*', schema: 'public', table: 'deals', filter: `organization_id=eq.${org}` },
        changes.push,
      )
      .on('system', {}, system.push)
    await subscribe(channel)
    await system.until((items) => items.length > 0, 'the system message')
    expect(system.items[0]).toEqual({
      extension: 'postgres_changes',
      status: 'ok',
      message: 'Subscribed to PostgreSQL',
      channel: 'deals-shape',
    })

    const inserted = await ann
      .from('deals')
      .insert({ organization_id: org, title: 'Shape', stage: 'lead', value: 12.5 })
      .select()
      .single()
    expect(inserted.error).toBeNull()
    const row = inserted.data as Record<string, unknown>
    const insert = await changes.untilSome((c) => c.eventType === 'INSERT', 'the INSERT')
    expect(insert).toMatchObject({ schema: 'public', table: 'deals', errors: null, old: {} })
    expect(insert.commit_timestamp).toMatch(ISO_MS_Z)
    // The row as REST returned it: numeric is a number, timestamps are Postgres' JSON text.
    expect(insert.new).toEqual(row)
    expect(typeof insert.new.value).toBe('number')

    await ann
      .from('deals')
      .update({ stage: 'won' })
      .eq('id', row.id as string)
    const update = await changes.untilSome((c) => c.eventType === 'UPDATE', 'the UPDATE')
    // The demo schema's trigger moves updated_at to the update's time.
    expect(update.new).toEqual({ ...row, stage: 'won', updated_at: expect.any(String) })
    expect(Date.parse(update.new.updated_at as string)).toBeGreaterThanOrEqual(
      Date.parse(row.updated_at as string),
    )
    // Without REPLICA IDENTITY FULL the old row is its primary key only, as on Supabase.
    expect(update.old).toEqual({ id: row.id })

    await ann
      .from('deals')
      .delete()
      .eq('id', row.id as string)
    const deleted = await changes.untilSome((c) => c.eventType === 'DELETE', 'the DELETE')
    expect(deleted.new).toEqual({})
    expect(deleted.old).toEqual({ id: row.id })
    expect(changes.items.map((c) => c.eventType)).toEqual(['INSERT', 'UPDATE', 'DELETE'])
  })

  it('delivers a row too large for NOTIFY whole (the stack reads it back by key)', async () => {
    const ann = client({ token: world.users.ann!.token })
    await ann.realtime.setAuth()
    const org = world.org('a')
    const changes = new Collector<ChangePayload>()
    await subscribe(
      ann.channel('large-rows').on(
        'postgres_changes',
        {
          event: 'INSERT',
          schema: 'public',
          table: 'deals',
          filter: `organization_id=eq.${org}`,
        },
        changes.push,
      ),
    )
    const title = 'large '.repeat(3_000)
    const dealId = await insertDeal(stack, org, { title, value: 3 })
    const change = await changes.untilSome((c) => c.new.id === dealId, 'the large row')
    expect(change.new).toMatchObject({ id: dealId, title, value: 3, organization_id: org })
  })

  it('delivers realtime_table_events rows the way the sync engine subscribes to them', async () => {
    const ann = client({ token: world.users.ann!.token })
    await ann.realtime.setAuth()
    const events = new Collector<ChangePayload>()
    const org = world.org('a')
    await subscribe(
      ann.channel(`org:${org}`).on(
        'postgres_changes',
        {
          event: 'INSERT',
          schema: 'public',
          table: 'realtime_table_events',
          filter: `organization_id=eq.${org}`,
        },
        events.push,
      ),
    )
    const inserted = await ann
      .from('deals')
      .insert({ organization_id: org, title: 'Event shape' })
      .select('id')
      .single()
    const dealId = (inserted.data as { id: string }).id
    const event = await events.untilSome((e) => e.new.record_id === dealId, 'the event')
    expect(event.new).toMatchObject({
      organization_id: org,
      table_name: 'deals',
      event_type: 'INSERT',
      record_id: dealId,
      actor_id: world.users.ann!.id,
    })
    // int8 arrives as a number (the client converts by column type).
    expect(typeof event.new.id).toBe('number')
  })

  it('routes one message to the right callbacks by binding id when a channel has several bindings', async () => {
    const ann = client({ token: world.users.ann!.token })
    await ann.realtime.setAuth()
    const org = world.org('a')
    const inserts = new Collector<ChangePayload>()
    const updates = new Collector<ChangePayload>()
    const deletes = new Collector<ChangePayload>()
    const projects = new Collector<ChangePayload>()
    const filter = `organization_id=eq.${org}`
    await subscribe(
      ann
        .channel('several-bindings')
        .on(
          'postgres_changes',
          { event: 'INSERT', schema: 'public', table: 'deals', filter },
          inserts.push,
        )
        .on(
          'postgres_changes',
          { event: 'UPDATE', schema: 'public', table: 'deals', filter },
          updates.push,
        )
        .on(
          'postgres_changes',
          { event: 'DELETE', schema: 'public', table: 'deals', filter },
          deletes.push,
        )
        .on(
          'postgres_changes',
          { event: '*', schema: 'public', table: 'projects', filter },
          projects.push,
        ),
    )
    const dealId = await insertDeal(stack, org, { title: 'routed' })
    await stack.database.query(`update public.deals set stage = 'won' where id = $1::text::uuid`, [
      dealId,
    ])
    await stack.database.query(`delete from public.deals where id = $1::text::uuid`, [dealId])
    await stack.database.query(
      `insert into public.projects (organization_id, name) values ($1::text, 'routed project')`,
      [org],
    )
    await projects.until((items) => items.length === 1, 'the project change')
    // Same channel, one ordered stream: the deal changes were delivered before the project's.
    expect(inserts.items.map((c) => [c.eventType, c.new.id])).toEqual([['INSERT', dealId]])
    expect(updates.items.map((c) => [c.eventType, c.new.id])).toEqual([['UPDATE', dealId]])
    expect(deletes.items.map((c) => [c.eventType, c.old.id])).toEqual([['DELETE', dealId]])
    expect(projects.items.map((c) => [c.eventType, c.new.name])).toEqual([
      ['INSERT', 'routed project'],
    ])
  })

  it('applies eq, neq, lt, lte, gt, gte and in filters, and a filter that does not match delivers nothing', async () => {
    const ann = client({ token: world.users.ann!.token })
    await ann.realtime.setAuth()
    const org = world.org('filters')
    const scope = `organization_id=eq.${org}`
    const filters = {
      eq: `${scope},value=eq.10`,
      neq: `${scope},value=neq.10`,
      lt: `${scope},value=lt.20`,
      lte: `${scope},value=lte.20`,
      gt: `${scope},value=gt.20`,
      gte: `${scope},value=gte.20`,
      in: `${scope},stage=in.(won,"closed, lost")`,
      none: `${scope},title=eq.nothing has this title`,
      fence: `${scope},title=eq.fence`,
    }
    const collectors = Object.fromEntries(
      Object.keys(filters).map((name) => [name, new Collector<ChangePayload>()]),
    ) as Record<keyof typeof filters, Collector<ChangePayload>>
    let channel = ann.channel('filters')
    for (const [name, filter] of Object.entries(filters)) {
      channel = channel.on(
        'postgres_changes',
        { event: 'INSERT', schema: 'public', table: 'deals', filter },
        collectors[name as keyof typeof filters].push,
      )
    }
    await subscribe(channel)

    await insertDeal(stack, org, { title: 'ten', value: 10, stage: 'lead' })
    await insertDeal(stack, org, { title: 'twenty', value: 20, stage: 'won' })
    await insertDeal(stack, org, { title: 'thirty', value: 30, stage: 'closed, lost' })
    await insertDeal(stack, org, { title: 'five', value: 5, stage: 'lead' })
    // Delivered after everything above on this channel: once it is here, the rest has arrived.
    await insertDeal(stack, org, { title: 'fence' })
    await collectors.fence.until((items) => items.length === 1, 'the fence row')

    const titles = (name: keyof typeof filters) =>
      collectors[name].items.map((c) => c.new.title).sort()
    expect(titles('eq')).toEqual(['ten'])
    expect(titles('neq')).toEqual(['five', 'thirty', 'twenty'])
    expect(titles('lt')).toEqual(['five', 'ten'])
    expect(titles('lte')).toEqual(['five', 'ten', 'twenty'])
    expect(titles('gt')).toEqual(['thirty'])
    expect(titles('gte')).toEqual(['thirty', 'twenty'])
    expect(titles('in')).toEqual(['thirty', 'twenty'])
    expect(titles('none')).toEqual([])
  })

  it('answers a bad filter or an unknown table with a system error, and the join still succeeds', async () => {
    const ann = client({ token: world.users.ann!.token })
    await ann.realtime.setAuth()
    const cases = [
      {
        filter: 'value=foo.1',
        table: 'deals',
        message: 'Error parsing `filter` params: ["foo", "1"]',
      },
      { filter: 'id=eq.not-a-uuid', table: 'deals', message: 'invalid input syntax for type uuid' },
      { filter: 'nope=eq.1', table: 'deals', message: 'invalid column for filter nope' },
      {
        filter: 'stage=in.won',
        table: 'deals',
        message: '`in` filter value must be wrapped by parentheses',
      },
      { filter: undefined, table: 'no_such_table', message: 'Please check Realtime is enabled' },
    ]
    for (const [index, testCase] of cases.entries()) {
      const system = new Collector<Record<string, unknown>>()
      const channel = ann
        .channel(`bad-${index}`)
        .on(
          'postgres_changes',
          {
            event: '*',
            schema: 'public',
            table: testCase.table,
            ...(testCase.filter === undefined ? {} : { filter: testCase.filter }),
          },
          () => {},
        )
        .on('system', {}, system.push)
      await subscribe(channel)
      const [message] = await system.until((items) => items.length > 0, 'the system error')
      expect(message).toMatchObject({ extension: 'postgres_changes', status: 'error' })
      expect(message!.message).toContain(testCase.message)
    }
  })

  it('serves protocol vsn 1.0.0 (JSON objects) as well as 2.0.0', async () => {
    const ann = client({ token: world.users.ann!.token, vsn: '1.0.0' })
    await ann.realtime.setAuth()
    const org = world.org('a')
    const changes = new Collector<ChangePayload>()
    await subscribe(
      ann.channel('vsn-1').on(
        'postgres_changes',
        {
          event: 'INSERT',
          schema: 'public',
          table: 'deals',
          filter: `organization_id=eq.${org}`,
        },
        changes.push,
      ),
    )
    const dealId = await insertDeal(stack, org, { title: 'over vsn 1.0.0', value: 7 })
    const change = await changes.untilSome((c) => c.new.id === dealId, 'the INSERT over vsn 1.0.0')
    expect(change.new).toMatchObject({ title: 'over vsn 1.0.0', value: 7 })
  })

  it('delivers nothing to anon under RLS, and the rows a user may see once the token is updated', async () => {
    // The app's token source: the anon key until someone signs in (what supabase-js does too).
    let token = stack.anonKey
    const visitor = client({ token: () => token })
    await visitor.realtime.setAuth()
    const org = world.org('a')
    const changes = new Collector<ChangePayload>()
    await subscribe(
      visitor.channel('anon-then-user').on(
        'postgres_changes',
        {
          event: 'INSERT',
          schema: 'public',
          table: 'deals',
          filter: `organization_id=eq.${org}`,
        },
        changes.push,
      ),
    )
    await insertDeal(stack, org, { title: 'hidden from anon' })
    await stack.realtime.idle()
    await drainSocket(visitor)
    expect(changes.items).toEqual([])

    // Signed in: setAuth() sends access_token and the server re-authorizes the channel.
    token = world.users.ann!.token
    await visitor.realtime.setAuth()
    await drainSocket(visitor)
    const visibleId = await insertDeal(stack, org, { title: 'visible to ann' })
    await changes.until((items) => items.length > 0, 'the first change after the token update')
    expect(changes.items.map((c) => c.new.id)).toEqual([visibleId])
  })

  it('refuses a join with an expired token with the error reply the Realtime server sends', async () => {
    const expired = await stack.tokenFor(world.users.ann!.id, { expiresInSeconds: -30 })
    const ann = client({ token: expired })
    await ann.realtime.setAuth()
    const failure = subscribe(
      ann
        .channel('expired')
        .on('postgres_changes', { event: '*', schema: 'public', table: 'deals' }, () => {}),
    )
    await expect(failure).rejects.toThrow(
      /CHANNEL_ERROR InvalidJWTToken: Token has expired \d+ seconds ago/,
    )

    const forged = client({ token: `${world.users.ann!.token.slice(0, -4)}AAAA` })
    await forged.realtime.setAuth()
    await expect(
      subscribe(
        forged
          .channel('forged')
          .on('postgres_changes', { event: '*', schema: 'public', table: 'deals' }, () => {}),
      ),
    ).rejects.toThrow('CHANNEL_ERROR JwtSignatureError: Failed to validate JWT signature')
  })

  it('closes a channel when the client switches to an invalid token', async () => {
    let token = world.users.ann!.token
    const ann = client({ token: () => token })
    await ann.realtime.setAuth()
    const statuses = new Collector<string>()
    const system = new Collector<Record<string, unknown>>()
    const channel = ann
      .channel('bad-refresh')
      .on('postgres_changes', { event: '*', schema: 'public', table: 'deals' }, () => {})
      .on('system', {}, system.push)
    await subscribe(channel, statuses.push)
    token = `${token.slice(0, -4)}AAAA`
    await ann.realtime.setAuth()
    await statuses.until((items) => items.includes('CLOSED'), 'CLOSED')
    expect(system.items.at(-1)).toMatchObject({
      extension: 'system',
      status: 'error',
      message: 'Failed to validate JWT signature',
    })
  })

  it('closes a channel whose token expires: system error, then phx_close, and no rejoin', async () => {
    const shortLived = await stack.tokenFor(world.users.ann!.id, { expiresInSeconds: 2 })
    const ann = client({ token: shortLived })
    await ann.realtime.setAuth()
    const statuses = new Collector<string>()
    const system = new Collector<Record<string, unknown>>()
    const channel = ann
      .channel('expiring')
      .on('postgres_changes', { event: '*', schema: 'public', table: 'deals' }, () => {})
      .on('system', {}, system.push)
    await subscribe(channel, statuses.push)
    await statuses.until((items) => items.includes('CLOSED'), 'CLOSED', 8_000)
    expect(system.items.at(-1)).toMatchObject({
      extension: 'system',
      status: 'error',
      message: expect.stringMatching(/^Token has expired \d+ seconds ago$/),
      channel: 'expiring',
    })
    expect(statuses.items).toEqual(['SUBSCRIBED', 'CLOSED'])
  })

  it('rejoins after the socket drops: SUBSCRIBED again, and changes flow again', async () => {
    const ben = client({ token: world.users.ben!.token })
    await ben.realtime.setAuth()
    const org = world.org('b')
    const statuses = new Collector<string>()
    const changes = new Collector<ChangePayload>()
    await subscribe(
      ben.channel('reconnects').on(
        'postgres_changes',
        {
          event: 'INSERT',
          schema: 'public',
          table: 'deals',
          filter: `organization_id=eq.${org}`,
        },
        changes.push,
      ),
      statuses.push,
    )
    expect(stack.realtime.dropConnections()).toBeGreaterThan(0)
    await statuses.until(
      (items) => items.filter((status) => status === 'SUBSCRIBED').length === 2,
      'the second SUBSCRIBED',
    )
    expect(statuses.items).toContain('CHANNEL_ERROR')
    const dealId = await insertDeal(stack, org, { title: 'after the reconnect' })
    await changes.untilSome((c) => c.new.id === dealId, 'a change after the reconnect')
  })
})
