import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { redactFrame, redactSocketUrl, tokenFacts } from '../../bridge/socket/frame-redaction'

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

function jwt(claims: Record<string, unknown>): string {
  return `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg`
}

const USER = jwt({ role: 'authenticated', sub: 'user-1', exp: 1_780_000_000, iat: 1_779_996_400 })
const ANON = jwt({ role: 'anon', iss: 'supabase', exp: 1_990_000_000 })

describe('socket frames leave the page without their tokens', () => {
  it('a join: access_token replaced, its role and expiry kept', () => {
    const join = {
      topic: 'realtime:org:acme',
      event: 'phx_join',
      payload: { config: { postgres_changes: [] }, access_token: USER },
    }
    const { value, tokens } = redactFrame(join)
    expect(JSON.stringify(value)).not.toContain(USER)
    expect(value.payload.access_token).toBe('[redacted]')
    expect(value.payload.config).toEqual({ postgres_changes: [] })
    expect(tokens).toEqual([{ role: 'authenticated', exp: 1_780_000_000, iat: 1_779_996_400 }])
  })

  it('a JWT anywhere in a frame, even inside a sentence, is replaced', () => {
    const { value, tokens } = redactFrame({
      payload: {
        status: 'error',
        message: `InvalidJWTToken: ${USER} has expired`,
        nested: [[{ x: ANON }]],
      },
    })
    const text = JSON.stringify(value)
    expect(text).not.toContain(USER)
    expect(text).not.toContain(ANON)
    expect(value.payload.message).toBe('InvalidJWTToken: [redacted] has expired')
    expect(tokens.map((t) => t.role)).toEqual(['authenticated', 'anon'])
  })

  it("the socket URL's apikey (a JWT or a publishable key) is replaced", () => {
    const url = `wss://x.supabase.co/realtime/v1/websocket?apikey=${ANON}&vsn=2.0.0`
    expect(redactSocketUrl(url)).toEqual({
      url: 'wss://x.supabase.co/realtime/v1/websocket?apikey=[redacted]&vsn=2.0.0',
      tokens: [{ role: 'anon', exp: 1_990_000_000 }],
    })
    expect(
      redactSocketUrl(
        'ws://127.0.0.1:54321/realtime/v1/websocket?apikey=sb_publishable_abcdefgh12345&vsn=1.0.0',
      ).url,
    ).toBe('ws://127.0.0.1:54321/realtime/v1/websocket?apikey=[redacted]&vsn=1.0.0')
  })

  it('what is not a token stays: ids, uuids, commit times', () => {
    const row = {
      id: 42,
      record_id: 'dea10000-0000-4000-8000-000000000002',
      commit_timestamp: '2026-12-02T01:00:00.000Z',
    }
    expect(redactFrame(row)).toEqual({ value: row, tokens: [] })
    expect(tokenFacts('eyJhbGciOi.not-base64!.x')).toBeUndefined()
  })

  it('no token string survives, wherever it is put in arbitrary JSON', () => {
    const token = fc.constantFrom(USER, ANON)
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 3 }),
        token,
        fc.string({ maxLength: 5 }),
        (json, secret, glue) => {
          const frame = { data: json, inside: [{ deep: `${glue}${secret}${glue}` }], [secret]: 1 }
          const { value } = redactFrame(frame)
          // Object keys are kept (they name things); values never carry the token.
          const values = JSON.stringify(value, (key, v) => (key === secret ? undefined : v))
          expect(values).not.toContain(secret)
        },
      ),
      { numRuns: 500 },
    )
  })
})
