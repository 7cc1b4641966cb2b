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

// The rules and the deep copy live with the engine, which redacts its own previews (data-diff.ts)
// and its exportLog (export-log.ts): one implementation for the engine, the bridge and the panel.
import { isSecretKeyName, JWT_PATTERN, REDACTED, redactString } from '../../src/redact-text'
import { redact } from '../../src/redact'

export { isSecretKeyName, JWT_PATTERN, REDACTED, redact, redactString }
