import type { Database } from './database'
import { isObject } from '../../src/is-object'

/** The NOTIFY channel of change-capture.sql. */
export const CHANGES_CHANNEL = 'realtime_stack_changes'

export type ChangeType = 'INSERT' | 'UPDATE' | 'DELETE'

/** One row change, as the capture trigger reported it, stamped with its commit time. */
export interface CapturedChange {
  /** realtime_stack.change_seq: unique per change, increasing within a transaction. */
  seq: number
  schema: string
  table: string
  type: ChangeType
  /** The new row (INSERT, UPDATE) as to_jsonb() renders it. */
  record: Record<string, unknown> | null
  /** The old row (UPDATE, DELETE), whole: the stack trims it to what Realtime sends. */
  oldRecord: Record<string, unknown> | null
  /** The row was too large for NOTIFY: record / oldRecord hold only the primary key. */
  truncated: boolean
  /** ISO time with ms and Z: when the stack saw the transaction commit. */
  commitTimestamp: string
}

const TYPES: ReadonlySet<string> = new Set(['INSERT', 'UPDATE', 'DELETE'])

/**
 * Listens for the capture trigger's notifications. NOTIFY is delivered only when the writing
 * transaction commits, so arrival is the commit: the first notification of a transaction stamps
 * the time and the rest of that transaction share it, as they share one commit in the WAL.
 */
export class ChangeCapture {
  private unlisten: (() => Promise<void>) | undefined
  private lastXid = ''
  private lastStamp = ''
  private capturing = new Set<string>()

  constructor(
    private readonly db: Database,
    private readonly onChange: (change: CapturedChange) => void,
    private readonly onMalformed: (payload: string) => void = () => {},
  ) {}

  /** Puts triggers on the published tables and starts listening; returns the captured tables. */
  async start(): Promise<string[]> {
    const tables = await this.syncTriggers()
    this.unlisten = await this.db.listen(CHANGES_CHANNEL, (payload) => this.receive(payload))
    return tables
  }

  /** Whether changes of schema.table reach the stack. */
  isCaptured(schema: string, table: string): boolean {
    return this.capturing.has(`${schema}.${table}`)
  }

  /**
   * Re-reads the publication and (re)creates triggers: a table added with
   * `alter publication supabase_realtime add table ...` streams without a restart.
   */
  async syncTriggers(): Promise<string[]> {
    const result = await this.db.query<{ name: string }>(
      'select realtime_stack.sync_capture_triggers() as name',
    )
    const tables = result.rows.map((row) => row.name)
    this.capturing = new Set(tables)
    return tables
  }

  async stop(): Promise<void> {
    const unlisten = this.unlisten
    this.unlisten = undefined
    await unlisten?.()
  }

  private receive(payload: string): void {
    const change = this.parse(payload)
    if (change === undefined) {
      this.onMalformed(payload)
      return
    }
    this.onChange(change)
  }

  private parse(payload: string): CapturedChange | undefined {
    let raw: unknown
    try {
      raw = JSON.parse(payload)
    } catch {
      return undefined
    }
    if (typeof raw !== 'object' || raw === null) return undefined
    const value = raw as Record<string, unknown>
    const { seq, xid, schema, table, type } = value
    if (
      typeof seq !== 'number' ||
      typeof xid !== 'string' ||
      typeof schema !== 'string' ||
      typeof table !== 'string' ||
      typeof type !== 'string' ||
      !TYPES.has(type)
    ) {
      return undefined
    }
    if (xid !== this.lastXid) {
      this.lastXid = xid
      this.lastStamp = new Date().toISOString()
    }
    return {
      seq,
      schema,
      table,
      type: type as ChangeType,
      record: asRow(value.record),
      oldRecord: asRow(value.old_record),
      truncated: value.truncated === true,
      commitTimestamp: this.lastStamp,
    }
  }
}

function asRow(value: unknown): Record<string, unknown> | null {
  return isObject(value) ? value : null
}
