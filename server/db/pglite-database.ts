import { PGlite, type Transaction } from '@electric-sql/pglite'
import type { Database, Queryable, QueryResult, TransactionOptions } from './database'

export interface PgliteDatabaseOptions {
  /** A directory to keep the data in between runs; in memory when absent. */
  dataDir?: string
  /** A data directory dump (PGlite's dumpDataDir()) to start from instead of an empty cluster. */
  loadDataDir?: Blob
}

/**
 * Postgres compiled to WebAssembly, in this process. One session: PGlite runs one query at a
 * time and a transaction holds it exclusively, so every writer and the LISTEN must live here
 * (pglite-socket cannot carry NOTIFY to another process).
 */
export async function openPgliteDatabase(options: PgliteDatabaseOptions = {}): Promise<Database> {
  const pglite = new PGlite({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.loadDataDir === undefined ? {} : { loadDataDir: options.loadDataDir }),
    // A dev database: losing the last transactions on a crash is fine, waiting on fsync is not.
    relaxedDurability: true,
  })
  await pglite.waitReady
  return new PgliteDatabase(pglite)
}

class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const

  constructor(readonly pglite: PGlite) {}

  async query<Row>(sql: string, params: unknown[] = []): Promise<QueryResult<Row>> {
    return toResult<Row>(await this.pglite.query<Row>(sql, params))
  }

  async transaction<T>(
    fn: (tx: Queryable) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    return this.pglite.transaction(async (tx) => {
      const result = await fn(wrapTransaction(tx))
      if (options.rollback === true) await tx.rollback()
      return result
    })
  }

  async exec(sql: string): Promise<void> {
    await this.pglite.exec(sql)
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    const unlisten = await this.pglite.listen(channel, onNotify)
    return async () => {
      if (!this.pglite.closed) await unlisten()
    }
  }

  /** One session already: nothing else can interleave with setup. */
  withSetupLock<T>(fn: () => Promise<T>): Promise<T> {
    return fn()
  }

  async close(): Promise<void> {
    if (!this.pglite.closed) await this.pglite.close()
  }
}

function wrapTransaction(tx: Transaction): Queryable {
  return {
    async query<Row>(sql: string, params: unknown[] = []) {
      return toResult<Row>(await tx.query<Row>(sql, params))
    },
  }
}

function toResult<Row>(result: { rows: Row[]; affectedRows?: number }): QueryResult<Row> {
  return { rows: result.rows, affectedRows: result.affectedRows ?? 0 }
}

/** The PGlite behind a Database opened here, for dumping a prepared data directory. */
export function pgliteOf(database: Database): PGlite | undefined {
  return database instanceof PgliteDatabase ? database.pglite : undefined
}
