import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { sendJson } from '../http/http-io'
import { type ApiRole, isApiRole } from './api-keys'
import { type JwtClaims, type JwtVerification, verifyJwt } from './jwt'

/**
 * Who a request acts as: the role and JWT claims every query of the request runs under
 * (`set local role`, `request.jwt.claims`), exactly as PostgREST applies them.
 */
export interface Caller {
  role: ApiRole
  claims: JwtClaims
  /** The token the caller presented (the API key itself when there was no Authorization). */
  token: string
}

export type CallerResult =
  | { ok: true; caller: Caller }
  | { ok: false; status: number; body: Record<string, unknown>; headers?: Record<string, string> }

/**
 * The API gateway's check (Kong, on Supabase): every request carries a valid project key in
 * `apikey`. Then PostgREST's: the bearer token, or the key itself, decides the role.
 */
export function resolveCaller(headers: IncomingHttpHeaders, secret: string): CallerResult {
  const keyCheck = checkApiKey(headers, secret)
  if (!keyCheck.ok) return keyCheck
  const apiKey = keyCheck.apiKey
  const key = keyCheck.verified

  const authorization = headerValue(headers.authorization)
  const bearer = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1]
  if (authorization !== undefined && bearer === undefined) {
    return jwtError('PGRST301', 'Authorization header is not a Bearer token')
  }
  const token = bearer ?? apiKey
  const verified = token === apiKey ? key : verifyJwt(token, secret)
  if (!verified.ok) {
    return verified.reason === 'expired'
      ? jwtError('PGRST303', 'JWT expired')
      : jwtError('PGRST301', verified.message)
  }
  if (!isApiRole(verified.claims.role)) {
    return jwtError('PGRST301', `JWT role is not allowed: ${String(verified.claims.role)}`)
  }
  return { ok: true, caller: { role: verified.claims.role, claims: verified.claims, token } }
}

export type ApiKeyCheck =
  | { ok: true; apiKey: string; verified: JwtVerification & { ok: true } }
  | { ok: false; status: number; body: Record<string, unknown> }

/** The gateway's rule: a valid anon or service_role key in the `apikey` header. */
export function checkApiKey(headers: IncomingHttpHeaders, secret: string): ApiKeyCheck {
  const apiKey = headerValue(headers.apikey)
  if (apiKey === undefined) {
    return {
      ok: false,
      status: 401,
      body: {
        message: 'No API key found in request',
        hint: 'No `apikey` request header or url param was found.',
      },
    }
  }
  const verified = verifyJwt(apiKey, secret)
  if (
    !verified.ok ||
    (verified.claims.role !== 'anon' && verified.claims.role !== 'service_role')
  ) {
    return {
      ok: false,
      status: 401,
      body: {
        message: 'Invalid API key',
        hint: 'Double check your Supabase `anon` or `service_role` API key.',
      },
    }
  }
  return { ok: true, apiKey, verified }
}

/** A request past the gateway's key check, as the handlers that answer for themselves see it. */
export interface KeyedRequest {
  /**
   * Whether the caller acts as service_role (the key in `apikey`, or a service_role bearer): what
   * admin-only endpoints (user creation, dev tokens) require, since they can impersonate anyone.
   */
  isServiceRole(): boolean
}

/**
 * The preamble of `/auth/v1` and `/dev/v1`: checkApiKey, with its 401 sent here when the key is
 * missing or invalid (then undefined: the handler has nothing left to answer).
 */
export function requireApiKey(
  request: IncomingMessage,
  response: ServerResponse,
  secret: string,
): KeyedRequest | undefined {
  const key = checkApiKey(request.headers, secret)
  if (!key.ok) {
    sendJson(response, key.status, key.body)
    return undefined
  }
  return { isServiceRole: () => isServiceRole(request.headers, key, secret) }
}

function isServiceRole(
  headers: IncomingHttpHeaders,
  key: ApiKeyCheck & { ok: true },
  secret: string,
): boolean {
  if (key.verified.claims.role === 'service_role') return true
  const bearer = bearerToken(headers)
  if (bearer === undefined) return false
  const verified = verifyJwt(bearer, secret)
  return verified.ok && verified.claims.role === 'service_role'
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  return headerValue(headers.authorization)?.match(/^Bearer\s+(\S+)\s*$/i)?.[1]
}

function jwtError(code: string, message: string): CallerResult {
  return {
    ok: false,
    status: 401,
    body: { code, details: null, hint: null, message },
    headers: {
      'WWW-Authenticate': `Bearer error="invalid_token", error_description="${message.replaceAll('"', "'")}"`,
    },
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const single = Array.isArray(value) ? value[0] : value
  return single === undefined || single.length === 0 ? undefined : single
}
