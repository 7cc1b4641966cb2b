/**
 * The secret shapes in text (bridge/protocol/redact.ts says which and why): the engine's own
 * previews of data (data-diff.ts), and through redact.ts every export (the panel's and the
 * engine's exportLog) and every frame the bridge posts, use these rules.
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

/**
 * Every string the three rules could match has one of these in it (case ignored): one test
 * passes over the ids, names and times that make up nearly all of a log.
 */
export const MAYBE_SECRET =
  /eyJ|[sr]k_|sb_|gh[a-z]_|github_pat_|xox|AKIA|key|token|secret|pass|authorization|bearer/i

/** The string with every secret-looking part replaced by "[redacted]". */
export function redactString(value: string): string {
  if (value.length < 8 || !MAYBE_SECRET.test(value)) return value
  let out = value.replace(JWT_PATTERN, REDACTED).replace(PREFIXED_KEY, REDACTED)
  out = out.replace(NAMED_SECRET, (_match, prefix: string) => `${prefix}${REDACTED}`)
  return out
}

/**
 * A URL with the values of its secret-named query and hash parameters replaced
 * (`#access_token=…&refresh_token=…` after a sign-in redirect): a refresh token is too short
 * for the other rules to catch.
 */
export function redactUrlSecrets(url: string): string {
  return url.replace(
    /([?&#])([^=&#]+)=([^&#]*)/g,
    (match, separator: string, name: string, value: string) => {
      if (value === '') return match
      let decoded = name
      try {
        decoded = decodeURIComponent(name)
      } catch {
        // Not percent-encoded as it should be: judged as written.
      }
      return isSecretKeyName(decoded) ? `${separator}${name}=${REDACTED}` : match
    },
  )
}
