/**
 * The benchmarks' supabase-js subscribers (stack-subscriber-worker.ts, on the other core) and
 * the organizations and users they sign in as, shared by stack.bench.ts and transport.bench.ts.
 */
import { randomUUID } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { preparedPgliteSnapshot } from '../server/db/pglite-snapshot'
import { type Stack, startStack } from '../server/stack'
import type { Transport } from '../src/types'

/** Epoch milliseconds with sub-millisecond precision, comparable with the worker's clock. */
export const now = () => performance.timeOrigin + performance.now()

/**
 * The subscribers, in a worker thread (stack-subscriber-worker.ts): the clients' parsing runs on
 * the other core, as a browser's would, instead of competing with the server it measures.
 */
export class Subscribers {
  // tsx's loader is registered per thread: the worker registers it, then loads the TS module.
  private readonly worker = new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(require('node:worker_threads').workerData) })`,
    { eval: true, workerData: new URL('./stack-subscriber-worker.ts', import.meta.url).href },
  )
  private nextRequest = 0
  private nextId = 0
  private readonly pending = new Map<number | string, (message: Record<string, unknown>) => void>()
  onEvent: (message: { id: number; key: string; at: number }) => void = () => {}

  constructor(private readonly stack: Stack) {
    this.worker.on('message', (message: Record<string, unknown>) => {
      if (message.type === 'event') this.onEvent(message as { id: number; key: string; at: number })
      else if (message.type === 'error') console.error(`[bench worker] ${String(message.message)}`)
      else {
        const key =
          message.type === 'subscribed'
            ? `subscribed:${String(message.id)}`
            : (message.request as number)
        this.pending.get(key)?.(message)
        this.pending.delete(key)
      }
    })
  }

  private request(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    const request = this.nextRequest++
    return new Promise((resolve) => {
      this.pending.set(request, resolve)
      this.worker.postMessage({ ...message, request })
    })
  }

  /** A client subscribed the way the sync engine subscribes: realtime_table_events of its org. */
  async add(
    token: string,
    orgId: string,
    timestamps = false,
    options: { transport?: Transport; arrivals?: boolean } = {},
  ): Promise<number> {
    const id = this.nextId++
    const subscribed = new Promise((resolve) => this.pending.set(`subscribed:${id}`, resolve))
    this.worker.postMessage({
      cmd: 'subscribe',
      id,
      url: this.stack.url,
      anonKey: this.stack.anonKey,
      token,
      orgId,
      timestamps,
      ...options,
    })
    await subscribed
    return id
  }

  until(id: number, count: number): Promise<unknown> {
    return this.request({ cmd: 'until', id, count })
  }

  async report(
    id: number,
  ): Promise<{ keys: string[]; duplicates: number; arrivals?: [string, number][] }> {
    const message = await this.request({ cmd: 'report', id })
    return {
      keys: message.keys as string[],
      duplicates: message.duplicates as number,
      ...(message.arrivals === undefined
        ? {}
        : { arrivals: message.arrivals as [string, number][] }),
    }
  }

  async heartbeats(id: number, count: number): Promise<number[]> {
    return (await this.request({ cmd: 'heartbeats', id, count })).times as number[]
  }

  async close(): Promise<void> {
    await this.request({ cmd: 'close' })
    await this.worker.terminate()
  }
}

export async function createOrgWithUsers(
  stack: Stack,
  users: number,
): Promise<{ orgId: string; tokens: string[] }> {
  const orgId = `org_bench_${randomUUID().slice(0, 8)}`
  await stack.database.query(
    'insert into public.organizations (id, name) values ($1::text, $1::text)',
    [orgId],
  )
  const tokens: string[] = []
  for (let i = 0; i < users; i++) {
    const id = randomUUID()
    await stack.database.query(
      `insert into auth.users (id, email, encrypted_password) values ($1::text::uuid, $2::text, 'none')`,
      [id, `${id}@bench.test`],
    )
    await stack.database.query(
      'insert into public.organization_members (organization_id, user_id) values ($1::text, $2::text::uuid)',
      [orgId, id],
    )
    tokens.push(await stack.tokenFor(id))
  }
  return { orgId, tokens }
}

/** On the embedded default (PGlite in this process), or the Postgres of DATABASE_URL when set. */
export async function startBenchStack(): Promise<{ stack: Stack; database: string }> {
  const databaseUrl = process.env.DATABASE_URL || undefined
  const stack = await startStack(
    databaseUrl === undefined
      ? { port: 0, pgliteSnapshot: await preparedPgliteSnapshot() }
      : { port: 0, databaseUrl },
  )
  const database = databaseUrl === undefined ? 'PGlite in process' : 'Postgres from DATABASE_URL'
  return { stack, database }
}
