import { afterEach, beforeEach, vi } from 'vitest'
import { createRealtimeSync, type RealtimeSyncOptions } from '../../src/realtime-sync'
import type { SyncEvent, SyncEventKind } from '../../src/types'
import { FakeSupabase, settle } from './fake-supabase'
import { ManualScheduler } from './manual-scheduler'
import { createQueryWorld } from './query-world'

export const ORG = 'org_acme'

/**
 * An engine on FakeSupabase with fake time, for a test file of engine rules. TanStack stamps
 * dataUpdatedAt with Date.now(), so Date moves with the scheduler; call once at the top of the
 * file (it registers the clock and the cleanups), then `setup()` per test.
 */
export function fakeEngineFile(): (options?: Partial<RealtimeSyncOptions>) => FakeEngine {
  const cleanups: (() => unknown)[] = []
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] })
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup()
    vi.useRealTimers()
  })
  return (options = {}) => {
    const engine = fakeEngine(options)
    cleanups.push(
      () => engine.sync.stop(),
      () => engine.world.dispose(),
    )
    return engine
  }
}

export type FakeEngine = ReturnType<typeof fakeEngine>

function fakeEngine(options: Partial<RealtimeSyncOptions>) {
  const supabase = new FakeSupabase()
  const scheduler = new ManualScheduler()
  vi.setSystemTime(scheduler.now())
  const world = createQueryWorld()
  const sync = createRealtimeSync({
    supabase,
    queryClient: world.queryClient,
    organizationIds: [ORG],
    userId: 'user-alice',
    scheduler,
    ...options,
  })
  const advance = (ms: number) => {
    scheduler.advance(ms)
    vi.setSystemTime(scheduler.now())
  }
  const iso = (offsetMs = 0) => new Date(scheduler.now() + offsetMs).toISOString()
  /** The logged events, or those of one kind (typed as that kind). */
  function events(): SyncEvent[]
  function events<K extends SyncEventKind>(kind: K): Extract<SyncEvent, { kind: K }>[]
  function events(kind?: SyncEventKind): SyncEvent[] {
    return sync.getEvents().filter((event) => kind === undefined || event.kind === kind)
  }
  /** Live, with whatever catch-up that starts settled and its pass flushed. */
  const goLive = async () => {
    supabase.subscribeAll()
    await settle()
    advance(200)
  }
  return { supabase, scheduler, world, sync, advance, iso, events, goLive }
}
