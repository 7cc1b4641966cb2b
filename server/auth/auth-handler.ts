import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import * as v from 'valibot'
import { BodyTooLargeError, parseJson, readBody, send, sendJson } from '../http/http-io'
import { bearerToken, requireApiKey } from './caller'
import { verifyJwt } from './jwt'
import { hashPassword, verifyPassword } from './passwords'
import type { SessionIssuer } from './sessions'
import { isUuid, type UserStore } from './user-store'

/**
 * `/auth/v1`: the part of Supabase Auth (GoTrue) that auth-js uses for email + password:
 * sign-in, refresh, the current user, sign-out. Errors carry the 2024-01-01 API version header
 * so auth-js reads their `code` (invalid_credentials, refresh_token_already_used ...).
 */

export interface AuthContext {
  users: UserStore
  sessions: SessionIssuer
  jwtSecret: string
}

const API_VERSION = { 'X-Supabase-Api-Version': '2024-01-01' }
const MAX_BODY_BYTES = 16 * 1024

const PasswordGrant = v.object({
  email: v.pipe(v.string(), v.trim(), v.minLength(3), v.maxLength(320)),
  password: v.pipe(v.string(), v.maxLength(1024)),
})
const RefreshGrant = v.object({
  refresh_token: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
})

export async function handleAuth(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  url: URL,
  context: AuthContext,
): Promise<void> {
  const caller = requireApiKey(request, response, context.jwtSecret)
  if (caller === undefined) return
  const method = request.method ?? 'GET'

  if (path === 'health' && method === 'GET') {
    return sendJson(response, 200, {
      name: 'GoTrue (local stack)',
      description: 'email + password only',
    })
  }
  if (path === 'settings' && method === 'GET') {
    return sendJson(response, 200, {
      external: { email: true, phone: false },
      disable_signup: true,
      mailer_autoconfirm: true,
    })
  }
  if (path === 'token' && method === 'POST') {
    const grant = url.searchParams.get('grant_type')
    const body = await readJson(request)
    if (body === undefined)
      return authError(
        response,
        400,
        'validation_failed',
        'Could not read the request body as JSON',
      )
    if (grant === 'password') return signIn(response, body, context)
    if (grant === 'refresh_token') return refresh(response, body, context)
    return authError(
      response,
      400,
      'unsupported_grant_type',
      `Unsupported grant type: ${grant ?? '(none)'}`,
    )
  }
  if (path === 'user' && method === 'GET') return currentUser(request, response, context)
  if (path === 'logout' && method === 'POST') return logout(request, response, url, context)
  if (path === 'admin/users' && method === 'POST') {
    if (!caller.isServiceRole()) {
      return authError(response, 403, 'not_admin', 'User not allowed')
    }
    return createUser(response, await readJson(request), context)
  }
  return authError(
    response,
    404,
    'not_found',
    `The local stack does not serve ${method} /auth/v1/${path}`,
  )
}

async function signIn(
  response: ServerResponse,
  body: unknown,
  context: AuthContext,
): Promise<void> {
  const parsed = v.safeParse(PasswordGrant, body)
  if (!parsed.success) {
    return authError(response, 400, 'validation_failed', 'Sign in with an email and a password')
  }
  const found = await context.users.findByEmail(parsed.output.email)
  // Same answer, and a hash computed either way, whether the email or the password is wrong.
  const valid = await verifyPassword(parsed.output.password, found?.passwordHash ?? DUMMY_HASH)
  if (found === undefined || !valid) {
    return authError(response, 400, 'invalid_credentials', 'Invalid login credentials')
  }
  await context.users.recordSignIn(found.user.id)
  const user = (await context.users.findById(found.user.id)) ?? found.user
  sendJson(response, 200, await context.sessions.newSession(user), API_VERSION)
}

async function refresh(
  response: ServerResponse,
  body: unknown,
  context: AuthContext,
): Promise<void> {
  const parsed = v.safeParse(RefreshGrant, body)
  if (!parsed.success) {
    return authError(response, 400, 'validation_failed', 'refresh_token is required')
  }
  const result = await context.sessions.refresh(parsed.output.refresh_token)
  if (!result.ok) {
    return result.reason === 'already_used'
      ? authError(
          response,
          400,
          'refresh_token_already_used',
          'Invalid Refresh Token: Already Used',
        )
      : authError(
          response,
          400,
          'refresh_token_not_found',
          'Invalid Refresh Token: Refresh Token Not Found',
        )
  }
  sendJson(response, 200, result.session, API_VERSION)
}

const AdminCreateUser = v.object({
  id: v.optional(v.pipe(v.string(), v.uuid('id must be a uuid'))),
  email: v.pipe(v.string(), v.trim(), v.email(), v.maxLength(320)),
  password: v.optional(v.pipe(v.string(), v.minLength(6), v.maxLength(1024))),
  user_metadata: v.optional(v.record(v.string(), v.unknown())),
  email_confirm: v.optional(v.boolean()),
})

/**
 * `POST /auth/v1/admin/users` (supabase.auth.admin.createUser, service_role only): what the
 * load generator uses to create its simulated users. Without a password the user cannot sign
 * in with one (tokens come from the dev token endpoint instead).
 */
async function createUser(
  response: ServerResponse,
  body: unknown,
  context: AuthContext,
): Promise<void> {
  const parsed = v.safeParse(AdminCreateUser, body)
  if (!parsed.success) {
    return authError(response, 400, 'validation_failed', parsed.issues[0]?.message ?? 'bad body')
  }
  const { id = randomUUID(), email, password, user_metadata } = parsed.output
  if (
    (await context.users.findByEmail(email)) !== undefined ||
    (await context.users.findById(id)) !== undefined
  ) {
    return authError(
      response,
      422,
      'email_exists',
      'A user with this email address has already been registered',
    )
  }
  await context.users.ensureUser({
    id,
    email,
    passwordHash: password === undefined ? '' : await hashPassword(password),
    userMetadata: user_metadata ?? {},
  })
  sendJson(response, 200, await context.users.findById(id), API_VERSION)
}

async function currentUser(
  request: IncomingMessage,
  response: ServerResponse,
  context: AuthContext,
): Promise<void> {
  const claims = userClaims(request, context)
  if (!claims.ok) return authError(response, 403, 'bad_jwt', claims.message)
  const user = await context.users.findById(claims.sub)
  if (user === undefined)
    return authError(response, 403, 'user_not_found', 'User from sub claim in JWT does not exist')
  sendJson(response, 200, user, API_VERSION)
}

async function logout(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  context: AuthContext,
): Promise<void> {
  const claims = userClaims(request, context)
  if (!claims.ok) return authError(response, 403, 'bad_jwt', claims.message)
  const scopeParam = url.searchParams.get('scope') ?? 'global'
  const scope = scopeParam === 'local' || scopeParam === 'others' ? scopeParam : 'global'
  await context.users.revokeSessions(claims.sub, claims.sessionId, scope)
  send(response, 204, undefined, API_VERSION)
}

type UserClaims =
  { ok: true; sub: string; sessionId: string | undefined } | { ok: false; message: string }

function userClaims(request: IncomingMessage, context: AuthContext): UserClaims {
  const token = bearerToken(request.headers)
  if (token === undefined) return { ok: false, message: 'This endpoint requires a Bearer token' }
  const verified = verifyJwt(token, context.jwtSecret)
  if (!verified.ok) return { ok: false, message: `invalid JWT: ${verified.message}` }
  if (verified.claims.role !== 'authenticated' || !isUuid(verified.claims.sub)) {
    return { ok: false, message: 'invalid JWT: not a signed-in user' }
  }
  const sessionId = verified.claims.session_id
  return {
    ok: true,
    sub: verified.claims.sub,
    sessionId: isUuid(sessionId) ? sessionId : undefined,
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  try {
    return parseJson(await readBody(request, MAX_BODY_BYTES))
  } catch (error) {
    if (error instanceof BodyTooLargeError) return undefined
    throw error
  }
}

function authError(response: ServerResponse, status: number, code: string, message: string): void {
  sendJson(response, status, { code, error_code: code, msg: message, message }, API_VERSION)
}

/** A valid hash of nothing useful, so an unknown email costs as much as a wrong password. */
const DUMMY_HASH = 'scrypt$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
