/**
 * The one interface the stack talks to Postgres through, whichever Postgres it is: PGlite in
 * this process (the default) or a real server reached by DATABASE_URL. Everything above this
 * file is written once against it.
 *
 * Results are read as the owner unless a caller switches role inside a transaction (see
 * session-identity.ts). Queries that return data to clients build JSON in SQL (`json_agg(...)::text`)
 * as PostgREST does, so both drivers hand back the same text and no JS type mapping is involved.
 */

export interface QueryResult<Row> {
  rows: Row[]
  /** Rows written by INSERT / UPDATE / DELETE; 0 for SELECT. */
  affectedRows: number
}

export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>>
}

export interface TransactionOptions {
  /** Roll back instead of committing when `fn` resolves (a dry run, e.g. an RLS probe). */
  rollback?: boolean
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres'
  /**
   * BEGIN, `fn`, COMMIT; ROLLBACK when `fn` throws (the error is rethrown). Inside `fn` use only
   * `tx`: on PGlite the transaction holds the one session, and a query on the database itself
   * would wait for it forever.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>
  /** Several statements, no parameters: schema files. */
  exec(sql: string): Promise<void>
  /** LISTEN on `channel`; the handler gets each NOTIFY payload after its transaction commits. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>
  /**
   * Runs `fn` while holding a database-wide advisory lock, so that several stacks starting on
   * one server (parallel test files) do not apply the schema at the same moment.
   */
  withSetupLock<T>(fn: () => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** The fields of a Postgres error that reach clients, from either driver. */
export interface PostgresError {
  code: string
  message: string
  detail: string | null
  hint: string | null
}

/** The Postgres error inside `error`, or undefined when it is not one (a bug, a closed socket). */
export function asPostgresError(error: unknown): PostgresError | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const candidate = error as Record<string, unknown>
  if (typeof candidate.code !== 'string' || !/^[0-9A-Z]{5}$/.test(candidate.code)) return undefined
  return {
    code: candidate.code,
    message: typeof candidate.message === 'string' ? candidate.message : 'database error',
    detail: typeof candidate.detail === 'string' ? candidate.detail : null,
    hint: typeof candidate.hint === 'string' ? candidate.hint : null,
  }
}

/** Key for pg_advisory_lock: any fixed number works, as long as every stack uses the same one. */
export const SETUP_LOCK_KEY = 7_413_920_117
