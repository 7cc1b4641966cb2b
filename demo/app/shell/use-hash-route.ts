import { useSyncExternalStore } from 'react'

/**
 * A four-route hash router: enough for the demo, and no dependency. Hash routes keep the
 * `?user=` query (which user this window is) untouched while navigating.
 */
export type Route =
  | { page: 'deals' }
  | { page: 'deal'; dealId: string }
  | { page: 'contacts' }
  | { page: 'team' }
  | { page: 'not-found'; path: string }

function subscribe(onChange: () => void) {
  window.addEventListener('hashchange', onChange)
  return () => window.removeEventListener('hashchange', onChange)
}

const readHash = () => window.location.hash

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, '').replace(/\/+$/, '')
  const [first = '', second, ...rest] = path.split('/')
  if (rest.length > 0) return { page: 'not-found', path }
  if (first === '' || (first === 'deals' && second === undefined)) return { page: 'deals' }
  if (first === 'deals' && second !== undefined) {
    try {
      return { page: 'deal', dealId: decodeURIComponent(second) }
    } catch {
      return { page: 'not-found', path }
    }
  }
  if (first === 'contacts' && second === undefined) return { page: 'contacts' }
  if (first === 'team' && second === undefined) return { page: 'team' }
  return { page: 'not-found', path }
}

export function useHashRoute(): Route {
  return parseRoute(useSyncExternalStore(subscribe, readHash))
}

export const hrefs = {
  deals: '#/deals',
  deal: (dealId: string) => `#/deals/${encodeURIComponent(dealId)}`,
  contacts: '#/contacts',
  team: '#/team',
}
