// @vitest-environment jsdom
import { QueryClient, QueryClientProvider, useQuery, useQueryClient } from '@tanstack/react-query'
import { act, render, renderHook, waitFor } from '@testing-library/react'
import { type ReactNode, StrictMode } from 'react'
import { afterEach, describe, expect, it } from 'vitest'
import { describeEvent } from '../../src/describe-event'
import { getDevtoolsRegistry } from '../../src/devtools-registry'
import { RealtimeSyncProvider, useRealtimeMutation, useRealtimeSync } from '../../src/react'
import { changePayload, eventsOfKind } from '../support/events'
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
    const { events } = engine!.readEvents()
    expect(events.some((e) => e.kind === 'channel' && e.note === 'subscribe-failed')).toBe(false)
    expect(events.some((e) => /could not subscribe/.test(describeEvent(e)))).toBe(false)

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

describe('onMetrics on the provider', () => {
  it("hands each finished minute to the latest render's function", async () => {
    const supabase = new FakeSupabase()
    const queryClient = new QueryClient()
    queryClients.push(queryClient)
    const scheduler = new ManualScheduler()
    const seen: string[] = []
    const App = ({ sink }: { sink: string }) => (
      <QueryClientProvider client={queryClient}>
        <RealtimeSyncProvider
          supabase={supabase}
          organizationIds={['org_acme']}
          scheduler={scheduler}
          devtools={false}
          onMetrics={(metrics) => seen.push(`${sink} ${metrics.minute - scheduler.now()}`)}
        />
      </QueryClientProvider>
    )
    const view = render(<App sink="first" />)
    await act(settle)
    act(() => scheduler.advance(60_000))
    view.rerender(<App sink="second" />)
    act(() => scheduler.advance(60_000))
    expect(seen).toEqual(['first -60000', 'second -60000'])
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
            eventsWhenRequestStarted = sync!
              .getEvents()
              .map((e) => `${e.kind} ${'recordId' in e ? e.recordId : ''}`)
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

describe("useRealtimeMutation: the writer's own screen", () => {
  /** The README's useDeal / useDeals / useSaveDeal, on a stand-in deals table. */
  function dealsApp({
    optimistic = false,
    ...options
  }: { updatesCache?: boolean; optimistic?: boolean } = {}) {
    const supabase = new FakeSupabase()
    const { Wrapper, queryClient } = harness(supabase, ['org_acme'], 'writer')
    const table = new Map([
      ['d1', { id: 'd1', title: 'Renewal', stage: 'lead' }],
      ['d2', { id: 'd2', title: 'Upsell', stage: 'lead' }],
    ])
    const reads: string[] = []
    const view = renderHook(
      () => {
        const deal = useQuery({
          queryKey: ['deals', 'record', 'd1'],
          queryFn: async () => {
            reads.push('record d1')
            return { ...table.get('d1')! }
          },
        })
        const other = useQuery({
          queryKey: ['deals', 'record', 'd2'],
          queryFn: async () => {
            reads.push('record d2')
            return { ...table.get('d2')! }
          },
        })
        const deals = useQuery({
          queryKey: ['deals', 'list', { stage: 'lead' }],
          queryFn: async () => {
            reads.push('list')
            return [...table.values()].map((row) => ({ ...row }))
          },
        })
        const client = useQueryClient()
        const save = useRealtimeMutation({
          mutationFn: async (deal: { id: string; title: string; stage: string }) => {
            if (deal.title === 'rejected') throw new Error('new row violates check constraint')
            table.set(deal.id, deal)
          },
          localWrites: (deal) => ({ table: 'deals', id: deal.id }),
          // An optimistic update without a rollback of its own: the refresh on settle is one.
          onMutate: optimistic
            ? (deal) => client.setQueryData(['deals', 'record', deal.id], deal)
            : undefined,
          ...options,
        })
        return { deal, other, deals, save, sync: useRealtimeSync() }
      },
      { wrapper: Wrapper },
    )
    return { supabase, queryClient, view, reads }
  }

  async function loaded(app: ReturnType<typeof dealsApp>) {
    await act(settle)
    await waitFor(() => expect(app.view.result.current.deals.data).toHaveLength(2))
    await waitFor(() => expect(app.view.result.current.deal.data?.title).toBe('Renewal'))
    await waitFor(() => expect(app.view.result.current.other.data?.title).toBe('Upsell'))
    app.supabase.subscribeAll()
    app.reads.length = 0
  }

  it("shows the saved value in the writer's record and list, with no code of the app's own", async () => {
    const app = dealsApp()
    await loaded(app)
    const { result } = app.view
    await act(() =>
      result.current.save.mutateAsync({ id: 'd1', title: 'Renewal (signed)', stage: 'lead' }),
    )
    // Settled means refreshed: the record and the list already hold the saved row.
    expect(result.current.deal.data?.title).toBe('Renewal (signed)')
    expect(result.current.deals.data?.find((row) => row.id === 'd1')?.title).toBe(
      'Renewal (signed)',
    )
    // Only the queries the row touches: its record and the table's lists, once each.
    expect(app.reads.sort()).toEqual(['list', 'record d1'])
    const pass = eventsOfKind(result.current.sync!.getEvents(), 'invalidated').at(-1)
    expect(pass).toMatchObject({ trigger: 'write', writes: [['deals', 'd1']], causes: [] })
    expect(describeEvent(pass!)).toMatch(/^refresh after this tab's write of deals\/d1/)
    expect(pass?.matchedKeys).toEqual(
      expect.arrayContaining([
        ['deals', 'record', 'd1'],
        ['deals', 'list', { stage: 'lead' }],
      ]),
    )
    expect(pass?.matchedKeys).toHaveLength(2)

    // The echo that comes back is dropped: it would only refetch the same queries again.
    app.supabase
      .channelFor('org_acme')
      .deliver(changePayload({ record_id: 'd1', actor_id: 'user-alice' }))
    const write = eventsOfKind(result.current.sync!.getEvents(), 'write').at(-1)!
    expect(result.current.sync!.getEvents().at(-1)).toMatchObject({
      kind: 'echo',
      relatedSeq: write.seq,
      match: 'same-actor',
    })
    await act(settle)
    expect(app.reads.sort()).toEqual(['list', 'record d1'])
    app.view.unmount()
    await act(settle)
  })

  it('after a failed write, refetches what it wrote: an optimistic value is rolled back', async () => {
    const app = dealsApp({ optimistic: true })
    await loaded(app)
    const { result } = app.view
    let failure: unknown
    await act(async () => {
      failure = await result.current.save
        .mutateAsync({ id: 'd1', title: 'rejected', stage: 'lead' })
        .catch((error: unknown) => error)
    })
    expect(failure).toBeInstanceOf(Error)
    // The optimistic title was on screen; the refetch on settle put the database's row back.
    expect(result.current.deal.data?.title).toBe('Renewal')
    expect(result.current.deals.data?.find((row) => row.id === 'd1')?.title).toBe('Renewal')
    expect(app.reads.sort()).toEqual(['list', 'record d1'])
    app.view.unmount()
    await act(settle)
  })

  it('with updatesCache: true, refetches nothing (the app updated the cache itself)', async () => {
    const app = dealsApp({ updatesCache: true })
    await loaded(app)
    const { result } = app.view
    await act(() =>
      result.current.save.mutateAsync({ id: 'd1', title: 'Renewal (signed)', stage: 'lead' }),
    )
    await act(settle)
    expect(app.reads).toEqual([])
    expect(result.current.deal.data?.title).toBe('Renewal')
    app.view.unmount()
    await act(settle)
  })
})
