/**
 * `npm run bench:replay`: what a gap costs, with replay (the default) and with the full refetch it
 * replaces (replay: false), in one run, on the local stack (PGlite) with real supabase-js clients
 * and the engine in a worker thread (bench/replay-screen-worker.ts). A refetch is a queryFn call,
 * which reads the stack's REST, so "equals the database" is checked against what REST served.
 *
 *   1. page load: the data is on screen before the channel is live; nothing changes in between,
 *      or 3 changes do
 *   2. 500 clients of one organization reconnect after a 5 s outage in which 50 changes hit 10
 *      records: refetches, the REST load, and the time until every client equals the database
 *   3. 20 forced socket drops during 2,000 writes: 0 lost updates, refetches within the
 *      affected queries
 *   4. --replication-delay-ms 1500, with writes during each delay: 0 lost updates
 *
 * The fixture's own writes are dated a minute back: a change within replayOverlapMs (10 s) of
 * the oldest loaded data is re-read and replayed again on purpose (docs/DESIGN.md, "Replay").
 */
import { randomUUID } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { preparedPgliteSnapshot } from '../server/db/pglite-snapshot'
import { type Stack, startStack } from '../server/stack'
import { fmt, report, summarize, type Verdict } from './measure'
import { sized } from './smoke'

interface Counts {
  refetches: number
  eventReads: number
  eventRows: number
  restRequests: number
  restBytes: number
  byQuery: Record<string, number>
}

/** The worker's screens, driven by request / answer messages. */
class Screens {
  private readonly worker = new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(require('node:worker_threads').workerData) })`,
    { eval: true, workerData: new URL('./replay-screen-worker.ts', import.meta.url).href },
  )
  private nextRequest = 0
  private nextId = 0
  private readonly pending = new Map<number, (message: Record<string, unknown>) => void>()
  private readonly loaded = new Map<number, () => void>()

  constructor(private readonly stack: Stack) {
    this.worker.on('message', (message: Record<string, unknown>) => {
      if (message.type === 'loaded') return this.loaded.get(message.id as number)?.()
      if (message.type === 'error') console.error(`[bench worker] ${String(message.message)}`)
      this.pending.get(message.request as number)?.(message)
      this.pending.delete(message.request as number)
    })
  }

  request(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    const request = this.nextRequest++
    return new Promise((resolve, reject) => {
      this.pending.set(request, (answer) =>
        answer.type === 'error' ? reject(new Error(String(answer.message))) : resolve(answer),
      )
      this.worker.postMessage({ ...message, request })
    })
  }

  async open(
    token: string,
    orgId: string,
    recordIds: string[],
    replay: boolean,
    options: { engineAfterData?: boolean; betweenDataAndEngine?: () => Promise<void> } = {},
  ): Promise<void> {
    const id = this.nextId++
    const waitForGo = options.betweenDataAndEngine !== undefined
    const loaded = new Promise<void>((resolve) => this.loaded.set(id, resolve))
    const opened = this.request({
      cmd: 'open',
      id,
      url: this.stack.url,
      anonKey: this.stack.anonKey,
      token,
      orgId,
      recordIds,
      replay,
      engineAfterData: options.engineAfterData === true || waitForGo,
      waitForGo,
    })
    if (waitForGo) {
      await loaded
      await options.betweenDataAndEngine!()
      await this.request({ cmd: 'go', id })
    }
    await opened
  }

  async counts(reset = false): Promise<Counts> {
    return (await this.request({ cmd: 'counts', reset })) as unknown as Counts
  }

  async converged(truth: Truth): Promise<number> {
    return (await this.request({ cmd: 'converged', ...truth })).count as number
  }

  async replays(): Promise<{ replayed: number; resyncs: number; fullRefetches: number }> {
    return (await this.request({ cmd: 'replays' })) as never
  }

  outage(on: boolean): Promise<unknown> {
    return this.request({ cmd: 'outage', on })
  }

  async close(): Promise<void> {
    await this.request({ cmd: 'close' })
    await this.worker.terminate()
  }
}

interface Truth {
  list: unknown[]
  records: Record<string, unknown[]>
}

interface Org {
  orgId: string
  token: string
  dealIds: string[]
}

async function createOrg(stack: Stack, deals: number): Promise<Org> {
  const orgId = `org_replay_${randomUUID().slice(0, 8)}`
  const userId = randomUUID()
  await stack.database.query(
    'insert into public.organizations (id, name) values ($1::text, $1::text)',
    [orgId],
  )
  await stack.database.query(
    `insert into auth.users (id, email, encrypted_password) values ($1::text::uuid, $2::text, 'none')`,
    [userId, `${userId}@bench.test`],
  )
  await stack.database.query(
    'insert into public.organization_members (organization_id, user_id) values ($1::text, $2::text::uuid)',
    [orgId, userId],
  )
  const result = await stack.database.query<{ id: string }>(
    `insert into public.deals (organization_id, title, value)
     select $1::text, 'deal ' || n, n from generate_series(1, $2::int) as n returning id::text`,
    [orgId, deals],
  )
  await backdateEvents(stack)
  const dealIds = result.rows.map((row) => row.id).sort()
  return { orgId, token: await stack.tokenFor(userId, { expiresInSeconds: 3_600 }), dealIds }
}

/** The fixture's writes happened a minute before the scenario (see the header). */
async function backdateEvents(stack: Stack): Promise<void> {
  await stack.database.query(
    `update public.realtime_table_events set created_at = created_at - interval '1 minute'`,
  )
}

async function change(stack: Stack, dealId: string): Promise<void> {
  await stack.database.query(
    `update public.deals set value = value + 1, title = 'changed ' || (value + 1) where id = $1::text::uuid`,
    [dealId],
  )
}

/** What REST serves for the screens' queries, read as the owner. */
async function truthOf(stack: Stack, org: Org, recordIds: string[]): Promise<Truth> {
  const result = await stack.database.query<{ rows: string }>(
    `select coalesce(json_agg(json_build_object('id', id, 'title', title, 'value', value) order by id), '[]')::text as rows
     from public.deals where organization_id = $1::text`,
    [org.orgId],
  )
  const list = JSON.parse(result.rows[0]!.rows) as { id: string }[]
  const records = Object.fromEntries(
    recordIds.map((id) => [id, list.filter((row) => row.id === id)]),
  )
  return { list, records }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Polls (every 100 ms) until every screen is live and equals the database; the time from
 * `since`, or Infinity after the timeout.
 */
async function convergence(
  screens: Screens,
  truth: Truth,
  total: number,
  since: number,
  timeoutMs = 300_000,
): Promise<number> {
  while (performance.now() - since < timeoutMs) {
    if ((await screens.converged(truth)) === total) return performance.now() - since
    await sleep(100)
  }
  return Number.POSITIVE_INFINITY
}

/** Clients whose data differs from the database once everything settled (0: no lost update). */
async function lostUpdates(screens: Screens, truth: Truth, total: number): Promise<number> {
  if (!Number.isFinite(await convergence(screens, truth, total, performance.now()))) {
    return total - (await screens.converged(truth))
  }
  // Settled means it stays so: nothing still on its way changes it.
  await sleep(sized(2_000, 500))
  return total - (await screens.converged(truth))
}

async function settle(screens: Screens, truth: Truth, total: number): Promise<void> {
  await convergence(screens, truth, total, performance.now())
  await sleep(sized(500, 100))
}

// ---------------------------------------------------------------------------------------------

async function pageLoad(stack: Stack): Promise<Verdict[]> {
  const RECORDS = 10
  const runs: Record<string, { nothing: number; three: number }> = {}
  for (const replay of [true, false]) {
    const results = { nothing: 0, three: 0 }
    for (const changes of [0, 3]) {
      const org = await createOrg(stack, 20)
      const onScreen = org.dealIds.slice(0, RECORDS)
      const screens = new Screens(stack)
      await screens.open(org.token, org.orgId, onScreen, replay, {
        betweenDataAndEngine: async () => {
          // Two changes to one record on screen, one to a deal off screen.
          for (const id of [onScreen[0]!, onScreen[0]!, org.dealIds[15]!].slice(0, changes))
            await change(stack, id)
        },
      })
      await settle(screens, await truthOf(stack, org, onScreen), 1)
      const counts = await screens.counts()
      const catchUp = counts.refetches - (RECORDS + 1)
      if (changes === 0) results.nothing = catchUp
      else results.three = catchUp
      await screens.close()
    }
    runs[replay ? 'replay' : 'full'] = results
  }
  const { replay, full } = runs as Record<'replay' | 'full', { nothing: number; three: number }>
  return [
    {
      id: 'replay-page-load-unchanged',
      name: 'page load, nothing changed between the first fetch and live: refetches by the catch-up',
      figure: `${replay.nothing} with replay, ${full.nothing} with a full refetch (11 queries on screen)`,
      value: replay.nothing,
      target: '0',
      ok: replay.nothing === 0,
    },
    {
      id: 'replay-page-load-changed',
      name: 'page load, 3 changes (2 to a record on screen, 1 off screen) in that window',
      figure: `${replay.three} with replay (the list and that record), ${full.three} with a full refetch`,
      value: replay.three,
      target: 'only the affected queries (2)',
      ok: replay.three === 2,
    },
  ]
}

async function reconnect(stack: Stack, clients: number): Promise<Verdict[]> {
  const CHANGED = 10
  const QUIET = 20
  const CHANGES = sized(50, 5)
  const OUTAGE_MS = sized(5_000, 1_000)
  const results: Record<string, { counts: Counts; convergeMs: number; resyncs: unknown }> = {}
  for (const replay of [true, false]) {
    const org = await createOrg(stack, 60)
    const onScreen = org.dealIds.slice(0, CHANGED + QUIET)
    const screens = new Screens(stack)
    const opening = performance.now()
    for (let i = 0; i < clients; i++) await screens.open(org.token, org.orgId, onScreen, replay)
    await settle(screens, await truthOf(stack, org, onScreen), clients)
    const openMs = performance.now() - opening
    await screens.counts(true)

    await screens.outage(true)
    stack.realtime.dropConnections()
    const outageStart = performance.now()
    for (let i = 0; i < CHANGES; i++) {
      await change(stack, onScreen[i % CHANGED]!)
      await sleep(OUTAGE_MS / CHANGES - 2)
    }
    await sleep(Math.max(0, OUTAGE_MS - (performance.now() - outageStart)))
    await screens.outage(false)
    const outageEnd = performance.now()
    const truth = await truthOf(stack, org, onScreen)
    const convergeMs = await convergence(screens, truth, clients, outageEnd)
    await sleep(sized(1_000, 200))
    const counts = await screens.counts()
    const resyncs = await screens.replays()
    results[replay ? 'replay' : 'full'] = { counts, convergeMs, resyncs }
    console.log(
      `  (${replay ? 'replay' : 'full refetch'}: ${clients} clients opened in ${fmt(openMs / 1000, 1)} s; resyncs ${JSON.stringify(resyncs)})`,
    )
    await screens.close()
  }
  const replay = results.replay!
  const full = results.full!
  const ratio = full.counts.refetches / Math.max(1, replay.counts.refetches)
  const screen = `${CHANGED + QUIET + 1} queries on screen, ${CHANGED} of them changed`
  return [
    {
      id: 'replay-reconnect-refetches',
      name: `${clients} clients reconnect after a ${OUTAGE_MS / 1000} s outage with ${CHANGES} changes to ${CHANGED} records (${screen}): refetches`,
      figure: `${fmt(replay.counts.refetches)} with replay vs ${fmt(full.counts.refetches)} with a full refetch = ${fmt(ratio, 2)}× fewer`,
      value: ratio,
      target: 'fewer with replay (only the affected queries: list + 10 records per client)',
      ok: replay.counts.refetches <= clients * (CHANGED + 1) && ratio > 1,
    },
    {
      id: 'replay-reconnect-rest-load',
      name: 'the REST load of that reconnect',
      figure: `replay: ${fmt(replay.counts.eventReads)} event reads (${fmt(replay.counts.eventRows)} rows) + ${fmt(replay.counts.refetches)} refetches = ${fmt(replay.counts.restRequests)} requests, ${fmt(replay.counts.restBytes / 1e6, 1)} MB; full: ${fmt(full.counts.restRequests)} requests, ${fmt(full.counts.restBytes / 1e6, 1)} MB`,
      value: replay.counts.eventReads,
      target: 'one event read per client',
      ok: replay.counts.eventReads === clients,
    },
    {
      id: 'replay-reconnect-convergence',
      name: 'time from the outage’s end until every client’s data equals the database',
      figure: `${fmt(replay.convergeMs / 1000, 2)} s with replay, ${fmt(full.convergeMs / 1000, 2)} s with a full refetch (supabase-js reconnects after its own backoff)`,
      value: replay.convergeMs,
      target: 'every client converges',
      ok: Number.isFinite(replay.convergeMs),
    },
  ]
}

async function drops(stack: Stack): Promise<Verdict[]> {
  const CLIENTS = sized(10, 2)
  const WRITES = sized(2_000, 40)
  const DROPS = sized(20, 2)
  const results: Record<
    string,
    {
      lost: number
      untouched: number
      counts: Counts
      resyncs: { replayed: number; resyncs: number; fullRefetches: number }
    }
  > = {}
  for (const replay of [true, false]) {
    const org = await createOrg(stack, 50)
    // 20 records on screen: the writes hit 10 of them and 30 deals off screen; 10 stay untouched.
    const onScreen = org.dealIds.slice(0, 20)
    const written = [...org.dealIds.slice(0, 10), ...org.dealIds.slice(20)]
    const untouched = org.dealIds.slice(10, 20)
    const screens = new Screens(stack)
    for (let i = 0; i < CLIENTS; i++) await screens.open(org.token, org.orgId, onScreen, replay)
    await settle(screens, await truthOf(stack, org, onScreen), CLIENTS)
    await screens.counts(true)
    // About 50 writes/s: a drop every 2 s, so each one finds the clients live again.
    for (let i = 0; i < WRITES; i++) {
      if (i % (WRITES / DROPS) === 0) stack.realtime.dropConnections()
      await change(stack, written[i % written.length]!)
      await sleep(18)
    }
    const lost = await lostUpdates(screens, await truthOf(stack, org, onScreen), CLIENTS)
    const counts = await screens.counts()
    const resyncs = await screens.replays()
    results[replay ? 'replay' : 'full'] = {
      lost,
      untouched: untouched.reduce((n, id) => n + (counts.byQuery[id] ?? 0), 0),
      counts,
      resyncs,
    }
    await screens.close()
  }
  const replay = results.replay!
  const full = results.full!
  return [
    {
      id: 'replay-drops-lost-updates',
      name: `${DROPS} forced socket drops during ${fmt(WRITES)} writes, ${CLIENTS} clients: clients whose data differs from the database at the end`,
      figure: `${replay.lost} with replay (${fmt(replay.resyncs.replayed)} changes replayed over ${replay.resyncs.resyncs} resyncs, ${replay.resyncs.fullRefetches} fell back to a full refetch); ${full.lost} with a full refetch`,
      value: replay.lost,
      target: '0 lost updates',
      ok: replay.lost === 0,
    },
    {
      id: 'replay-drops-untouched-refetches',
      name: 'refetches of the 10 records on screen that no write touched',
      figure: `${replay.untouched} with replay, ${full.untouched} with a full refetch (all refetches: ${fmt(replay.counts.refetches)} vs ${fmt(full.counts.refetches)})`,
      value: replay.untouched,
      target: '0 (within the affected queries)',
      ok: replay.untouched === 0,
    },
  ]
}

async function delayedReplication(): Promise<Verdict[]> {
  const CLIENTS = sized(10, 2)
  const DROPS = sized(4, 1)
  const stack = await startStack({
    port: 0,
    pgliteSnapshot: await preparedPgliteSnapshot(),
    replicationDelayMs: 1_500,
  })
  try {
    const org = await createOrg(stack, 30)
    const onScreen = org.dealIds.slice(0, 10)
    const screens = new Screens(stack)
    for (let i = 0; i < CLIENTS; i++) await screens.open(org.token, org.orgId, onScreen, true)
    await settle(screens, await truthOf(stack, org, onScreen), CLIENTS)
    let writes = 0
    for (let drop = 0; drop < DROPS; drop++) {
      stack.realtime.dropConnections()
      // Writes through the reconnect and its 1.5 s of replication not yet ready.
      const until = performance.now() + 3_000
      while (performance.now() < until) {
        await change(stack, org.dealIds[writes % org.dealIds.length]!)
        writes++
        await sleep(30)
      }
    }
    const lost = await lostUpdates(screens, await truthOf(stack, org, onScreen), CLIENTS)
    const resyncs = await screens.replays()
    await screens.close()
    return [
      {
        id: 'replay-delayed-replication-lost-updates',
        name: `--replication-delay-ms 1500, ${DROPS} drops, ${writes} writes during the reconnects and delays, ${CLIENTS} clients: clients whose data differs from the database`,
        figure: `${lost} (${fmt(resyncs.replayed)} changes reached the clients only through the replay)`,
        value: lost,
        target: '0 lost updates',
        ok: lost === 0,
      },
    ]
  } finally {
    await stack.close()
  }
}

export async function runReplayBench(options: { clients?: number } = {}): Promise<Verdict[]> {
  const clients = options.clients ?? 500
  const stack = await startStack({ port: 0, pgliteSnapshot: await preparedPgliteSnapshot() })
  const verdicts: Verdict[] = []
  try {
    verdicts.push(...(await pageLoad(stack)))
    verdicts.push(...(await reconnect(stack, clients)))
    verdicts.push(...(await drops(stack)))
  } finally {
    await stack.close()
  }
  verdicts.push(...(await delayedReplication()))
  report('Replay after a gap, against a full refetch (the real stack and supabase-js)', verdicts)
  return verdicts
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const clients = Number(process.env.REPLAY_BENCH_CLIENTS ?? sized(500, 3))
  summarize(await runReplayBench({ clients }))
  process.exit(0)
}
