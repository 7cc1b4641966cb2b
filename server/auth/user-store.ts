import { randomBytes, randomUUID } from 'node:crypto'
import type { Database } from '../db/database'

/** A user as Supabase Auth returns it (GET /auth/v1/user, `session.user`). */
export interface AuthUser {
  id: string
  aud: 'authenticated'
  role: 'authenticated'
  email: string
  email_confirmed_at: string | null
  confirmed_at: string | null
  phone: string
  last_sign_in_at: string | null
  app_metadata: Record<string, unknown>
  user_metadata: Record<string, unknown>
  identities: unknown[]
  created_at: string
  updated_at: string
  is_anonymous: false
}

interface UserRow {
  user: string
  encrypted_password: string
}

/** The row read as Auth's JSON shape, built in SQL so timestamps render as Postgres does. */
const USER_JSON = `pg_catalog.json_build_object(
    'id', u.id, 'aud', 'authenticated', 'role', 'authenticated', 'email', u.email,
    'email_confirmed_at', u.email_confirmed_at, 'confirmed_at', u.email_confirmed_at,
    'phone', '', 'last_sign_in_at', u.last_sign_in_at,
    'app_metadata', u.raw_app_meta_data, 'user_metadata', u.raw_user_meta_data,
    'identities', pg_catalog.json_build_array(), 'created_at', u.created_at,
    'updated_at', u.updated_at, 'is_anonymous', false)::text`

/**
 * auth.users and auth.refresh_tokens, read and written as the database owner: the Auth
 * service is privileged, its API is what restricts callers.
 */
export class UserStore {
  constructor(private readonly db: Database) {}

  async findByEmail(email: string): Promise<{ user: AuthUser; passwordHash: string } | undefined> {
    const result = await this.db.query<UserRow>(
      `select ${USER_JSON} as user, u.encrypted_password from auth.users u
       where lower(u.email) = lower($1::text)`,
      [email],
    )
    const row = result.rows[0]
    return row === undefined
      ? undefined
      : { user: JSON.parse(row.user) as AuthUser, passwordHash: row.encrypted_password }
  }

  async findById(id: string): Promise<AuthUser | undefined> {
    if (!isUuid(id)) return undefined
    const result = await this.db.query<{ user: string }>(
      `select ${USER_JSON} as user from auth.users u where u.id = $1::text::uuid`,
      [id],
    )
    const row = result.rows[0]
    return row === undefined ? undefined : (JSON.parse(row.user) as AuthUser)
  }

  async recordSignIn(id: string): Promise<void> {
    await this.db.query('update auth.users set last_sign_in_at = now() where id = $1::text::uuid', [
      id,
    ])
  }

  /** Creates the user unless one with this id exists (seeding is idempotent). */
  async ensureUser(user: {
    id: string
    email: string
    passwordHash: string
    userMetadata?: Record<string, unknown>
  }): Promise<void> {
    await this.db.query(
      `insert into auth.users (id, email, encrypted_password, raw_user_meta_data)
       values ($1::text::uuid, $2::text, $3::text, $4::text::jsonb)
       on conflict (id) do nothing`,
      [user.id, user.email, user.passwordHash, JSON.stringify(user.userMetadata ?? {})],
    )
  }

  /** A new refresh token for the session (a new session when sessionId is undefined). */
  async issueRefreshToken(
    userId: string,
    sessionId: string = randomUUID(),
  ): Promise<{ token: string; sessionId: string }> {
    const token = randomBytes(18).toString('base64url')
    await this.db.query(
      `insert into auth.refresh_tokens (token, user_id, session_id)
       values ($1::text, $2::text::uuid, $3::text::uuid)`,
      [token, userId, sessionId],
    )
    return { token, sessionId }
  }

  /**
   * Rotation: the token is revoked and its session continues with a new one. A token used
   * twice is refused (as Supabase Auth does once its reuse interval has passed).
   */
  async rotateRefreshToken(
    token: string,
  ): Promise<
    | { ok: true; userId: string; sessionId: string }
    | { ok: false; reason: 'not_found' | 'already_used' }
  > {
    const result = await this.db.query<{
      user_id: string
      session_id: string
      was_revoked: boolean
    }>(
      `update auth.refresh_tokens r set revoked = true
       from (select token, revoked as was_revoked from auth.refresh_tokens where token = $1::text for update) old
       where r.token = old.token
       returning r.user_id::text, r.session_id::text, old.was_revoked`,
      [token],
    )
    const row = result.rows[0]
    if (row === undefined) return { ok: false, reason: 'not_found' }
    if (row.was_revoked) return { ok: false, reason: 'already_used' }
    return { ok: true, userId: row.user_id, sessionId: row.session_id }
  }

  /** Sign-out: revokes the refresh tokens of one session, of all, or of all others. */
  async revokeSessions(
    userId: string,
    sessionId: string | undefined,
    scope: 'local' | 'global' | 'others',
  ): Promise<void> {
    if (scope === 'global' || sessionId === undefined) {
      await this.db.query(
        'update auth.refresh_tokens set revoked = true where user_id = $1::text::uuid',
        [userId],
      )
    } else if (scope === 'local') {
      await this.db.query(
        'update auth.refresh_tokens set revoked = true where session_id = $1::text::uuid',
        [sessionId],
      )
    } else {
      await this.db.query(
        `update auth.refresh_tokens set revoked = true
         where user_id = $1::text::uuid and session_id <> $2::text::uuid`,
        [userId, sessionId],
      )
    }
  }
}

export function isUuid(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
  )
}
