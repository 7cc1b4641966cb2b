import { createClient } from '@supabase/supabase-js'
import { QueryClient } from '@tanstack/query-core'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createRealtimeSync } from '../../src/realtime-sync'

describe('a real SupabaseClient', () => {
  // The type check is the main assertion: SupabaseClient must satisfy SupabaseRealtimeLike.
  it('is accepted by createRealtimeSync and stops cleanly with no organizations', async () => {
    const supabase = createClient('http://127.0.0.1:9', 'anon-key', {
      realtime: { transport: WebSocket as never },
      auth: { persistSession: false, autoRefreshToken: false },
    })
    const sync = createRealtimeSync({
      supabase,
      queryClient: new QueryClient(),
      organizationIds: [],
    })
    expect(sync.getChannels()).toEqual([])
    await sync.stop()
  })
})
