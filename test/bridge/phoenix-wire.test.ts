import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBinaryFrame, decodeTextFrame } from '../../wire/phoenix'

/** A kind 4 frame (server broadcast) as Realtime writes it and realtime-js reads it. */
function serverBroadcast(topic: string, event: string, payload: unknown, meta = ''): ArrayBuffer {
  const encoder = new TextEncoder()
  const parts = [topic, event, meta].map((text) => encoder.encode(text))
  const body = encoder.encode(JSON.stringify(payload))
  const header = [4, parts[0]!.length, parts[1]!.length, parts[2]!.length, 1]
  const bytes = new Uint8Array(
    header.length + parts.reduce((n, p) => n + p.length, 0) + body.length,
  )
  bytes.set(header, 0)
  let offset = header.length
  for (const part of [...parts, body]) {
    bytes.set(part, offset)
    offset += part.length
  }
  return bytes.buffer
}

describe('the Realtime wire format', () => {
  it('reads a server broadcast (binary kind 4), its JSON payload and metadata, UTF-8 included', () => {
    const frame = serverBroadcast(
      'realtime:org:ä',
      'deal-renamed',
      { title: 'Skåtes ✓' },
      '{"id":"m1"}',
    )
    expect(decodeBinaryFrame(frame)).toEqual({
      ok: true,
      binary: 'user-broadcast',
      binaryPayload: {
        encoding: 'json',
        body: new TextEncoder().encode(JSON.stringify({ title: 'Skåtes ✓' })),
      },
      message: {
        joinRef: null,
        ref: null,
        topic: 'realtime:org:ä',
        event: 'broadcast',
        payload: {
          type: 'broadcast',
          event: 'deal-renamed',
          payload: { title: 'Skåtes ✓' },
          meta: { id: 'm1' },
        },
      },
    })
  })

  it('says what is wrong with a frame it cannot read', () => {
    expect(decodeBinaryFrame(new ArrayBuffer(0))).toMatchObject({
      ok: false,
      reason: 'malformed binary frame: empty',
    })
    expect(decodeBinaryFrame(new Uint8Array([9, 1, 2]))).toMatchObject({
      reason: expect.stringMatching(/unknown kind 9/),
    })
    const cut = new Uint8Array(serverBroadcast('realtime:t', 'e', {})).subarray(0, 7)
    expect(decodeBinaryFrame(cut)).toMatchObject({
      reason: expect.stringMatching(/shorter than its header/),
    })
    expect(decodeTextFrame('2.0.0', '{"topic":"x"}')).toMatchObject({
      reason: expect.stringMatching(/expected \[join_ref/),
    })
    expect(decodeTextFrame('1.0.0', '[1,2,3,4,5]')).toMatchObject({
      reason: expect.stringMatching(/expected \{topic/),
    })
    expect(decodeTextFrame('2.0.0', '[null,"1","t","e",[]]')).toMatchObject({
      reason: 'malformed message: payload must be an object',
      topic: 't',
      ref: '1',
    })
  })

  it('never throws, whatever the bytes or the text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const decoded = decodeBinaryFrame(bytes)
        expect(typeof decoded.ok).toBe('boolean')
      }),
      { numRuns: 2_000 },
    )
    // Frames that start like real ones, so the header paths are walked, not only the kind byte.
    fc.assert(
      fc.property(fc.constantFrom(3, 4), fc.uint8Array({ maxLength: 80 }), (kind, rest) => {
        const bytes = new Uint8Array([kind, ...rest])
        expect(() => decodeBinaryFrame(bytes)).not.toThrow()
      }),
      { numRuns: 2_000 },
    )
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.json()),
        fc.constantFrom('1.0.0' as const, '2.0.0' as const),
        (text, vsn) => {
          expect(() => decodeTextFrame(vsn, text)).not.toThrow()
        },
      ),
      { numRuns: 2_000 },
    )
  })
})
