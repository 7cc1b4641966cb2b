import { type JwtClaims, signJwt } from './jwt'

/**
 * The database roles a token may act as. Anything else in a token's `role` is refused: a token
 * signed with the secret but claiming `postgres` must not become a superuser session.
 */
export const API_ROLES = ['anon', 'authenticated', 'service_role'] as const
export type ApiRole = (typeof API_ROLES)[number]

export function isApiRole(role: unknown): role is ApiRole {
  return typeof role === 'string' && (API_ROLES as readonly string[]).includes(role)
}

/**
 * Supabase CLI's default JWT secret (`supabase start`), so the stack's keys are the well-known
 * local demo keys. A development secret: printed at start, overridable with --jwt-secret.
 */
export const DEV_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long'

/** Supabase refuses shorter HS256 secrets, and so do we. */
export const MIN_JWT_SECRET_LENGTH = 32

export interface ApiKeys {
  /** role anon: what an app ships in its bundle. */
  anonKey: string
  /** role service_role: bypasses RLS. Tests, scripts and the dev token endpoint only. */
  serviceRoleKey: string
}

/**
 * The same claims as the Supabase CLI's keys, with a fixed expiry, so the keys stay the same
 * across restarts (an app's .env keeps working) and equal the CLI's for the default secret.
 */
export function createApiKeys(secret: string): ApiKeys {
  const key = (role: ApiRole): string => {
    const claims: JwtClaims = { iss: 'supabase-demo', role, exp: 1_983_812_996 }
    return signJwt(claims, secret)
  }
  return { anonKey: key('anon'), serviceRoleKey: key('service_role') }
}
