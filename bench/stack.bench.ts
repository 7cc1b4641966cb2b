/**
 * The local stack under load, with the real supabase-js client over real sockets, on the
 * embedded default (PGlite in this process):
 *   - latency: INSERT committed → the client's postgres_changes callback, 1,000 changes one at a
 *     time, beside the same socket's heartbeat round trip;
 *   - throughput: events/s through one socket with zero loss, beside the raw socket floor (the
 *     same frames pushed by a bare ws server to the same client);
 *   - fan-out: 100 clients in 10 organizations, 1,000 writes, each client must receive exactly
 *     its organization's events.
 * Run alone with `npx tsx bench/stack.bench.ts`, or through bench/run.ts.
 */
import type { Stack } from '../server/stack'
import { median, percentile, report, seededRandom, summarize, type Verdict } from './measure'
import { sized } from './smoke'
import { rawSocketEventsPerSecond } from './stack-raw-socket'
import { createOrgWithUsers, now, startBenchStack, Subscribers } from './stack-subscribers'

const LATENCY_CHANGES = sized(1_000, 20)
const LATENCY_WARMUP = sized(50, 2)
const HEARTBEATS = sized(200, 5)
const THROUGHPUT_EVENTS = sized(20_000, 1_000)
const THROUGHPUT_CHUNK = 500
const FANOUT_ORGS = sized(10, 2)
const FANOUT_CLIENTS = sized(100, 6)
const FANOUT_WRITES = sized(1_000, 20)

async function latency(stack: Stack): Promise<Verdict[]> {
  const { orgId, tokens } = await createOrgWithUsers(stack, 1)
  const subscribers = new Subscribers(stack)
  const id = await subscribers.add(tokens[0]!, orgId, true)
  const samples: number[] = []
  const insertOnly: number[] = []
  for (let i = 0; i < LATENCY_CHANGES + LATENCY_WARMUP; i++) {
    let arrived!: (at: number) => void
    const received = new Promise<number>((resolve) => {
      arrived = resolve
    })
    subscribers.onEvent = (event) => arrived(event.at)
    const start = now()
    await stack.database.query(
      `insert into public.deals (organization_id, title) values ($1::text, 'latency')`,
      [orgId],
    )
    const inserted = now()
    const at = await received
    if (i >= LATENCY_WARMUP) {
      samples.push(at - start)
      insertOnly.push(inserted - start)
    }
  }
  const heartbeat = median(await subscribers.heartbeats(id, HEARTBEATS))
  await subscribers.close()
  const sorted = [...samples].sort((a, b) => a - b)
  const p50 = percentile(sorted, 50)
  const p99 = percentile(sorted, 99)
  const context = `the INSERT itself ${median(insertOnly).toFixed(2)} ms, the socket's heartbeat round trip ${heartbeat.toFixed(2)} ms`
  return [
    {
      id: 'stack-latency-p50',
      name: `stack: INSERT → supabase-js callback p50 (${LATENCY_CHANGES} changes, one at a time)`,
      figure: `${p50.toFixed(2)} ms = ${(p50 / heartbeat).toFixed(1)}× the heartbeat round trip (${context})`,
      value: p50,
      target: '≤ 10 ms',
      ok: p50 <= 10,
    },
    {
      id: 'stack-latency-p99',
      name: 'stack: INSERT → supabase-js callback p99',
      figure: `${p99.toFixed(2)} ms (max ${sorted.at(-1)!.toFixed(2)} ms)`,
      value: p99,
      target: '≤ 50 ms',
      ok: p99 <= 50,
    },
  ]
}

async function throughput(stack: Stack): Promise<Verdict[]> {
  const { orgId, tokens } = await createOrgWithUsers(stack, 1)
  const subscribers = new Subscribers(stack)
  const id = await subscribers.add(tokens[0]!, orgId)
  const allReceived = subscribers.until(id, THROUGHPUT_EVENTS)
  const start = performance.now()
  // Rows of the event table itself, 500 per statement: capture → RLS → socket → client, with
  // the writer committing as fast as PGlite does, in the same thread as the server.
  for (let first = 0; first < THROUGHPUT_EVENTS; first += THROUGHPUT_CHUNK) {
    await stack.database.query(
      `insert into public.realtime_table_events (organization_id, table_name, event_type, record_id)
       select $1::text, 'deals', 'INSERT', g::text from generate_series($2::int, $3::int) g`,
      [orgId, first, first + THROUGHPUT_CHUNK - 1],
    )
  }
  const written = performance.now()
  const timedOut = await Promise.race([
    allReceived.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 60_000).unref()),
  ])
  const seconds = (performance.now() - start) / 1000
  const { keys, duplicates } = await subscribers.report(id)
  await subscribers.close()
  const expected = new Set(Array.from({ length: THROUGHPUT_EVENTS }, (_, i) => `${orgId}/${i}`))
  const lost = [...expected].filter((key) => !keys.includes(key)).length
  const rate = keys.length / seconds
  const raw = await rawSocketEventsPerSecond(THROUGHPUT_EVENTS)
  return [
    {
      id: 'stack-throughput',
      name: `stack: sustained events/s through one socket (${THROUGHPUT_EVENTS} changes)`,
      figure: `${Math.round(rate)}/s, ${lost} lost, ${duplicates} duplicated${timedOut ? ' (timed out)' : ''}; ${((rate / raw) * 100).toFixed(0)}% of the raw socket floor (${Math.round(raw)}/s, same frames from a bare ws server); the writer finished after ${((written - start) / 1000).toFixed(2)} s`,
      value: rate,
      target: '≥ 5,000/s with zero loss',
      ok: rate >= 5_000 && lost === 0 && duplicates === 0,
    },
  ]
}

async function fanOut(stack: Stack): Promise<Verdict[]> {
  const subscribers = new Subscribers(stack)
  const clients: { id: number; orgId: string }[] = []
  const orgIds: string[] = []
  for (let i = 0; i < FANOUT_ORGS; i++) {
    const { orgId, tokens } = await createOrgWithUsers(stack, FANOUT_CLIENTS / FANOUT_ORGS)
    orgIds.push(orgId)
    for (const token of tokens) clients.push({ id: await subscribers.add(token, orgId), orgId })
  }
  const expected = new Map<string, Set<string>>(orgIds.map((orgId) => [orgId, new Set()]))
  const next = seededRandom(7)
  const start = performance.now()
  for (let i = 0; i < FANOUT_WRITES; i++) {
    const orgId = orgIds[Math.floor(next() * orgIds.length)]!
    const result = await stack.database.query<{ id: string }>(
      `insert into public.deals (organization_id, title) values ($1::text, 'fan-out') returning id::text`,
      [orgId],
    )
    expected.get(orgId)!.add(`${orgId}/${result.rows[0]!.id}`)
  }
  await Promise.race([
    Promise.all(clients.map(({ id, orgId }) => subscribers.until(id, expected.get(orgId)!.size))),
    new Promise((resolve) => setTimeout(resolve, 60_000).unref()),
  ])
  const seconds = (performance.now() - start) / 1000

  let exact = 0
  let leaks = 0
  let deliveries = 0
  for (const { id, orgId } of clients) {
    const { keys } = await subscribers.report(id)
    const want = expected.get(orgId)!
    deliveries += keys.length
    leaks += keys.filter((key) => !want.has(key)).length
    if (keys.length === want.size && keys.every((key) => want.has(key))) exact++
  }
  await subscribers.close()
  return [
    {
      id: 'stack-fan-out',
      name: `stack: fan-out, ${FANOUT_CLIENTS} clients in ${FANOUT_ORGS} organizations, ${FANOUT_WRITES} writes`,
      figure: `${exact}/${FANOUT_CLIENTS} clients received exactly their organization's events, ${leaks} leaked; ${deliveries} deliveries in ${seconds.toFixed(2)} s (${Math.round(deliveries / seconds)}/s, RLS checked per subscriber)`,
      value: exact,
      target: "every client exactly its organization's events, 0 leaks",
      ok: exact === FANOUT_CLIENTS && leaks === 0,
    },
  ]
}

/** On the embedded default (PGlite in this process), or the Postgres of DATABASE_URL when set. */
export async function runStackBench(): Promise<Verdict[]> {
  const { stack, database } = await startBenchStack()
  try {
    const verdicts = [
      ...(await latency(stack)),
      ...(await throughput(stack)),
      ...(await fanOut(stack)),
    ]
    report(`Local stack: Realtime through the real supabase-js client (${database})`, verdicts)
    return verdicts
  } finally {
    await stack.close()
  }
}

if (process.argv[1]?.endsWith('stack.bench.ts')) {
  process.exit(summarize(await runStackBench()) ? 0 : 1)
}
