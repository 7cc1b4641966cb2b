/**
 * `npm run bench:transport`: Broadcast from Database against postgres_changes on the local stack,
 * the same fan-out in one run: 500 real supabase-js clients (one worker thread, the other core)
 * in 10 organizations, 500 tracked-table writes, every client must receive exactly its
 * organization's events. Per mode: changes/s written, deliveries/s, commit → callback p50/p95.
 * The figure is the broadcast / postgres_changes ratio, measured in the same process on the same
 * database (PGlite in process, or the Postgres of DATABASE_URL), beside Supabase's published
 * figures as context. The modes run one after the other, postgres_changes first.
 */
import type { Stack } from '../server/stack'
import type { Transport } from '../src/types'
import { fmt, percentile, report, seededRandom, summarize, type Verdict } from './measure'
import { sized } from './smoke'
import { createOrgWithUsers, now, startBenchStack, Subscribers } from './stack-subscribers'

const ORGS = sized(10, 2)
const CLIENTS = sized(500, 10)
const WRITES = sized(500, 20)
const TIMEOUT_MS = 180_000

/** Supabase's published figures (realtime docs, benchmarks and throughput table): context only. */
const PUBLISHED =
  'Supabase publishes postgres_changes with RLS on a Micro instance, 500 clients: 3,000 msgs/s, p95 228 ms; Broadcast: 32,000 users, 224,000 msgs/s, p95 28 ms'

interface ModeResult {
  transport: Transport
  exact: number
  leaks: number
  deliveries: number
  changesPerSecond: number
  deliveriesPerSecond: number
  p50: number
  p95: number
  timedOut: boolean
}

async function fanOut(stack: Stack, transport: Transport): Promise<ModeResult> {
  // The documented mode switch (supabase/migrations/20261202000000_realtime_broadcast.sql).
  await stack.database.query('update public.realtime_sync_settings set transport = $1::text', [
    transport,
  ])
  const subscribers = new Subscribers(stack)
  const clients: { id: number; orgId: string }[] = []
  const orgIds: string[] = []
  for (let i = 0; i < ORGS; i++) {
    const { orgId, tokens } = await createOrgWithUsers(stack, CLIENTS / ORGS)
    orgIds.push(orgId)
    for (const token of tokens) {
      clients.push({
        id: await subscribers.add(token, orgId, false, { transport, arrivals: true }),
        orgId,
      })
    }
  }
  const expected = new Map<string, Set<string>>(orgIds.map((orgId) => [orgId, new Set()]))
  const committedAt = new Map<string, number>()
  const next = seededRandom(11)
  const start = now()
  for (let i = 0; i < WRITES; i++) {
    const orgId = orgIds[Math.floor(next() * orgIds.length)]!
    const result = await stack.database.query<{ id: string }>(
      `insert into public.deals (organization_id, title) values ($1::text, 'fan-out') returning id::text`,
      [orgId],
    )
    const key = `${orgId}/${result.rows[0]!.id}`
    committedAt.set(key, now())
    expected.get(orgId)!.add(key)
  }
  const written = now()
  const timedOut = await Promise.race([
    Promise.all(
      clients.map(({ id, orgId }) => subscribers.until(id, expected.get(orgId)!.size)),
    ).then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(true), TIMEOUT_MS).unref()),
  ])

  let exact = 0
  let leaks = 0
  let deliveries = 0
  let lastArrival = written
  const latencies: number[] = []
  for (const { id, orgId } of clients) {
    const { keys, arrivals = [] } = await subscribers.report(id)
    const want = expected.get(orgId)!
    deliveries += keys.length
    leaks += keys.filter((key) => !want.has(key)).length
    if (keys.length === want.size && keys.every((key) => want.has(key))) exact++
    for (const [key, at] of arrivals) {
      const committed = committedAt.get(key)
      if (committed !== undefined) latencies.push(at - committed)
      lastArrival = Math.max(lastArrival, at)
    }
  }
  await subscribers.close()
  latencies.sort((a, b) => a - b)
  return {
    transport,
    exact,
    leaks,
    deliveries,
    changesPerSecond: WRITES / ((written - start) / 1000),
    deliveriesPerSecond: deliveries / ((lastArrival - start) / 1000),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    timedOut,
  }
}

function modeVerdict(result: ModeResult): Verdict {
  return {
    id: `transport-${result.transport}`,
    name: `transport ${result.transport}: fan-out, ${CLIENTS} clients in ${ORGS} organizations, ${WRITES} writes`,
    figure: `${result.exact}/${CLIENTS} clients received exactly their organization's events, ${result.leaks} leaked${result.timedOut ? ' (timed out)' : ''}; ${fmt(result.changesPerSecond)} changes/s written, ${fmt(result.deliveries)} deliveries at ${fmt(result.deliveriesPerSecond)}/s; commit → callback p50 ${fmt(result.p50, 1)} ms, p95 ${fmt(result.p95, 1)} ms`,
    value: result.deliveriesPerSecond,
    target: "every client exactly its organization's events, 0 leaks",
    ok: result.exact === CLIENTS && result.leaks === 0 && !result.timedOut,
  }
}

export async function runTransportBench(): Promise<Verdict[]> {
  const { stack, database } = await startBenchStack()
  try {
    const changes = await fanOut(stack, 'postgres_changes')
    const broadcast = await fanOut(stack, 'broadcast')
    const ratio = broadcast.deliveriesPerSecond / changes.deliveriesPerSecond
    const verdicts: Verdict[] = [
      modeVerdict(changes),
      modeVerdict(broadcast),
      {
        id: 'transport-ratio',
        name: 'transport: broadcast / postgres_changes, the same fan-out',
        figure: `deliveries/s ×${fmt(ratio, 2)}, p50 ×${fmt(broadcast.p50 / changes.p50, 2)}, p95 ×${fmt(broadcast.p95 / changes.p95, 2)} (${PUBLISHED})`,
        value: ratio,
        target: 'broadcast delivers at least as fast (deliveries/s ratio ≥ 1)',
        ok: ratio >= 1,
      },
    ]
    report(`Local stack: Broadcast from Database vs postgres_changes (${database})`, verdicts)
    return verdicts
  } finally {
    await stack.close()
  }
}

if (process.argv[1]?.endsWith('transport.bench.ts')) {
  process.exit(summarize(await runTransportBench()) ? 0 : 1)
}
