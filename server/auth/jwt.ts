import { createHmac, timingSafeEqual } from 'node:crypto'
import { isObject } from '../../src/is-object'

/**
 * HS256 JSON Web Tokens with the project's secret, as Supabase Auth issues them and PostgREST and
 * Realtime verify them. node:crypto is all HS256 needs; only HS256 is accepted, so a token
 * cannot choose a weaker algorithm (`none`) or a different key.
 */

export interface JwtClaims {
  role: string
  exp: number
  sub?: string
  iat?: number
  [claim: string]: unknown
}

export type JwtVerification =
  | { ok: true; claims: JwtClaims }
  | {
      ok: false
      /** malformed: not a JWT; signature: not signed with our secret; expired; missing_claims: no role / exp. */
      reason: 'malformed' | 'signature' | 'expired' | 'missing_claims'
      message: string
      /** For 'expired': how long ago, in whole seconds, as Realtime reports it. */
      expiredSecondsAgo?: number
    }

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
/** Longer tokens are not ours: refuse before decoding anything. */
const MAX_TOKEN_LENGTH = 16_384

export function signJwt(claims: JwtClaims, secret: string): string {
  const body = `${HEADER}.${base64url(JSON.stringify(claims))}`
  return `${body}.${sign(body, secret)}`
}

export function verifyJwt(
  token: unknown,
  secret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): JwtVerification {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) {
    return malformed()
  }
  const parts = token.split('.')
  if (parts.length !== 3) return malformed()
  const [header, payload, signature] = parts as [string, string, string]
  const headerJson = decodeJson(header)
  const claims = decodeJson(payload)
  if (!isObject(headerJson) || !isObject(claims)) return malformed()
  if (headerJson.alg !== 'HS256') {
    return { ok: false, reason: 'signature', message: 'Failed to validate JWT signature' }
  }
  const expected = Buffer.from(sign(`${header}.${payload}`, secret))
  const actual = Buffer.from(signature)
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    return { ok: false, reason: 'signature', message: 'Failed to validate JWT signature' }
  }
  if (typeof claims.role !== 'string' || typeof claims.exp !== 'number') {
    return {
      ok: false,
      reason: 'missing_claims',
      message: 'Fields `role` and `exp` are required in JWT',
    }
  }
  if (claims.exp <= nowSeconds) {
    const ago = Math.floor(nowSeconds - claims.exp)
    return {
      ok: false,
      reason: 'expired',
      message: `Token has expired ${ago} seconds ago`,
      expiredSecondsAgo: ago,
    }
  }
  if (claims.sub !== undefined && typeof claims.sub !== 'string') return malformed()
  return { ok: true, claims: claims as JwtClaims }
}

function malformed(): JwtVerification {
  return { ok: false, reason: 'malformed', message: 'The token provided is not a valid JWT' }
}

function sign(data: string, secret: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url')
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url')
}

function decodeJson(part: string): unknown {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) return undefined
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
}
