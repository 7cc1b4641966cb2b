/**
 * The page the browser tests open: the real engine, with the real supabase-js client over a real
 * WebSocket to the local stack, signed in as a seeded user. Configured by the query string:
 *   ?url=<stack url>&key=<anon key>&email=<user>&password=<password>&name=<engine name>
 * Exposes window.__e2e for the test to write rows and read what the engine saw.
 */
import { createClient } from '@supabase/supabase-js'
import { QueryClient, QueryObserver } from '@tanstack/query-core'
import { createQueryKeys, createRealtimeSync } from '../../../src'

const params = new URLSearchParams(location.search)
const url = params.get('url') ?? ''
const key = params.get('key') ?? ''
const status = document.getElementById('status')!

const QueryKeys = createQueryKeys(['deals', 'contacts', 'deal_contacts'] as const)

async function start() {
  const supabase = createClient(url, key, { auth: { persistSession: false } })
  const { data, error } = await supabase.auth.signInWithPassword({
    email: params.get('email') ?? '',
    password: params.get('password') ?? '',
  })
  if (error || !data.user) throw error ?? new Error('no user')
  const userId = data.user.id
  const memberships = await supabase
    .from('organization_members')
    .select('organization_id')
    .eq('user_id', userId)
  if (memberships.error) throw memberships.error
  const organizationIds = memberships.data.map((m) => m.organization_id as string)

  const queryClient = new QueryClient({
    defaultOptions: { queries: { staleTime: Number.POSITIVE_INFINITY } },
  })
  const fetches: string[] = []
  const observe = (queryKey: readonly unknown[], queryFn: () => Promise<unknown>) => {
    new QueryObserver(queryClient, {
      queryKey,
      queryFn: () => {
        fetches.push(JSON.stringify(queryKey))
        return queryFn()
      },
    }).subscribe(() => {})
  }
  const deals = await supabase.from('deals').select('id, title').order('title')
  if (deals.error) throw deals.error
  observe(QueryKeys.deals.list(), async () => (await supabase.from('deals').select('*')).data)
  const firstDeal = deals.data[0]?.id as string | undefined
  if (firstDeal) {
    observe(
      QueryKeys.deals.record(firstDeal),
      async () => (await supabase.from('deals').select('*').eq('id', firstDeal).single()).data,
    )
  }

  const sync = createRealtimeSync({
    supabase,
    queryClient,
    organizationIds,
    userId,
    name: params.get('name') ?? 'e2e',
  })

  const e2e = {
    sync,
    supabase,
    queryClient,
    userId,
    organizationIds,
    deals: deals.data,
    fetches,
    /** A write from this tab, marked as a local write first (echo prevention). */
    async updateDeal(id: string, title: string, { markLocal = true } = {}) {
      if (markLocal) sync.markLocalWrite('deals', id)
      const result = await supabase.from('deals').update({ title }).eq('id', id).select()
      if (result.error) throw result.error
    },
    subscribed: () =>
      sync.getChannels().every((c) => c.status === 'SUBSCRIBED') && sync.getChannels().length > 0,
  }
  ;(window as unknown as { __e2e: typeof e2e }).__e2e = e2e
  status.textContent = `ready as ${data.user.email} in ${organizationIds.join(', ')}`
}

start().catch((error: unknown) => {
  status.textContent = `failed: ${error instanceof Error ? error.message : String(error)}`
})
