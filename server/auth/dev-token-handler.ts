import type { IncomingMessage, ServerResponse } from 'node:http'
import * as v from 'valibot'
import { BodyTooLargeError, parseJson, readBody, sendJson } from '../http/http-io'
import { requireApiKey } from './caller'
import type { AccessToken, SessionIssuer } from './sessions'
import type { AuthUser, UserStore } from './user-store'

/**
 * `POST /dev/v1/token {"email": "alice@acme.test"}` (or `"user_id"`, optional `"expires_in"`
 * seconds, negative for an already expired token): an access token for any existing user without
 * their password, for tests and load generators. Development only, and only with the
 * service_role key (in `apikey` or as the bearer), since it can impersonate anyone.
 */

export interface DevTokenContext {
  users: UserStore
  sessions: SessionIssuer
  jwtSecret: string
}

export const DevTokenRequest = v.pipe(
  v.object({
    email: v.optional(v.pipe(v.string(), v.maxLength(320))),
    user_id: v.optional(v.pipe(v.string(), v.uuid('user_id must be a uuid'))),
    expires_in: v.optional(
      v.pipe(v.number(), v.integer(), v.minValue(-86_400), v.maxValue(31_536_000)),
    ),
  }),
  v.check(
    (body) => (body.email === undefined) !== (body.user_id === undefined),
    'give email or user_id',
  ),
)

export async function handleDevToken(
  request: IncomingMessage,
  response: ServerResponse,
  context: DevTokenContext,
): Promise<void> {
  const caller = requireApiKey(request, response, context.jwtSecret)
  if (caller === undefined) return
  if (!caller.isServiceRole()) {
    return sendJson(response, 403, { message: 'The dev token endpoint needs the service_role key' })
  }
  if (request.method !== 'POST') return sendJson(response, 405, { message: 'Use POST' })

  let body: unknown
  try {
    body = parseJson(await readBody(request, 4096))
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      return sendJson(response, 413, { message: error.message })
    throw error
  }
  const parsed = v.safeParse(DevTokenRequest, body)
  if (!parsed.success) {
    return sendJson(response, 400, {
      message: `Expected {"email": string} or {"user_id": uuid}, optional "expires_in": ${parsed.issues[0]?.message ?? ''}`,
    })
  }
  const user = await findUser(context.users, parsed.output)
  if (user === undefined) return sendJson(response, 404, { message: 'No such user' })
  const access = context.sessions.accessToken(user, undefined, parsed.output.expires_in)
  sendJson(response, 200, devTokenResponse(access, user))
}

export function findUser(
  users: UserStore,
  who: { email?: string | undefined; user_id?: string | undefined },
): Promise<AuthUser | undefined> {
  if (who.user_id !== undefined) return users.findById(who.user_id)
  return users.findByEmail(who.email ?? '').then((found) => found?.user)
}

function devTokenResponse(access: AccessToken, user: AuthUser) {
  return {
    access_token: access.token,
    token_type: 'bearer',
    expires_in: access.expiresIn,
    expires_at: access.expiresAt,
    user,
  }
}
