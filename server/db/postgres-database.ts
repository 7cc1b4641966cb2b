import pg from 'pg'
import {
  type Database,
  type Queryable,
  type QueryResult,
  SETUP_LOCK_KEY,
  type TransactionOptions,
} from './database'

/**
 * A real Postgres server (DATABASE_URL): a small pool for queries and transactions, plus one
 * dedicated connection that only LISTENs, so notifications never wait behind a busy query.
 */
export async function openPostgresDatabase(connectionString: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString, max: 8 })
  // An idle client's socket error must not crash the process; the pool replaces the client.
  pool.on('error', () => {})
  // Fail now, with the driver's message, rather than at the first request.
  const probe = await pool.connect()
  probe.release()
  return new PostgresDatabase(pool, connectionString)
}

class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const
  private listener: pg.Client | undefined
  private readonly handlers = new Map<string, Set<(payload: string) => void>>()

  constructor(
    private readonly pool: pg.Pool,
    private readonly connectionString: string,
  ) {}

  async query<Row>(sql: string, params: unknown[] = []): Promise<QueryResult<Row>> {
    return toResult<Row>(await this.pool.query(sql, params))
  }

  async transaction<T>(
    fn: (tx: Queryable) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    const client = await this.pool.connect()
    let broken = false
    try {
      await client.query('begin')
      const result = await fn({
        async query<Row>(sql: string, params: unknown[] = []) {
          return toResult<Row>(await client.query(sql, params))
        },
      })
      await client.query(options.rollback === true ? 'rollback' : 'commit')
      return result
    } catch (error) {
      try {
        await client.query('rollback')
      } catch {
        broken = true
      }
      throw error
    } finally {
      client.release(broken)
    }
  }

  async exec(sql: string): Promise<void> {
    // No parameters: the simple query protocol runs every statement in the string.
    await this.pool.query(sql)
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    const listener = await this.listenerConnection()
    let set = this.handlers.get(channel)
    if (set === undefined) {
      set = new Set()
      this.handlers.set(channel, set)
      await listener.query(`listen ${pg.escapeIdentifier(channel)}`)
    }
    set.add(onNotify)
    return async () => {
      set.delete(onNotify)
    }
  }

  async withSetupLock<T>(fn: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    try {
      await client.query('select pg_advisory_lock($1)', [SETUP_LOCK_KEY])
      return await fn()
    } finally {
      await client.query('select pg_advisory_unlock($1)', [SETUP_LOCK_KEY]).catch(() => {})
      client.release()
    }
  }

  async close(): Promise<void> {
    const listener = this.listener
    this.listener = undefined
    await listener?.end().catch(() => {})
    await this.pool.end()
  }

  private async listenerConnection(): Promise<pg.Client> {
    if (this.listener !== undefined) return this.listener
    const client = new pg.Client({ connectionString: this.connectionString })
    client.on('notification', (message) => {
      for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? '')
    })
    // Losing the LISTEN connection silently would mean losing every change: say so loudly.
    client.on('error', (error) => {
      console.error(`[stack] the LISTEN connection failed: ${error.message}`)
    })
    await client.connect()
    this.listener = client
    return client
  }
}

function toResult<Row>(result: pg.QueryResult): QueryResult<Row> {
  const affected = result.command === 'SELECT' ? 0 : (result.rowCount ?? 0)
  return { rows: result.rows as Row[], affectedRows: affected }
}
