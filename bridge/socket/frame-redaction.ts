import { JWT_PATTERN, redact, redactString } from '../protocol/redact'

/**
 * What a socket frame's tokens tell a developer, without the tokens: the bridge posts a frame
 * only after this, so an access token, the apikey and any JWT inside a frame never leave the
 * page. Kept: each token's role and its expiry ("token expires in 4 min"; "channel closed 3 s
 * after the token expired").
 */
export interface TokenFacts {
  /** The `role` claim: anon, authenticated, service_role. */
  role?: string
  /** The `exp` claim, epoch seconds. */
  exp?: number
  /** The `iat` claim, epoch seconds. */
  iat?: number
}

/** At most this many tokens are described per frame (a hostile frame can hold thousands). */
const MAX_TOKENS = 8

/** The claims of a JWT worth showing, or undefined when it is not one. Never throws. */
export function tokenFacts(jwt: string): TokenFacts | undefined {
  const part = jwt.split('.')[1]
  if (part === undefined || part.length > 8_192) return undefined
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/')
    const claims: unknown = JSON.parse(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)))
    if (typeof claims !== 'object' || claims === null) return undefined
    const { role, exp, iat } = claims as Record<string, unknown>
    const facts: TokenFacts = {}
    if (typeof role === 'string' && role.length <= 64) facts.role = role
    if (typeof exp === 'number' && Number.isFinite(exp)) facts.exp = exp
    if (typeof iat === 'number' && Number.isFinite(iat)) facts.iat = iat
    return facts
  } catch {
    return undefined
  }
}

/** A deep copy of `value` with every secret redacted, and what its tokens said. */
export function redactFrame<T>(value: T): { value: T; tokens: TokenFacts[] } {
  const tokens = new Map<string, TokenFacts>()
  collectTokens(value, tokens, 0)
  return { value: redact(value), tokens: [...tokens.values()] }
}

/** The socket's URL without its apikey (or any token), and what the tokens said. */
export function redactSocketUrl(url: string): { url: string; tokens: TokenFacts[] } {
  const tokens = new Map<string, TokenFacts>()
  collectTokens(url, tokens, 0)
  let out = redactString(url)
  out = out.replace(/([?&](?:apikey|api_key|access_token|token)=)[^&#]*/gi, '$1[redacted]')
  return { url: out, tokens: [...tokens.values()] }
}

function collectTokens(value: unknown, tokens: Map<string, TokenFacts>, depth: number): void {
  if (tokens.size >= MAX_TOKENS || depth > 50) return
  if (typeof value === 'string') {
    if (value.length < 20) return
    for (const match of value.matchAll(JWT_PATTERN)) {
      if (tokens.size >= MAX_TOKENS) return
      if (tokens.has(match[0])) continue
      const facts = tokenFacts(match[0])
      if (facts !== undefined) tokens.set(match[0], facts)
    }
    return
  }
  if (typeof value !== 'object' || value === null) return
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    collectTokens(item, tokens, depth + 1)
  }
}
