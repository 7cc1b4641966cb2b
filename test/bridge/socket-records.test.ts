import { describe, expect, it } from 'vitest'
import { SocketRecorder, vsnOf } from '../../bridge/socket/socket-records'

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const TOKEN = `${base64url({ alg: 'HS256' })}.${base64url({ role: 'authenticated', exp: 1_780_000_000 })}.c2lnbmF0dXJl`
const URL_ = `wss://x.supabase.co/realtime/v1/websocket?apikey=${TOKEN}&vsn=1.0.0`

describe('socket records: what the panel gets of a frame', () => {
  it('an open, a join (vsn 1.0.0 as its URL says) and a close: decoded, tokens gone, their facts kept', () => {
    const recorder = new SocketRecorder()
    const open = recorder.record({ kind: 'open', socket: 1, at: 10, url: URL_ })
    expect(open).toEqual({
      seq: 1,
      at: 10,
      socket: 1,
      kind: 'open',
      url: 'wss://x.supabase.co/realtime/v1/websocket?apikey=[redacted]&vsn=1.0.0',
      vsn: '1.0.0',
      tokens: [{ role: 'authenticated', exp: 1_780_000_000 }],
    })
    const join = recorder.record({
      kind: 'frame',
      socket: 1,
      at: 11,
      direction: 'out',
      data: JSON.stringify({
        topic: 'realtime:org:acme',
        event: 'phx_join',
        payload: { config: { private: false }, access_token: TOKEN },
        ref: '1',
        join_ref: '1',
      }),
    })
    expect(join).toMatchObject({
      seq: 2,
      direction: 'out',
      topic: 'realtime:org:acme',
      event: 'phx_join',
      ref: '1',
      joinRef: '1',
      payload: { config: { private: false }, access_token: '[redacted]' },
      tokens: [{ role: 'authenticated', exp: 1_780_000_000 }],
    })
    expect(JSON.stringify([open, join])).not.toContain(TOKEN.split('.')[1])
    expect(
      recorder.record({ kind: 'close', socket: 1, at: 12, code: 1006, reason: '', clean: false }),
    ).toEqual({
      seq: 3,
      at: 12,
      socket: 1,
      kind: 'close',
      code: 1006,
      reason: '',
      clean: false,
    })
  })

  it('a binary broadcast and a frame it cannot read', () => {
    const recorder = new SocketRecorder()
    recorder.record({
      kind: 'open',
      socket: 2,
      at: 0,
      url: 'ws://h/realtime/v1/websocket?vsn=2.0.0',
    })
    const encoder = new TextEncoder()
    const parts = ['realtime:room', 'cursor', ''].map((t) => encoder.encode(t))
    const body = encoder.encode('{"x":1}')
    const frame = new Uint8Array([
      4,
      parts[0]!.length,
      parts[1]!.length,
      0,
      1,
      ...parts[0]!,
      ...parts[1]!,
      ...body,
    ])
    expect(
      recorder.record({ kind: 'frame', socket: 2, at: 1, direction: 'in', data: frame.buffer }),
    ).toMatchObject({
      binary: 'user-broadcast',
      topic: 'realtime:room',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'cursor', payload: { x: 1 } },
      size: frame.byteLength,
    })
    expect(
      recorder.record({
        kind: 'frame',
        socket: 2,
        at: 2,
        direction: 'in',
        data: `{"not":"an array","t":"${TOKEN}"}`,
      }),
    ).toMatchObject({
      malformed: 'malformed message: expected [join_ref, ref, topic, event, payload]',
      payload: `{"not":"an array","t":"[redacted]"}`,
    })
    expect(
      recorder.record({ kind: 'frame', socket: 2, at: 3, direction: 'in', data: { size: 12 } }),
    ).toMatchObject({
      malformed: 'a Blob frame (binaryType "blob"): not decoded',
      size: 12,
    })
  })

  it("reads a socket's serializer from its URL", () => {
    expect(vsnOf('wss://h/realtime/v1/websocket?apikey=x&vsn=1.0.0')).toBe('1.0.0')
    expect(vsnOf('wss://h/realtime/v1/websocket?vsn=2.0.0')).toBe('2.0.0')
    expect(vsnOf('wss://h/realtime/v1/websocket?apikey=x')).toBe('2.0.0')
  })

  it("never throws on the page's values: a hostile cache event costs only its record", () => {
    const recorder = new SocketRecorder()
    const hostile = {
      toString() {
        throw new Error('no')
      },
    }
    const record = recorder.record({
      kind: 'query',
      at: 5,
      client: 1,
      event: 'invalidated',
      queryHash: hostile as unknown as string,
      queryKey: ['x'],
    })
    expect(record).toMatchObject({ seq: 1, at: 5, kind: 'query', malformed: 'unreadable: no' })
    expect(recorder.record({ kind: 'error', socket: 1, at: 6 })).toEqual({
      seq: 2,
      at: 6,
      socket: 1,
      kind: 'error',
    })
  })
})
