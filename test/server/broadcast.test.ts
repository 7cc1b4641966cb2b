import type { SupabaseClient } from '@supabase/supabase-js'
import Serializer from '@supabase/realtime-js/dist/main/lib/serializer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeBinaryFrame, encodeUserBroadcast } from '../../wire/phoenix'
import type { Stack } from '../../server/stack'
import {
  type BroadcastMessage,
  expectIsolated,
  fanOut,
  joinPrivate,
  send,
} from './broadcast-harness'
import {
  type ClientOptions,
  Collector,
  closeClient,
  createTestClient,
  createWorld,
  drainSocket,
  STACK_START_TIMEOUT,
  socketOf,
  startTestStack,
  subscribe,
  type TestWorld,
} from './stack-harness'

let stack: Stack
let world: TestWorld & { org: (name: string) => string }
const clients: SupabaseClient[] = []

beforeAll(async () => {
  stack = await startTestStack({ transport: 'broadcast' })
  world = await createWorld(stack, ['a', 'b'], { ann: ['a'], ben: ['b'], cat: ['a', 'b'] })
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Every frame the server sends on the client's current socket: text parsed, binary as bytes. */
function tap(supabase: SupabaseClient): Collector<{ binary: Uint8Array } | { text: unknown }> {
  const frames = new Collector<{ binary: Uint8Array } | { text: unknown }>()
  socketOf(supabase).on('message', (data: ArrayBuffer | Buffer, isBinary: boolean) => {
    if (isBinary) {
      frames.push({ binary: data instanceof ArrayBuffer ? new Uint8Array(data) : data })
    } else {
      frames.push({ text: JSON.parse(String(data)) })
    }
  })
  return frames
}

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}

/** A refused subscribe: the CHANNEL_ERROR's message (the server's reason). */
async function refusal(channel: ReturnType<SupabaseClient['channel']>): Promise<string> {
  const error = await subscribe(channel).then(
    () => undefined,
    (rejected: Error) => rejected.message,
  )
  expect(error).toBeDefined()
  return error!
}

describe('the binary user broadcast, against realtime-js', () => {
  it('is read by realtime-js as the server sends it (kind 4), multi-byte text included', () => {
    const frame = encodeUserBroadcast(
      'realtime:org:ü',
      'INSERT ✓',
      '{"id":"7"}',
      'json',
      new TextEncoder().encode('{"a":"é","n":1}'),
    )!
    expect(frame[0]).toBe(4)
    let decoded: unknown
    new Serializer().decode(arrayBufferOf(frame), (message: unknown) => (decoded = message))
    expect(decoded).toEqual({
      join_ref: null,
      ref: null,
      topic: 'realtime:org:ü',
      event: 'broadcast',
      payload: {
        type: 'broadcast',
        event: 'INSERT ✓',
        payload: { a: 'é', n: 1 },
        meta: { id: '7' },
      },
    })
  })

  it('has no meta without metadata, and is refused when a header field exceeds 255 bytes', () => {
    const frame = encodeUserBroadcast('realtime:x', 'e', null, 'json', new Uint8Array([123, 125]))!
    let decoded: { payload?: Record<string, unknown> } = {}
    new Serializer().decode(arrayBufferOf(frame), (message: typeof decoded) => (decoded = message))
    expect(decoded.payload).toEqual({ type: 'broadcast', event: 'e', payload: {} })
    expect(encodeUserBroadcast('realtime:x', 'é'.repeat(128), null, 'json', frame)).toBeUndefined()
  })

  it("takes a client push's payload bytes from behind realtime-js's header (kind 3)", () => {
    let encoded: ArrayBuffer | undefined
    new Serializer().encode(
      {
        join_ref: '1',
        ref: '22',
        topic: 'realtime:ü',
        event: 'broadcast',
        payload: { type: 'broadcast', event: 'cursor', payload: { x: 'ß' }, persist: true },
      },
      (result: ArrayBuffer | string) => (encoded = result as ArrayBuffer),
    )
    const decoded = decodeBinaryFrame(new Uint8Array(encoded!))
    if (!decoded.ok) throw new Error(decoded.reason)
    expect(decoded.binary).toBe('user-broadcast-push')
    const { encoding, body } = decoded.binaryPayload!
    expect(encoding).toBe('json')
    expect(JSON.parse(new TextDecoder().decode(body))).toEqual({ x: 'ß' })
  })
})

describe('Broadcast from Database (realtime.send) on private channels', () => {
  it.each(['1.0.0', '2.0.0'] as const)(
    'delivers realtime.send to the members of the organization on vsn %s, in the shape hosted Supabase sends',
    async (vsn) => {
      const ann = client({ token: world.users.ann!.token, vsn })
      const topic = `org:${world.org('a')}`
      const received = new Collector<BroadcastMessage>()
      await joinPrivate(ann, topic, received)
      const frames = tap(ann)
      await send(stack, topic, 'INSERT', { id: 41, organization_id: world.org('a'), vsn })
      const message = await received.untilSome((m) => m.payload.vsn === vsn, 'the broadcast')
      expect(message).toEqual({
        event: 'INSERT',
        type: 'broadcast',
        payload: { id: 41, organization_id: world.org('a'), vsn },
        meta: { id: expect.stringMatching(UUID) },
      })
      const row = await stack.database.query<{ id: string }>(
        `select id::text from realtime.messages where topic = $1::text and event = 'INSERT'
         order by inserted_at desc limit 1`,
        [topic],
      )
      expect(message.meta?.id).toBe(row.rows[0]!.id)

      // On the wire: vsn 2.0.0 a binary frame of kind 4, vsn 1.0.0 a JSON text frame.
      const frame = await frames.untilSome(() => true, 'the frame')
      if (vsn === '2.0.0') {
        expect('binary' in frame && frame.binary[0]).toBe(4)
      } else {
        expect(frame).toEqual({
          text: {
            topic: `realtime:${topic}`,
            event: 'broadcast',
            payload: message,
            ref: null,
            join_ref: null,
          },
        })
      }
    },
  )

  it('delivers a payload too large for NOTIFY whole (read back by id)', async () => {
    const ann = client({ token: world.users.ann!.token })
    const topic = `org:${world.org('a')}`
    const received = new Collector<BroadcastMessage>()
    await joinPrivate(ann, topic, received)
    const text = 'large '.repeat(3_000)
    await send(stack, topic, 'UPDATE', { text })
    await send(stack, topic, 'UPDATE', { after: true })
    await received.until((items) => items.length === 2, 'both broadcasts')
    // In commit order: the read-back does not let the later, small one overtake it.
    expect(received.items.map((m) => m.payload)).toEqual([
      { text, id: expect.stringMatching(UUID) },
      { after: true, id: expect.stringMatching(UUID) },
    ])
  })

  it("refuses a non-member's private join with Supabase's reason", async () => {
    const ben = client({ token: world.users.ben!.token })
    await ben.realtime.setAuth()
    const topic = `org:${world.org('a')}`
    const channel = ben.channel(topic, { config: { private: true } })
    expect(await refusal(channel)).toBe(
      `realtime:${topic}: CHANNEL_ERROR Unauthorized: You do not have permissions to read from this Channel topic: ${topic}`,
    )
    await ben.removeChannel(channel)
  })

  it('refuses anon on an org topic, and every role on a topic no policy admits', async () => {
    const anon = client()
    const topic = `org:${world.org('a')}`
    const channel = anon.channel(topic, { config: { private: true } })
    expect(await refusal(channel)).toMatch(
      /CHANNEL_ERROR Unauthorized: You do not have permissions to read from this Channel topic: org:/,
    )
    await anon.removeChannel(channel)

    const ann = client({ token: world.users.ann!.token })
    await ann.realtime.setAuth()
    const other = ann.channel('room:no-policy', { config: { private: true } })
    expect(await refusal(other)).toMatch(/Channel topic: room:no-policy$/)
    await ann.removeChannel(other)
  })

  it('sends private = false to public channels of the topic only, and private = true to private ones only', async () => {
    const topic = `org:${world.org('b')}`
    const publicReceived = new Collector<BroadcastMessage>()
    const privateReceived = new Collector<BroadcastMessage>()
    const onPublic = client({ token: world.users.ben!.token })
    await onPublic.realtime.setAuth()
    await subscribe(
      onPublic
        .channel(topic)
        .on('broadcast', { event: '*' }, (m) => publicReceived.push(m as never)),
    )
    const onPrivate = client({ token: world.users.ben!.token, vsn: '1.0.0' })
    await joinPrivate(onPrivate, topic, privateReceived)

    await send(stack, topic, 'to-public', { n: 1 }, false)
    await send(stack, topic, 'to-private', { n: 2 }, true)
    await publicReceived.untilSome((m) => m.event === 'to-public', 'the public broadcast')
    await privateReceived.untilSome((m) => m.event === 'to-private', 'the private broadcast')
    await stack.realtime.idle()
    await Promise.all([drainSocket(onPublic), drainSocket(onPrivate)])
    expect(publicReceived.items.map((m) => m.event)).toEqual(['to-public'])
    expect(privateReceived.items.map((m) => m.event)).toEqual(['to-private'])
  })

  it('closes a private channel whose new token may no longer read: system error, phx_close, no rejoin', async () => {
    let token = world.users.cat!.token
    const cat = client({ token: () => token })
    const topic = `org:${world.org('a')}`
    const statuses = new Collector<string>()
    const system = new Collector<Record<string, unknown>>()
    const received = new Collector<BroadcastMessage>()
    await cat.realtime.setAuth()
    const channel = cat
      .channel(topic, { config: { private: true } })
      .on('broadcast', { event: '*' }, (m) => received.push(m as BroadcastMessage))
      .on('system', {}, system.push)
    await subscribe(channel, statuses.push)

    // Still a member under a new token: the channel stays.
    token = await stack.tokenFor(world.users.cat!.id, { expiresInSeconds: 7_000 })
    await cat.realtime.setAuth()
    await send(stack, topic, 'still', {})
    await received.untilSome((m) => m.event === 'still', 'a broadcast after the new token')

    // Another user's token, not a member of org a.
    token = world.users.ben!.token
    await cat.realtime.setAuth()
    await statuses.until((items) => items.includes('CLOSED'), 'CLOSED')
    expect(system.items.at(-1)).toEqual({
      extension: 'system',
      status: 'error',
      message: `You no longer have permission to read from this Channel topic: ${topic}`,
      channel: topic,
    })
    expect(statuses.items).toEqual(['SUBSCRIBED', 'CLOSED'])
  })

  it('serves service_role (it bypasses RLS): it reads org topics and may send on them', async () => {
    const topic = `org:${world.org('a')}`
    const service = client({ token: stack.serviceRoleKey })
    const serviceReceived = new Collector<BroadcastMessage>()
    const channel = await joinPrivate(service, topic, serviceReceived)
    const ann = client({ token: world.users.ann!.token })
    const annReceived = new Collector<BroadcastMessage>()
    await joinPrivate(ann, topic, annReceived)

    await send(stack, topic, 'from-db', { n: 1 })
    await serviceReceived.untilSome((m) => m.event === 'from-db', 'the database broadcast')
    expect(
      await channel.send({ type: 'broadcast', event: 'from-service', payload: { n: 2 } }),
    ).toBe('ok')
    const relayed = await annReceived.untilSome((m) => m.event === 'from-service', 'the relay')
    expect(relayed).toEqual({ type: 'broadcast', event: 'from-service', payload: { n: 2 } })
  })
})

describe('client broadcasts', () => {
  async function pair(
    name: string,
    config: { self: boolean; ack: boolean },
    vsn: { sender: '1.0.0' | '2.0.0'; receiver: '1.0.0' | '2.0.0' },
  ) {
    const sender = client({ token: world.users.ann!.token, vsn: vsn.sender })
    const receiver = client({ token: world.users.ben!.token, vsn: vsn.receiver })
    const senderReceived = new Collector<BroadcastMessage>()
    const receiverReceived = new Collector<BroadcastMessage>()
    const senderChannel = sender
      .channel(name, { config: { broadcast: config } })
      .on('broadcast', { event: 'ping' }, (m) => senderReceived.push(m as BroadcastMessage))
    await subscribe(senderChannel)
    await subscribe(
      receiver
        .channel(name)
        .on('broadcast', { event: 'ping' }, (m) => receiverReceived.push(m as BroadcastMessage)),
    )
    return { sender, senderChannel, senderReceived, receiver, receiverReceived }
  }

  it.each([
    { sender: '2.0.0', receiver: '2.0.0' },
    { sender: '2.0.0', receiver: '1.0.0' },
    { sender: '1.0.0', receiver: '2.0.0' },
    { sender: '1.0.0', receiver: '1.0.0' },
  ] as const)(
    'relays a push with ack (send() resolves ok) to the other channels, not to the sender without self ($sender → $receiver)',
    async (vsn) => {
      const name = `room-ack-${vsn.sender}-${vsn.receiver}`
      const { sender, senderChannel, senderReceived, receiverReceived } = await pair(
        name,
        { self: false, ack: true },
        vsn,
      )
      const frames = tap(sender)
      expect(
        await senderChannel.send({ type: 'broadcast', event: 'ping', payload: { n: 'é' } }),
      ).toBe('ok')
      const message = await receiverReceived.untilSome(() => true, 'the relayed broadcast')
      expect(message).toEqual({ type: 'broadcast', event: 'ping', payload: { n: 'é' } })
      // The ack is the server's phx_reply ok to the push.
      expect(frames.items).toContainEqual({
        text:
          vsn.sender === '2.0.0'
            ? [
                expect.any(String),
                expect.any(String),
                `realtime:${name}`,
                'phx_reply',
                { status: 'ok', response: {} },
              ]
            : expect.objectContaining({
                event: 'phx_reply',
                payload: { status: 'ok', response: {} },
              }),
      })
      await drainSocket(sender)
      expect(senderReceived.items).toEqual([])
    },
  )

  it('delivers the push to the sender too with self, and sends no reply without ack', async () => {
    const { sender, senderChannel, senderReceived, receiverReceived } = await pair(
      'room-self',
      { self: true, ack: false },
      { sender: '2.0.0', receiver: '2.0.0' },
    )
    const frames = tap(sender)
    expect(await senderChannel.send({ type: 'broadcast', event: 'ping', payload: { n: 1 } })).toBe(
      'ok',
    )
    await senderReceived.untilSome(() => true, 'its own broadcast')
    await receiverReceived.untilSome(() => true, 'the relayed broadcast')
    await drainSocket(sender)
    // Replies on the channel's topic (heartbeats are answered on "phoenix"): none.
    const replies = frames.items.filter(
      (frame) =>
        'text' in frame &&
        Array.isArray(frame.text) &&
        frame.text[2] === 'realtime:room-self' &&
        frame.text[3] === 'phx_reply',
    )
    expect(replies).toEqual([])
  })

  it('does not relay a push on a private channel without write permission; with ack it says why', async () => {
    const topic = `org:${world.org('a')}`
    const ann = client({ token: world.users.ann!.token })
    await ann.realtime.setAuth()
    const channel = ann.channel(topic, { config: { private: true, broadcast: { ack: true } } })
    await subscribe(channel)
    const cat = client({ token: world.users.cat!.token })
    const catReceived = new Collector<BroadcastMessage>()
    await joinPrivate(cat, topic, catReceived)
    const frames = tap(ann)

    expect(await channel.send({ type: 'broadcast', event: 'nope', payload: {} })).toBe('error')
    expect(frames.items).toContainEqual({
      text: [
        expect.any(String),
        expect.any(String),
        `realtime:${topic}`,
        'phx_reply',
        {
          status: 'error',
          response: {
            reason: `Unauthorized: You do not have permissions to write to this Channel topic: ${topic}`,
          },
        },
      ],
    })
    await drainSocket(cat)
    expect(catReceived.items).toEqual([])
  })

  it('answers malformed broadcast pushes, binary frames it does not read, and presence with error replies', async () => {
    const ann = client({ token: world.users.ann!.token })
    await ann.realtime.setAuth()
    const channel = ann.channel('room-bad-input')
    await subscribe(channel)
    const frames = tap(ann)
    const socket = socketOf(ann)
    const reply = async (frame: string | Uint8Array) => {
      const seen = frames.items.length
      socket.send(frame)
      const items = await frames.until((all) => all.length > seen, 'the reply')
      return items[seen]
    }
    const errorReply = (ref: string | null, topic: string, reason: string) => ({
      text: [null, ref, topic, 'phx_reply', { status: 'error', response: { reason } }],
    })

    expect(await reply(`[null,"81","${channel.topic}","broadcast",{"type":"broadcast"}]`)).toEqual(
      errorReply(
        '81',
        channel.topic,
        'malformed broadcast: payload.event must be a non-empty string',
      ),
    )
    expect(await reply(`[null,"82","${channel.topic}","presence",{"event":"track"}]`)).toEqual(
      errorReply(
        '82',
        channel.topic,
        'presence is not served by the local stack (postgres_changes and broadcast only)',
      ),
    )
    const serverKind = encodeUserBroadcast(
      channel.topic,
      'e',
      null,
      'json',
      new Uint8Array([123, 125]),
    )!
    expect(await reply(serverKind)).toEqual(
      errorReply(
        null,
        channel.topic,
        'a client sends binary frames of kind 3 (broadcast push) only',
      ),
    )
    expect(await reply(new Uint8Array([3, 1, 2, 3]))).toEqual(
      errorReply(null, 'phoenix', 'malformed binary frame: shorter than its header says'),
    )

    const v1 = client({ token: world.users.ann!.token, vsn: '1.0.0' })
    await v1.realtime.setAuth()
    await subscribe(v1.channel('room-bad-input-v1'))
    const v1Frames = tap(v1)
    socketOf(v1).send(new Uint8Array([3, 0, 0, 0, 0, 0, 1]))
    expect(await v1Frames.untilSome(() => true, 'the reply')).toEqual({
      text: {
        topic: 'phoenix',
        event: 'phx_reply',
        payload: { status: 'error', response: { reason: 'binary frames need vsn 2.0.0' } },
        ref: null,
        join_ref: null,
      },
    })
  })

  it('refuses broadcast replay (not served) instead of joining without it', async () => {
    // realtime-js itself refuses replay on a public channel; the server says so for those too.
    const ann = client({ token: world.users.ann!.token })
    await ann.realtime.setAuth()
    const channel = ann.channel(`org:${world.org('a')}`, {
      config: { private: true, broadcast: { replay: { since: 0, limit: 10 } } },
    })
    expect(await refusal(channel)).toMatch(
      /CHANNEL_ERROR UnableToReplayMessages: replay is not served by the local stack$/,
    )
    await ann.removeChannel(channel)
  })
})

describe('fan-out isolation', () => {
  it('1,000 tracked-table writes across 5 organizations in broadcast mode: every member gets its organizations events, no one another one', async () => {
    expect(stack.transport).toBe('broadcast')
    const result = await fanOut(
      stack,
      {
        transport: 'broadcast',
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
