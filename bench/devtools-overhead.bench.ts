/**
 * The engine with the devtools registry on the page but no panel connected, against the same
 * engine with devtools: false. Both run the whole path from the channel callback (parse, dedup,
 * echo, log, enqueue), rounds interleaved.
 */
import { QueryClient } from '@tanstack/query-core'
import { createRealtimeSync } from '../src/realtime-sync'
import { benchScheduler } from './bench-scheduler'
import { captureChannel } from './capture-channel'
import { interleave, report, time, type Verdict } from './measure'
import { sized } from './smoke'

const EVENTS = sized(200_000, 2_000)

function payloads(): object[] {
  const out: object[] = []
  for (let i = 0; i < EVENTS; i++) {
    out.push({
      schema: 'public',
      table: 'realtime_table_events',
      commit_timestamp: '2026-11-23T12:00:00.000Z',
      eventType: 'INSERT',
      new: {
        id: i + 1,
        organization_id: 'org_acme',
        table_name: 'deals',
        event_type: 'UPDATE',
        record_id: `r${i % 1_000}`,
        actor_id: 'user-bob',
      },
    })
  }
  return out
}

async function engineWith(devtools: boolean) {
  const channel = captureChannel()
  const clock = benchScheduler()
  const sync = createRealtimeSync({
    supabase: channel.supabase,
    queryClient: new QueryClient(),
    organizationIds: ['org_acme'],
    userId: 'user-alice',
    scheduler: clock.scheduler,
    devtools,
    name: devtools ? 'with-registry' : 'without-registry',
  })
  await new Promise((resolve) => setImmediate(resolve)) // setAuth → subscribe
  const events = payloads()
  return () =>
    time(() => {
      for (const payload of events) {
        clock.advance(0.01)
        channel.deliver(payload)
      }
      sync.flush()
    })
}

export async function runDevtoolsOverheadBench() {
  const withRegistry = await engineWith(true)
  const without = await engineWith(false)
  withRegistry()
  without()
  const result = interleave(sized(15, 1), { withRegistry, without })
  const overhead = result.withRegistry / result.without - 1
  const verdicts: Verdict[] = [
    {
      id: 'devtools-closed',
      name: 'registry present, no panel vs no registry',
      figure: `${((result.withRegistry * 1e6) / EVENTS).toFixed(0)} vs ${((result.without * 1e6) / EVENTS).toFixed(0)} ns/event = ${(overhead * 100).toFixed(1)}% overhead`,
      value: overhead,
      target: '≤ 3%',
      ok: overhead <= 0.03,
    },
  ]
  report('DevTools closed: cost of being discoverable', verdicts)
  return verdicts
}
