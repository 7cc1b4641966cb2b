import { BATCH_MODES, type BatchMode } from 'realtime-sync-devtools'

/**
 * Which user a window shows lives in the URL (`?user=<email>`), so two windows can be two
 * users. The hash is the route and survives a user switch.
 */

export function userFromUrl(): string | null {
  const user = new URLSearchParams(window.location.search).get('user')?.trim()
  return user ? user : null
}

/**
 * `?batchMode=trailing` runs the engine with the trailing-only batch rule (the default is
 * 'leading'), so the two can be compared side by side; anything else is the default.
 */
export function batchModeFromUrl(): BatchMode | undefined {
  const mode = new URLSearchParams(window.location.search).get('batchMode')
  return BATCH_MODES.find((known) => known === mode)
}

/**
 * `?engine=none`: the hand-written hook instead of our engine (hand-written-realtime.tsx), to see
 * what the panel shows an app that adopted nothing.
 */
export function withoutEngine(): boolean {
  return new URLSearchParams(window.location.search).get('engine') === 'none'
}

/**
 * `?heartbeatMs=2000`: supabase-js's heartbeat interval (default 25 s), shorter so a stalled
 * heartbeat (the panel's "Stall heartbeats") ends in a heartbeat-timeout close within seconds.
 */
export function heartbeatMsFromUrl(): number | undefined {
  const value = Number(new URLSearchParams(window.location.search).get('heartbeatMs') ?? Number.NaN)
  return Number.isInteger(value) && value >= 500 && value <= 60_000 ? value : undefined
}

export function organizationFromUrl(): string | null {
  return new URLSearchParams(window.location.search).get('org')
}

/** Full navigation: a new user gets a fresh page, QueryClient and Realtime connection. */
export function openAsUser(email: string | null): void {
  window.location.assign(urlForUser(email))
}

export function urlForUser(email: string | null): string {
  const search = email === null ? '' : `?user=${encodeURIComponent(email)}`
  return `${window.location.pathname}${search}${window.location.hash}`
}

/** Remembers the picked organization across reloads without navigating. */
export function rememberOrganization(organizationId: string): void {
  const url = new URL(window.location.href)
  url.searchParams.set('org', organizationId)
  window.history.replaceState(window.history.state, '', url)
}
