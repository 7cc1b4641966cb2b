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

// The string rules live with the engine, which redacts its own previews (data-diff.ts).
import { isSecretKeyName, JWT_PATTERN, REDACTED, redactString } from '../../src/redact-text'

export { isSecretKeyName, JWT_PATTERN, REDACTED, redactString }

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
