import type { Socket } from 'node:net'
import type { SupabaseClient } from '@supabase/supabase-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { Stack } from '../../server/stack'
import {
  type ChangePayload,
  Collector,
  closeClient,
  createTestClient,
  createWorld,
  drainSocket,
  insertDeal,
  STACK_START_TIMEOUT,
  socketOf,
  startTestStack,
  subscribe,
  type TestWorld,
  within,
} from './stack-harness'

let stack: Stack
let world: TestWorld & { org: (name: string) => string }
const clients: SupabaseClient[] = []

beforeAll(async () => {
  // A small send queue, so that a client that stops reading is found out quickly.
  stack = await startTestStack({ realtime: { maxBufferedBytes: 64 * 1024 } })
  world = await createWorld(stack, ['a', 'slow'], { ann: ['a', 'slow'] })
}, STACK_START_TIMEOUT)

afterAll(async () => {
  await Promise.all(clients.map(closeClient))
  await stack?.close()
})

async function annWithChannel(topic: string, filter?: string) {
  const client = createTestClient(stack, { token: world.users.ann!.token })
  clients.push(client)
  await client.realtime.setAuth()
  const changes = new Collector<ChangePayload>()
  const statuses = new Collector<string>()
  const channel = client.channel(topic).on(
    'postgres_changes',
    {
      event: 'INSERT',
      schema: 'public',
      table: 'deals',
      filter: filter ?? `organization_id=eq.${world.org('a')}`,
    },
    changes.push,
  )
  await subscribe(channel, statuses.push)
  // Every frame the server sends on this client's socket, decoded (vsn 2.0.0 arrays).
  const frames = new Collector<unknown[]>()
  socketOf(client).on('message', (data, isBinary) => {
    if (!isBinary) frames.push(JSON.parse(String(data)) as unknown[])
  })
  return { client, channel, changes, statuses, frames }
}

async function tableCounts(): Promise<{ deals: number; events: number; orgs: number }> {
  const result = await stack.database.query<{ deals: number; events: number; orgs: number }>(
    `select (select count(*)::int from public.deals) as deals,
            (select count(*)::int from public.realtime_table_events) as events,
            (select count(*)::int from public.organizations) as orgs`,
  )
  return result.rows[0]!
}

const errorReply = (reason: string | RegExp) => ({
  status: 'error',
  response: { reason: typeof reason === 'string' ? reason : expect.stringMatching(reason) },
})

describe('the Realtime socket under bad input', () => {
  it('answers malformed frames, unknown events and oversized messages with error replies, and keeps serving', async () => {
    const { client, channel, changes, statuses, frames } = await annWithChannel('protocol')
    const socket = socketOf(client)
    const counts = await tableCounts()
    const cases: { frame: string | Buffer; reply: unknown[] }[] = [
      {
        frame: 'this is not json',
        reply: [null, null, 'phoenix', 'phx_reply', errorReply('malformed message: not JSON')],
      },
      {
        frame: '{"topic":"realtime:protocol"}',
        reply: [
          null,
          null,
          'phoenix',
          'phx_reply',
          errorReply(/expected \[join_ref, ref, topic, event, payload\]/),
        ],
      },
      {
        frame: '[null,"71","realtime:protocol","phx_join",null]',
        reply: [
          null,
          '71',
          'realtime:protocol',
          'phx_reply',
          errorReply('malformed message: payload must be an object'),
        ],
      },
      {
        frame: `[null,"72","${channel.topic}","no_such_event",{}]`,
        reply: [null, '72', channel.topic, 'phx_reply', errorReply('unknown event: no_such_event')],
      },
      {
        frame: '[null,"73","realtime:never-joined","access_token",{"access_token":"x"}]',
        reply: [null, '73', 'realtime:never-joined', 'phx_reply', errorReply('unmatched topic')],
      },
      {
        frame: '[null,"74","phoenix","phx_join",{}]',
        reply: [null, '74', 'phoenix', 'phx_reply', errorReply('unmatched topic')],
      },
      {
        frame: `[null,"75","realtime:x","phx_join",{"pad":"${'x'.repeat(300 * 1024)}"}]`,
        reply: [null, null, 'phoenix', 'phx_reply', errorReply(/^message too large/)],
      },
      {
        // A broadcast push (kind 3) whose header promises more than the frame holds.
        frame: Buffer.from([3, 1, 2, 3]),
        reply: [
          null,
          null,
          'phoenix',
          'phx_reply',
          errorReply('malformed binary frame: shorter than its header says'),
        ],
      },
      {
        frame: `["1","76","realtime:protocol","access_token",{"access_token":"1'; drop table deals; --"}]`,
        reply: [null, '76', 'realtime:protocol', 'phx_reply', errorReply('unmatched topic')],
      },
    ]
    for (const testCase of cases) {
      const seen = frames.items.length
      socket.send(testCase.frame)
      const [reply] = await frames
        .until(
          (items) => items.length > seen,
          `the reply to ${String(testCase.frame).slice(0, 40)}`,
        )
        .then((items) => items.slice(seen))
      expect(reply).toEqual(testCase.reply)
    }

    // The connection, the channel and the database are as they were.
    expect(await tableCounts()).toEqual(counts)
    const dealId = await insertDeal(stack, world.org('a'), { title: 'still served' })
    await changes.untilSome((c) => c.new.id === dealId, 'a change after the bad frames')
    expect(statuses.items).toEqual(['SUBSCRIBED'])
  })

  it('treats SQL in filters and binding names as plain values: nothing matches, nothing is written', async () => {
    const { client } = await annWithChannel('sql-probe', `organization_id=eq.${world.org('a')}`)
    const counts = await tableCounts()
    const sneaky = "x'; drop table public.deals; --"
    const literal = new Collector<ChangePayload>()
    const injectedIn = new Collector<ChangePayload>()
    const system = new Collector<Record<string, unknown>>()
    await subscribe(
      client
        .channel('sql-filters')
        .on(
          'postgres_changes',
          { event: 'INSERT', schema: 'public', table: 'deals', filter: `title=eq.${sneaky}` },
          literal.push,
        )
        .on(
          'postgres_changes',
          {
            event: 'INSERT',
            schema: 'public',
            table: 'deals',
            filter: `title=in.("a'),(' or 1=1 --",b)`,
          },
          injectedIn.push,
        )
        .on('system', {}, system.push),
    )
    await system.until((items) => items.length > 0, 'the subscription result')
    expect(system.items[0]).toMatchObject({ status: 'ok' })
    for (const [n, params] of [
      { table: 'deals; drop table public.deals; --' },
      { table: 'deals" where 1=1; --' },
      { schema: 'public"; drop schema public; --', table: 'deals' },
    ].entries()) {
      const errors = new Collector<Record<string, unknown>>()
      await subscribe(
        client
          .channel(`sql-names-${n}`)
          .on('postgres_changes', { event: '*', ...params } as never, () => {})
          .on('system', {}, errors.push),
      )
      const [message] = await errors.until((items) => items.length > 0, 'the system error')
      expect(message).toMatchObject({ extension: 'postgres_changes', status: 'error' })
    }
    expect(await tableCounts()).toEqual(counts)

    await insertDeal(stack, world.org('a'), { title: 'plain title' })
    const exact = await insertDeal(stack, world.org('a'), { title: sneaky })
    await literal.untilSome((c) => c.new.id === exact, 'the row whose title is the literal text')
    await stack.realtime.idle()
    await drainSocket(client)
    expect(literal.items.map((c) => c.new.title)).toEqual([sneaky])
    expect(injectedIn.items).toEqual([])
    expect((await tableCounts()).deals).toBe(counts.deals + 2)
  })

  it('echoes the bindings with numeric ids, and sends change frames with ids, columns and record', async () => {
    const { client, frames } = await annWithChannel('frames-base')
    // A join's reply echoes the bindings in order, each with a numeric id; a change message
    // carries the ids that matched, the columns and the record.
    const org = world.org('a')
    const bindings = [
      { event: 'INSERT', schema: 'public', table: 'deals', filter: `organization_id=eq.${org}` },
      { event: 'DELETE', schema: 'public', table: 'deals' },
    ] as const
    const second = client.channel('frames')
    for (const binding of bindings) second.on('postgres_changes', binding, () => {})
    await subscribe(second)
    const reply = frames.items.find(
      (frame) => frame[2] === second.topic && frame[3] === 'phx_reply',
    )!
    const echoed = (reply[4] as { response: { postgres_changes: { id: number }[] } }).response
      .postgres_changes
    expect(echoed).toEqual(bindings.map((binding) => ({ ...binding, id: expect.any(Number) })))
    expect(new Set(echoed.map((binding) => binding.id)).size).toBe(2)
    const dealId = await insertDeal(stack, org, { title: 'raw frame', value: 4 })
    const change = await frames.untilSome(
      (frame) => frame[2] === second.topic && frame[3] === 'postgres_changes',
      'the raw change frame',
    )
    expect(change).toEqual([
      null,
      null,
      second.topic,
      'postgres_changes',
      {
        ids: [echoed[0]!.id],
        data: {
          schema: 'public',
          table: 'deals',
          commit_timestamp: expect.stringMatching(/Z$/),
          type: 'INSERT',
          columns: expect.arrayContaining([
            { name: 'id', type: 'uuid' },
            { name: 'value', type: 'numeric' },
            { name: 'updated_at', type: 'timestamptz' },
          ]),
          errors: null,
          record: expect.objectContaining({ id: dealId, title: 'raw frame', value: 4 }),
        },
      },
    ])
  })

  it('replies to heartbeats, and to phx_leave with ok followed by phx_close', async () => {
    const { client, channel, frames } = await annWithChannel('leaving')
    const seen = frames.items.length
    await drainSocket(client)
    expect(frames.items.slice(seen)).toContainEqual([
      null,
      expect.any(String),
      'phoenix',
      'phx_reply',
      { status: 'ok', response: {} },
    ])

    const channelsBefore = stack.realtime.stats().channels
    expect(await client.removeChannel(channel)).toBe('ok')
    const isClose = (frame: unknown[]) => frame[2] === channel.topic && frame[3] === 'phx_close'
    await frames.untilSome(isClose, 'phx_close')
    const close = frames.items.find(isClose)!
    expect(close).toEqual([close[0], close[0], channel.topic, 'phx_close', {}])
    expect(stack.realtime.stats().channels).toBe(channelsBefore - 1)
  })

  it('refuses a socket without a valid API key or with an unknown protocol version', async () => {
    const status = (query: string) =>
      within<number>(5_000, `the upgrade answer for ${query}`, (resolve) => {
        const socket = new WebSocket(
          `${stack.url.replace('http', 'ws')}/realtime/v1/websocket?${query}`,
        )
        socket.on('unexpected-response', (_request, response) => {
          resolve(response.statusCode ?? 0)
          socket.terminate()
        })
        socket.on('open', () => {
          resolve(101)
          socket.close()
        })
        socket.on('error', () => {})
      })
    expect(await status('vsn=2.0.0')).toBe(403)
    expect(await status(`apikey=${stack.anonKey}x&vsn=2.0.0`)).toBe(403)
    expect(await status(`apikey=${stack.anonKey}&vsn=3.0.0`)).toBe(400)
    expect(await status(`apikey=${stack.anonKey}&vsn=2.0.0`)).toBe(101)
  })

  it('disconnects a client that stops reading, which then reconnects, rejoins and receives again', async () => {
    const slowOrg = world.org('slow')
    const { client, changes, statuses } = await annWithChannel(
      'slow-reader',
      `organization_id=eq.${slowOrg}`,
    )
    const tcp = (socketOf(client) as unknown as { _socket: Socket })._socket
    const dropped = new Promise<void>((resolve) => {
      const stop = stack.realtime.onSocketClosed((reason) => {
        if (reason === 'slow-consumer') {
          stop()
          resolve()
        }
      })
    })
    let isDropped = false
    void dropped.then(() => {
      isDropped = true
    })

    tcp.pause()
    const title = 'x'.repeat(4_000)
    for (let round = 0; !isDropped && round < 100; round++) {
      await stack.database.query(
        `insert into public.deals (organization_id, title) select $1::text, $2::text from generate_series(1, 200)`,
        [slowOrg, title],
      )
      await stack.realtime.idle()
    }
    expect(isDropped).toBe(true)
    expect(stack.realtime.stats().slowConsumersDropped).toBeGreaterThan(0)

    tcp.resume()
    await statuses.until(
      (items) => items.filter((status) => status === 'SUBSCRIBED').length === 2,
      'the rejoin after the disconnect',
    )
    const dealId = await insertDeal(stack, slowOrg, { title: 'after catching up' })
    await changes.untilSome((c) => c.new.id === dealId, 'a change after the rejoin')
  })
})
