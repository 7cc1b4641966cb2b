import { QueryClient, QueryObserver } from '@tanstack/query-core'
import { describe, expect, it } from 'vitest'
import {
  type CacheRecord,
  installQueryClientDiscovery,
  QueryCacheTap,
  TANSTACK_CLIENT_GLOBAL,
} from '../../bridge/query-cache-tap'
import { TapRing } from '../../bridge/socket/socket-tap'
import { registerQueryClient } from '../../src/register-query-client'

/** The QueryCache tap over real TanStack QueryClients, found the ways a page hands them over. */
function tapped() {
  const ring = new TapRing<CacheRecord>(100)
  let clock = 0
  const tap = new QueryCacheTap(ring, () => (clock += 5))
  return { ring, tap }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('the QueryCache tap', () => {
  it('records invalidations and refetches: how long, and whether the data changed', async () => {
    const { ring, tap } = tapped()
    const client = new QueryClient()
    tap.watch(client)
    let value = 1
    const observer = new QueryObserver(client, {
      queryKey: ['deals', 'list'],
      queryFn: async () => ({ value }),
      staleTime: Infinity,
    })
    const stop = observer.subscribe(() => {})
    await settle()
    await client.invalidateQueries({ queryKey: ['deals'] })
    value = 2
    await client.invalidateQueries({ queryKey: ['deals'] })
    stop()
    const seen = ring.read().map((r) => [r.event, r.dataChanged])
    expect(seen).toEqual([
      ['added', undefined],
      ['fetching', undefined],
      ['fetched', true],
      ['invalidated', undefined],
      ['fetching', undefined],
      ['fetched', false],
      ['invalidated', undefined],
      ['fetching', undefined],
      ['fetched', true],
    ])
    // The fake clock ticks 5 ms per record: a fetch's start and its end are one record apart.
    expect(ring.read().find((r) => r.event === 'fetched')?.durationMs).toBe(5)
    expect(ring.read()[0]).toMatchObject({ client: 1, queryKey: ['deals', 'list'] })
  })

  it('records what a refetch changed only while a panel listens', async () => {
    const { ring, tap } = tapped()
    const client = new QueryClient()
    tap.watch(client)
    let title = 'Big deal'
    const observer = new QueryObserver(client, {
      queryKey: ['deals', 'list'],
      queryFn: async () => [{ id: 'd1', title }],
      staleTime: Infinity,
    })
    const stop = observer.subscribe(() => {})
    await settle()
    title = 'Bigger deal'
    await client.invalidateQueries({ queryKey: ['deals'] })
    expect(ring.read().filter((r) => r.changes !== undefined)).toEqual([])
    ring.listener = () => {}
    title = 'Biggest deal'
    await client.invalidateQueries({ queryKey: ['deals'] })
    stop()
    expect(ring.read().at(-1)).toMatchObject({
      event: 'fetched',
      dataChanged: true,
      changes: {
        paths: [{ path: '[id=d1].title', before: '"Bigger deal"', after: '"Biggest deal"' }],
      },
    })
  })

  it("finds the page's clients: window.__TANSTACK_QUERY_CLIENT__ set before or after, and registerQueryClient()", () => {
    const { ring, tap } = tapped()
    const host: Record<string, unknown> = {}
    const early = new QueryClient()
    registerQueryClient(early, host)
    installQueryClientDiscovery(host, tap)
    const late = new QueryClient()
    registerQueryClient(late, host)
    const exposed = new QueryClient()
    host[TANSTACK_CLIENT_GLOBAL] = exposed
    expect(host[TANSTACK_CLIENT_GLOBAL]).toBe(exposed)
    for (const client of [early, late, exposed]) client.setQueryData(['x'], 1)
    expect([...new Set(ring.read().map((r) => r.client))]).toEqual([1, 2, 3])
    // Handed over again: still watched once.
    const before = ring.read().length
    tap.watch(exposed)
    registerQueryClient(exposed, host)
    exposed.setQueryData(['y'], 1)
    expect(
      ring
        .read()
        .slice(before)
        .map((r) => r.event),
    ).toEqual(['added', 'set'])
  })

  it("never throws into the app's cache notification, whatever the event", () => {
    const { ring, tap } = tapped()
    let listener: ((event: unknown) => void) | undefined
    tap.watch({
      getQueryCache: () => ({
        subscribe: (fn: (event: unknown) => void) => ((listener = fn), () => {}),
      }),
    })
    expect(() => listener!(null)).not.toThrow()
    expect(() =>
      listener!({ type: 'updated', query: null, action: { type: 'invalidate' } }),
    ).not.toThrow()
    expect(ring.read()).toEqual([])
  })
})
