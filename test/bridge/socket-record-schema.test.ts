import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { LIMITS, SocketRecordSchema } from '../../bridge/protocol/records'
import { SocketRecorder } from '../../bridge/socket/socket-records'

const parse = (record: unknown) => v.safeParse(SocketRecordSchema, record)

describe('SocketRecordSchema: one shape per kind', () => {
  it('accepts what the recorder makes, of every kind', () => {
    const recorder = new SocketRecorder()
    const records = [
      recorder.record({ kind: 'open', socket: 1, at: 1, url: 'wss://h/realtime/v1/websocket' }),
      recorder.record({
        kind: 'frame',
        socket: 1,
        at: 2,
        direction: 'out',
        data: '[null,"1","realtime:x","phx_join",{}]',
      }),
      recorder.record({ kind: 'frame', socket: 1, at: 3, direction: 'in', data: 'not json' }),
      recorder.record({ kind: 'close', socket: 1, at: 4, code: 1000, reason: '', clean: true }),
      recorder.record({ kind: 'error', socket: 1, at: 5 }),
      recorder.record({
        kind: 'query',
        at: 6,
        client: 1,
        event: 'invalidated',
        queryHash: '["deals"]',
        queryKey: ['deals'],
      }),
    ]
    expect(records.map((record) => record.kind)).toEqual([
      'open',
      'frame',
      'frame',
      'close',
      'error',
      'query',
    ])
    for (const record of records) expect(parse(record)).toMatchObject({ output: record })
  })

  it("requires each kind's own fields, and keeps no other kind's", () => {
    const base = { seq: 1, at: 1, socket: 1 }
    expect(parse({ ...base, kind: 'open', url: 'wss://h' }).success).toBe(false)
    expect(parse({ ...base, kind: 'frame', direction: 'in' }).success).toBe(false)
    expect(parse({ ...base, kind: 'close', code: 1000, reason: '' }).success).toBe(false)
    expect(parse({ ...base, kind: 'socket' }).success).toBe(false)
    const open = parse({ ...base, kind: 'open', url: 'wss://h', vsn: '2.0.0', code: 1000 })
    expect(open.output).toEqual({ ...base, kind: 'open', url: 'wss://h', vsn: '2.0.0' })
  })

  it("keeps records.ts's bounds", () => {
    const frame = { seq: 1, at: 1, socket: 1, kind: 'frame', direction: 'in', size: 1 }
    const topic = (length: number) => parse({ ...frame, topic: 'x'.repeat(length) }).success
    expect([topic(LIMITS.shortText), topic(LIMITS.shortText + 1)]).toEqual([true, false])
    const close = { seq: 1, at: 1, socket: 1, kind: 'close', code: 1000, clean: true }
    const reason = (length: number) => parse({ ...close, reason: 'x'.repeat(length) }).success
    expect([reason(LIMITS.longText), reason(LIMITS.longText + 1)]).toEqual([true, false])
  })
})
