import { createClient, type SupabaseClient } from '@supabase/supabase-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { decodeBinaryFrame, decodeTextFrame, type DecodedFrame, type Vsn } from '../../wire/phoenix'
import type { Stack } from '../../server/stack'
import {
  createWorld,
  insertDeal,
  STACK_START_TIMEOUT,
  startTestStack,
  subscribe,
  type TestWorld,
  within,
} from './stack-harness'

/**
 * The decoder against what the real supabase-js client and the stack really put on the wire:
 * every frame of a session (join, reply, system, a change, heartbeats, a new token, a broadcast
 * push, leave) is recorded in both directions, in both serializers, and read back.
 */

let stack: Stack
let world: TestWorld & { org: (name: string) => string }

beforeAll(async () => {
  stack = await startTestStack()
  world = await createWorld(stack, ['wire'], { wes: ['wire'] })
}, STACK_START_TIMEOUT)

afterAll(async () => {
  await stack?.close()
})

interface Recorded {
  direction: 'in' | 'out'
  data: string | ArrayBuffer
}

function recordingClient(vsn: Vsn, frames: Recorded[], token: () => string): SupabaseClient {
  class RecordingWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args)
      this.binaryType = 'arraybuffer'
      this.on('message', (data: Buffer | ArrayBuffer, isBinary: boolean) => {
        frames.push({ direction: 'in', data: isBinary ? (data as ArrayBuffer) : String(data) })
      })
    }
    override send(data: string | ArrayBuffer, ...rest: unknown[]): void {
      frames.push({ direction: 'out', data })
      ;(super.send as (...args: unknown[]) => void)(data, ...rest)
    }
  }
  return createClient(stack.url, stack.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: RecordingWebSocket as never, vsn },
    accessToken: async () => token(),
  })
}

function decode(vsn: Vsn, frame: Recorded): DecodedFrame {
  return typeof frame.data === 'string'
    ? decodeTextFrame(vsn, frame.data)
    : decodeBinaryFrame(frame.data)
}

describe.each(['1.0.0', '2.0.0'] as const)('frames of a real session, vsn %s', (vsn) => {
  it('every frame decodes, and says what it is', async () => {
    const org = world.org('wire')
    const frames: Recorded[] = []
    let token = world.users.wes!.token
    const client = recordingClient(vsn, frames, () => token)
    await client.realtime.setAuth()
    const changes: unknown[] = []
    const channel = client.channel(`org:${org}`).on(
      'postgres_changes',
      {
        event: 'INSERT',
        schema: 'public',
        table: 'realtime_table_events',
        filter: `organization_id=eq.${org}`,
      },
      (payload) => changes.push(payload),
    )
    await subscribe(channel)
    const dealId = await insertDeal(stack, org, { title: 'on the wire' })
    await within(10_000, 'the change', (resolve) => {
      const poll = setInterval(() => {
        if (changes.length > 0) {
          clearInterval(poll)
          resolve(undefined)
        }
      }, 10)
    })
    await client.realtime.sendHeartbeat()
    // Another expiry: a token minted in the same second with the same claims would be the same one.
    token = await stack.tokenFor(world.users.wes!.id, { expiresInSeconds: 7_200 })
    await client.realtime.setAuth()
    await channel.send({ type: 'broadcast', event: 'cursor', payload: { x: 1 } })
    await client.removeAllChannels()
    client.realtime.disconnect()

    const decoded = frames.map((frame) => ({ frame, decoded: decode(vsn, frame) }))
    expect(decoded.filter(({ decoded }) => !decoded.ok)).toEqual([])
    const messages = decoded.map(({ frame, decoded }) => ({
      direction: frame.direction,
      binary: decoded.ok ? decoded.binary : undefined,
      ...(decoded.ok ? decoded.message : ({} as never)),
    }))
    const topic = `realtime:org:${org}`
    const find = (
      direction: 'in' | 'out',
      event: string,
      test: (payload: Record<string, unknown>) => boolean = () => true,
    ) => messages.find((m) => m.direction === direction && m.event === event && test(m.payload))

    const join = find('out', 'phx_join')
    expect(join?.topic).toBe(topic)
    expect((join?.payload.config as { postgres_changes: unknown[] }).postgres_changes).toEqual([
      {
        event: 'INSERT',
        schema: 'public',
        table: 'realtime_table_events',
        filter: `organization_id=eq.${org}`,
      },
    ])
    expect(typeof join?.payload.access_token).toBe('string')
    const reply = find(
      'in',
      'phx_reply',
      (p) =>
        p.status === 'ok' &&
        typeof p.response === 'object' &&
        'postgres_changes' in (p.response as object),
    )
    expect(reply?.ref).toBe(join?.ref)
    expect(find('in', 'system')?.payload).toMatchObject({
      status: 'ok',
      message: 'Subscribed to PostgreSQL',
    })
    const change = find('in', 'postgres_changes')
    expect(change?.payload.data).toMatchObject({
      table: 'realtime_table_events',
      type: 'INSERT',
      record: { organization_id: org, table_name: 'deals', record_id: dealId },
    })
    expect(typeof (change?.payload.data as { commit_timestamp?: unknown }).commit_timestamp).toBe(
      'string',
    )
    const heartbeat = find('out', 'heartbeat')
    expect(heartbeat?.topic).toBe('phoenix')
    expect(
      messages.some(
        (m) => m.direction === 'in' && m.topic === 'phoenix' && m.ref === heartbeat?.ref,
      ),
    ).toBe(true)
    expect(find('out', 'access_token')?.payload.access_token).toBe(token)
    const push = find('out', 'broadcast')
    expect(push?.payload).toMatchObject({ type: 'broadcast', event: 'cursor', payload: { x: 1 } })
    // vsn 2.0.0 sends a broadcast push as binary (kind 3), vsn 1.0.0 as JSON.
    expect(push?.binary).toBe(vsn === '2.0.0' ? 'user-broadcast-push' : undefined)
    expect(find('out', 'phx_leave')?.topic).toBe(topic)
  })
})
