// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, render, renderHook } from '@testing-library/react'
import { type ReactNode, StrictMode } from 'react'
import { afterEach, describe, expect, it } from 'vitest'
import { getDevtoolsRegistry } from '../../src/devtools-registry'
import { RealtimeSyncProvider, useRealtimeMutation, useRealtimeSync } from '../../src/react'
import { changePayload } from '../support/events'
import { FakeSupabase, settle } from '../support/fake-supabase'
import { ManualScheduler } from '../support/manual-scheduler'

const queryClients: QueryClient[] = []
afterEach(() => {
  for (const client of queryClients.splice(0)) client.clear()
})

function harness(supabase: FakeSupabase, organizationIds: string[], name = 'react-app') {
  const queryClient = new QueryClient()
  queryClients.push(queryClient)
  const scheduler = new ManualScheduler()
  function Wrapper({
    orgs = organizationIds,
    children,
  }: {
    orgs?: string[]
    children?: ReactNode
  }) {
    return (
      <StrictMode>
        <QueryClientProvider client={queryClient}>
          <RealtimeSyncProvider
            supabase={supabase}
            userId="user-alice"
            organizationIds={orgs}
            name={name}
            scheduler={scheduler}
          >
            {children}
          </RealtimeSyncProvider>
        </QueryClientProvider>
      </StrictMode>
    )
  }
  return { Wrapper, scheduler, queryClient }
}

function enginesNamed(name: string) {
  return [...getDevtoolsRegistry()!.engines.values()].filter((e) => e.name === name)
}

describe('<RealtimeSyncProvider> under StrictMode', () => {
  it('ends with one engine and one working channel per organization, without throwing', async () => {
    const supabase = new FakeSupabase()
    const { Wrapper } = harness(supabase, ['org_acme'], 'strict')
    const view = render(<Wrapper />)
    await act(settle)
    expect(supabase.topics()).toEqual(['realtime:org:org_acme'])
    supabase.subscribeAll()
    const [engine] = enginesNamed('strict')
    expect(enginesNamed('strict')).toHaveLength(1)
    expect(engine!.getChannels()).toMatchObject([{ status: 'SUBSCRIBED' }])
    expect(
      engine!.readEvents().events.some((e) => /could not subscribe/.test(e.reason ?? '')),
    ).toBe(false)

    supabase.channelFor('org_acme').deliver(changePayload())
    expect(engine!.readEvents().events.at(-1)?.kind).toBe('received')

    view.unmount()
    await act(settle)
    expect(enginesNamed('strict')).toHaveLength(0)
    expect(supabase.topics()).toEqual([])
  })

  it('resubscribes when the organizationIds prop changes, keeping the same engine', async () => {
    const supabase = new FakeSupabase()
    const { Wrapper } = harness(supabase, ['org_acme'], 'memberships')
    const view = render(<Wrapper />)
    await act(settle)
    const [engine] = enginesNamed('memberships')
    view.rerender(<Wrapper orgs={['org_acme', 'org_globex']} />)
    await act(settle)
    expect(supabase.topics()).toEqual(['realtime:org:org_acme', 'realtime:org:org_globex'])
    expect(enginesNamed('memberships')).toEqual([engine])
    view.unmount()
    await act(settle)
  })
})

describe('hooks', () => {
  it('useRealtimeSync() outside the provider says where it belongs', () => {
    expect(() => renderHook(() => useRealtimeSync())).toThrow(/inside <RealtimeSyncProvider>/)
  })

  it('useRealtimeMutation marks the rows before the request and invalidates global tables after', async () => {
    const supabase = new FakeSupabase()
    const { Wrapper, queryClient } = harness(supabase, ['org_acme'], 'mutation')
    queryClient.setQueryData(['profiles', 'list'], [])
    let eventsWhenRequestStarted: string[] = []
    const { result, unmount } = renderHook(
      () => {
        const sync = useRealtimeSync()
        const mutation = useRealtimeMutation({
          mutationFn: async (deal: { id: string; title: string }) => {
            eventsWhenRequestStarted = sync!.getEvents().map((e) => `${e.kind} ${e.recordId}`)
            return deal
          },
          localWrites: (deal) => ({ table: 'deals', id: deal.id }),
          invalidatesGlobal: ['profiles'],
        })
        return { sync, mutation }
      },
      { wrapper: Wrapper },
    )
    await act(settle)
    await act(() => result.current.mutation.mutateAsync({ id: 'd42', title: 'Renewal' }))
    expect(eventsWhenRequestStarted).toContain('write d42')
    expect(queryClient.getQueryState(['profiles', 'list'])?.isInvalidated).toBe(true)

    supabase.subscribeAll()
    supabase
      .channelFor('org_acme')
      .deliver(changePayload({ record_id: 'd42', actor_id: 'user-alice' }))
    expect(result.current.sync!.getEvents().at(-1)?.kind).toBe('echo')
    unmount()
    await act(settle)
  })
})
