import { QueryClient, QueryObserver } from '@tanstack/query-core'
import { afterEach, describe, expect, it } from 'vitest'
import { startPageBridge } from '../../bridge/page-bridge'
import { envelope, type ToPanel } from '../../bridge/protocol'
import { runQueryAction } from '../../bridge/query-actions'
import { FakeWindow } from '../support/fake-ports'
import { ManualScheduler } from '../support/manual-scheduler'

/** The Queries tab's actions on a real TanStack QueryClient, by exact key. */
const stops: (() => void)[] = []
afterEach(() => {
  for (const stop of stops.splice(0)) stop()
})

function clientWith(fetcher: () => Promise<unknown>) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const observer = new QueryObserver(client, {
    queryKey: ['deals', 'list'],
    queryFn: fetcher,
    staleTime: Infinity,
  })
  stops.push(
    observer.subscribe(() => {}),
    () => client.clear(),
  )
  client.setQueryData(['deals', 'record', 'd9'], { id: 'd9' })
  return client
}

let clock = 0
const now = () => (clock += 10)

describe('actions on the page queries', () => {
  it('refetches exactly that key, and says whether the data changed', async () => {
    let title = 'Big deal'
    let fetches = 0
    const client = clientWith(async () => {
      fetches++
      return [{ id: 'd1', title }]
    })
    await client.refetchQueries({ queryKey: ['deals', 'list'], exact: true })
    const before = fetches
    title = 'Bigger deal'
    const result = await runQueryAction([client], 'refetch', ['deals', 'list'], now)
    expect(result).toEqual({ matched: 1, durationMs: 10, outcome: 'success', dataChanged: true })
    expect(fetches).toBe(before + 1)
    expect(await runQueryAction([client], 'refetch', ['deals', 'list'], now)).toMatchObject({
      dataChanged: false,
    })
  })

  it('invalidates (an observed query refetches), resets and removes', async () => {
    const client = clientWith(async () => ['x'])
    await runQueryAction([client], 'invalidate', ['deals', 'list'], now)
    expect(client.getQueryState(['deals', 'list'])?.isInvalidated).toBe(false) // refetched since
    expect(await runQueryAction([client], 'reset', ['deals', 'record', 'd9'], now)).toMatchObject({
      matched: 1,
    })
    expect(await runQueryAction([client], 'remove', ['deals', 'record', 'd9'], now)).toEqual({
      matched: 1,
      durationMs: 10,
    })
    expect(client.getQueryCache().find({ queryKey: ['deals', 'record', 'd9'] })).toBeUndefined()
  })

  it('says when no client holds the key, and when the refetch failed, never rejecting', async () => {
    const client = clientWith(async () => {
      throw new Error('offline')
    })
    expect(await runQueryAction([client], 'refetch', ['contacts'], now)).toEqual({
      matched: 0,
      durationMs: 0,
    })
    expect(await runQueryAction([client], 'refetch', ['deals', 'list'], now)).toMatchObject({
      matched: 1,
      outcome: 'error',
      error: 'offline',
    })
  })
})

describe('the bridge and the Queries tab actions', () => {
  it('acts only for a connected panel, and answers with how it went', async () => {
    const client = clientWith(async () => ['x'])
    const page = new FakeWindow()
    const bridge = startPageBridge({
      window: page,
      host: {},
      scheduler: new ManualScheduler(),
      session: 'load-1',
      queryClients: () => [client],
    })
    stops.push(() => bridge.stop())
    const results = () =>
      page.posted
        .map((m) => (m as { message: ToPanel }).message)
        .filter((m) => m.type === 'query-action-result')
    const act = (requestId: number) =>
      page.postMessage(
        envelope('to-page', {
          type: 'query-action',
          requestId,
          action: 'remove',
          key: ['deals', 'record', 'd9'],
        }),
      )
    act(1)
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(results()).toEqual([])
    expect(client.getQueryData(['deals', 'record', 'd9'])).toEqual({ id: 'd9' })
    page.postMessage(envelope('to-page', { type: 'connect', since: {} }))
    act(2)
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(results()).toEqual([
      expect.objectContaining({ requestId: 2, session: 'load-1', ok: true, matched: 1 }),
    ])
    expect(client.getQueryData(['deals', 'record', 'd9'])).toBeUndefined()
  })
})
