import { signJwt } from './jwt'
import type { AuthUser, UserStore } from './user-store'

/** The session auth-js stores and refreshes: what /auth/v1/token answers. */
export interface Session {
  access_token: string
  token_type: 'bearer'
  expires_in: number
  expires_at: number
  refresh_token: string
  user: AuthUser
}

export interface AccessToken {
  token: string
  expiresIn: number
  expiresAt: number
}

/**
 * Issues access tokens with the claims Supabase Auth puts in them (role authenticated, sub, exp,
 * session_id ...), signed HS256 with the project's secret, and refresh tokens to renew them.
 */
export class SessionIssuer {
  constructor(
    private readonly users: UserStore,
    private readonly secret: string,
    private readonly expirySeconds: number,
    /** `<url>/auth/v1`, the `iss` claim; known once the server listens. */
    private readonly issuer: () => string,
  ) {}

  accessToken(
    user: AuthUser,
    sessionId: string | undefined,
    expiresIn = this.expirySeconds,
  ): AccessToken {
    const iat = Math.floor(Date.now() / 1000)
    const exp = iat + expiresIn
    const token = signJwt(
      {
        aud: 'authenticated',
        exp,
        iat,
        iss: this.issuer(),
        sub: user.id,
        email: user.email,
        phone: '',
        app_metadata: user.app_metadata,
        user_metadata: user.user_metadata,
        role: 'authenticated',
        aal: 'aal1',
        amr: [{ method: sessionId === undefined ? 'dev_token' : 'password', timestamp: iat }],
        ...(sessionId === undefined ? {} : { session_id: sessionId }),
        is_anonymous: false,
      },
      this.secret,
    )
    return { token, expiresIn, expiresAt: exp }
  }

  async newSession(user: AuthUser): Promise<Session> {
    const refresh = await this.users.issueRefreshToken(user.id)
    return this.session(user, refresh.sessionId, refresh.token)
  }

  /** A new access token and refresh token for the session of `refreshToken` (rotated). */
  async refresh(
    refreshToken: string,
  ): Promise<{ ok: true; session: Session } | { ok: false; reason: 'not_found' | 'already_used' }> {
    const rotated = await this.users.rotateRefreshToken(refreshToken)
    if (!rotated.ok) return rotated
    const user = await this.users.findById(rotated.userId)
    if (user === undefined) return { ok: false, reason: 'not_found' }
    const next = await this.users.issueRefreshToken(user.id, rotated.sessionId)
    return { ok: true, session: this.session(user, rotated.sessionId, next.token) }
  }

  private session(user: AuthUser, sessionId: string, refreshToken: string): Session {
    const access = this.accessToken(user, sessionId)
    return {
      access_token: access.token,
      token_type: 'bearer',
      expires_in: access.expiresIn,
      expires_at: access.expiresAt,
      refresh_token: refreshToken,
      user,
    }
  }
}
