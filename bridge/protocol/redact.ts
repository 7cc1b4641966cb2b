/**
 * Redaction of secrets before anything leaves its context: the export of a log (a bug report),
 * and every socket frame the page bridge posts (bridge/socket/frame-redaction.ts).
 *
 * The heuristic is deliberately conservative: it must never eat the ids a bug report needs
 * (uuids, numeric ids, record ids, commit timestamps), so it only matches shapes that are
 * unambiguous secrets.
 *
 * Inside any string value, anywhere (event fields, nested payloads, the page url):
 *   1. JWTs: three base64url parts whose first starts with `eyJ` (a JSON header),
 *      e.g. Supabase access tokens and the anon / service_role keys.
 *   2. API keys with a well-known prefix: `sk_live_` / `sk_test_` / `rk_live_` / `rk_test_`
 *      (Stripe-style), `sb_secret_` / `sb_publishable_` (Supabase), `ghp_` / `gho_` / `ghs_` /
 *      `github_pat_` (GitHub), `xoxb-` / `xoxp-` (Slack), `AKIA` + 16 (AWS access key id).
 *   3. A long opaque value (≥ 32 base64/hex characters) right after a typical key name:
 *      `apikey=…`, `api_key: …`, `token=…`, `secret=…`, `password=…`, `Bearer …`.
 * Only the secret part of the string is replaced; a string that is nothing but a secret becomes
 * exactly "[redacted]".
 *
 * Object keys named like credentials (access_token, refresh_token, id_token, provider_token,
 * apikey, api_key, authorization, password, secret, client_secret, service_role_key, …; case,
 * `-` and `_` ignored) have their whole value replaced, whatever its type (null stays null).
 *
 * Object keys are redacted as strings are (a key that is itself a token is replaced; a key that
 * names a field stays as it is).
 *
 * Not redacted: uuids (36 chars with dashes), 32-hex ids without a key name before them, emails.
 */

export const REDACTED = '[redacted]'

export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g
const PREFIXED_KEY =
  /\b(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}|sb_(?:secret|publishable)_[A-Za-z0-9_-]{8,}|(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[bpas]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})/g
const NAMED_SECRET =
  /((?:api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|token|secret|password|passwd|authorization|bearer)["']?\s*(?:[:=]|\s)\s*["']?)([A-Za-z0-9+/_.=-]{32,})/gi

const SECRET_KEY_NAMES = new Set([
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'providertoken',
  'providerrefreshtoken',
  'sessiontoken',
  'authtoken',
  'bearertoken',
  'token',
  'apikey',
  'xapikey',
  'authorization',
  'proxyauthorization',
  'password',
  'passwd',
  'secret',
  'clientsecret',
  'servicerolekey',
  'anonkey',
  'privatekey',
  'cookie',
  'setcookie',
])

export function isSecretKeyName(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[-_\s]/g, '')
  return (
    SECRET_KEY_NAMES.has(normalized) ||
    normalized.includes('password') ||
    normalized.endsWith('secret')
  )
}

/** The string with every secret-looking part replaced by "[redacted]". */
export function redactString(value: string): string {
  if (value.length < 8) return value
  let out = value.replace(JWT_PATTERN, REDACTED).replace(PREFIXED_KEY, REDACTED)
  out = out.replace(NAMED_SECRET, (_match, prefix: string) => `${prefix}${REDACTED}`)
  return out
}

/** A deep copy of `value` with secrets redacted (see the module comment). Never mutates. */
export function redact<T>(value: T): T {
  return redactValue(value, 0) as T
}

const MAX_DEPTH = 200

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactString(value)
  if (typeof value !== 'object' || value === null) return value
  if (depth > MAX_DEPTH) return REDACTED
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    const redacted =
      isSecretKeyName(key) && item !== null && item !== undefined
        ? REDACTED
        : redactValue(item, depth + 1)
    // defineProperty: a JSON key such as "__proto__" stays data, never a prototype.
    Object.defineProperty(out, redactString(key), {
      value: redacted,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out
}
