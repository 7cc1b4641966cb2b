import type { ApiRole } from '../auth/api-keys'
import type { PostgresError } from '../db/database'

/** A PostgREST error response: status and the `{code, message, details, hint}` body. */
export interface RestError {
  status: number
  code: string
  message: string
  details: string | null
  hint: string | null
}

export function restError(
  status: number,
  code: string,
  message: string,
  details: string | null = null,
  hint: string | null = null,
): RestError {
  return { status, code, message, details, hint }
}

/** A request the local stack cannot parse (PostgREST's PGRST100). */
export function parseError(message: string, details: string | null = null): RestError {
  return restError(400, 'PGRST100', message, details)
}

/**
 * PostgREST's mapping of SQLSTATE to HTTP status. 42501 (insufficient privilege, including
 * "new row violates row-level security policy") is 401 for anon and 403 for a signed-in user.
 */
export function fromPostgresError(error: PostgresError, role: ApiRole): RestError {
  return restError(statusOf(error.code, role), error.code, error.message, error.detail, error.hint)
}

function statusOf(code: string, role: ApiRole): number {
  if (code === '42501') return role === 'anon' ? 401 : 403
  if (code === '23503' || code === '23505') return 409
  if (code === '42P01' || code === '42883') return 404
  if (code === '25006') return 405
  if (code === 'P0001') return 400
  if (code === '40001' || code === '40P01') return 409
  const family = code.slice(0, 2)
  if (family === '08' || family === '53') return 503
  if (family === '28' || family === '0L' || family === '0P') return 403
  if (family === '22' || family === '23' || family === '42' || family === '2F' || family === '0A') {
    return 400
  }
  return 500
}
