import { type Catalog, quoteIdent, type TableInfo } from '../db/catalog'
import type { CapturedChange } from '../db/change-capture'
import type { Database } from '../db/database'
import type { SessionIdentity } from '../db/session-identity'
import { rowMatches } from './filters'
import { encodeFrameWithPayloadJson, PHOENIX_EVENTS, type Vsn } from '../../wire/phoenix'
import { type Binding, bindingCovers, changeData, filterRow } from './postgres-changes'
import { type VisibilityCheck, visibleDeletedRows, visibleRows } from './rls-visibility'
import { SerialQueue } from './serial-queue'

/** A joined channel with postgres_changes bindings, as the dispatcher sees it. */
export interface ChangeSubscriber {
  readonly topic: string
  readonly vsn: Vsn
  readonly bindings: readonly Binding[]
  /** Who the subscriber is now (changes with an access_token push). */
  readonly identity: SessionIdentity
  /** Equal keys see the same rows: role plus claims without the times (exp, iat). */
  readonly identityKey: string
  /** Queues a frame on the subscriber's socket (bounded: a slow socket is dropped). */
  send(frame: string): void
}

export interface DispatcherStats {
  captured: number
  /** Messages sent (one per change per channel). */
  delivered: number
  /** Candidate deliveries withheld because RLS or grants hide the row from the subscriber. */
  hiddenByRls: number
  pending: number
}

/** Changes handled per round: enough to amortize the RLS transaction, small enough to stay prompt. */
const MAX_BATCH = 1_000

interface Delivery {
  change: number
  subscriber: ChangeSubscriber
  ids: number[]
  select: ReadonlySet<string> | undefined
  visible: boolean
}

/**
 * Fans captured changes out to subscribed channels, in commit order: for each change, the
 * channels whose bindings cover its table and event and whose filters match the row; then one
 * RLS check per (identity, table) for the whole batch; then one message per channel, carrying
 * the ids of the bindings it matched.
 */
export class ChangeDispatcher {
  private readonly byTable = new Map<string, Set<ChangeSubscriber>>()
  private readonly wildcard = new Set<ChangeSubscriber>()
  private readonly pending: SerialQueue<CapturedChange>
  private duplicatesToInject = 0
  private readonly counters = { captured: 0, delivered: 0, hiddenByRls: 0 }

  constructor(
    private readonly db: Database,
    private readonly catalog: Catalog,
    private readonly onError: (context: string, error: unknown) => void,
  ) {
    this.pending = new SerialQueue({
      process: (batch) => this.dispatch(batch),
      onError: (error) => this.onError('dispatching changes', error),
      maxBatch: MAX_BATCH,
    })
  }

  add(subscriber: ChangeSubscriber): void {
    for (const binding of subscriber.bindings) {
      if (binding.schema === '*' || binding.table === '*') {
        this.wildcard.add(subscriber)
        continue
      }
      const key = `${binding.schema}.${binding.table}`
      let set = this.byTable.get(key)
      if (set === undefined) {
        set = new Set()
        this.byTable.set(key, set)
      }
      set.add(subscriber)
    }
  }

  remove(subscriber: ChangeSubscriber): void {
    this.wildcard.delete(subscriber)
    for (const binding of subscriber.bindings) {
      const key = `${binding.schema}.${binding.table}`
      const set = this.byTable.get(key)
      set?.delete(subscriber)
      if (set?.size === 0) this.byTable.delete(key)
    }
  }

  enqueue(change: CapturedChange): void {
    this.counters.captured++
    this.pending.push(change)
  }

  /** Resolves once every change captured so far (and any captured meanwhile) has been dispatched. */
  idle(): Promise<void> {
    return this.pending.idle()
  }

  /**
   * Fault injection for tests and demos: the next `count` messages are sent twice, as an
   * at-least-once transport may do. The sync engine must drop the copies.
   */
  injectDuplicates(count: number): void {
    this.duplicatesToInject += count
  }

  stats(): DispatcherStats {
    return { ...this.counters, pending: this.pending.size }
  }

  private async dispatch(changes: CapturedChange[]): Promise<void> {
    const tables = await this.tablesOf(changes)
    await this.readTruncatedRows(changes, tables)

    const deliveries: Delivery[] = []
    for (let index = 0; index < changes.length; index++) {
      const change = changes[index]!
      if (tables[index] === undefined) continue
      const row = filterRow(change)
      for (const subscriber of this.candidates(change)) {
        const ids: number[] = []
        let select: Set<string> | undefined
        let everyColumn = false
        for (const binding of subscriber.bindings) {
          if (!bindingCovers(binding, change)) continue
          if (binding.filters.length > 0 && (row === null || !rowMatches(binding.filters, row))) {
            continue
          }
          ids.push(binding.id)
          if (binding.select === undefined) everyColumn = true
          else {
            select ??= new Set()
            for (const name of binding.select) select.add(name)
          }
        }
        if (ids.length > 0) {
          deliveries.push({
            change: index,
            subscriber,
            ids,
            select: everyColumn ? undefined : select,
            visible: false,
          })
        }
      }
    }
    if (deliveries.length === 0) return

    await this.checkVisibility(changes, tables, deliveries)
    this.send(changes, tables, deliveries)
  }

  private candidates(change: CapturedChange): Iterable<ChangeSubscriber> {
    const exact = this.byTable.get(`${change.schema}.${change.table}`)
    if (this.wildcard.size === 0) return exact ?? []
    const all = new Set(exact)
    for (const subscriber of this.wildcard) all.add(subscriber)
    return all
  }

  private async tablesOf(changes: CapturedChange[]): Promise<(TableInfo | undefined)[]> {
    const tables = changes.map((change) => this.catalog.cached(change.schema, change.table))
    if (tables.some((table) => table === undefined)) {
      // A table created (and published) since the catalog was read.
      for (let i = 0; i < changes.length; i++) {
        tables[i] ??= await this.catalog.find(changes[i]!.schema, changes[i]!.table)
      }
    }
    return tables
  }

  /** NOTIFY carried only the key of a large row: read the row itself, as the owner. */
  private async readTruncatedRows(
    changes: CapturedChange[],
    tables: (TableInfo | undefined)[],
  ): Promise<void> {
    for (let i = 0; i < changes.length; i++) {
      const change = changes[i]!
      const table = tables[i]
      if (!change.truncated || change.record === null || table === undefined) continue
      if (table.primaryKey.length === 0) continue
      const conditions = table.primaryKey
        .map((column, n) => `t.${quoteIdent(column.name)} = $${n + 1}::text::${column.baseSqlType}`)
        .join(' and ')
      const params = table.primaryKey.map((column) => textOf(change.record![column.name]))
      try {
        const result = await this.db.query<{ row: string }>(
          `select pg_catalog.to_jsonb(t)::text as row from ${table.sqlName} as t where ${conditions}`,
          params,
        )
        const row = result.rows[0]?.row
        if (row !== undefined) change.record = JSON.parse(row) as Record<string, unknown>
      } catch (error) {
        this.onError(`reading a large ${table.name} row`, error)
      }
    }
  }

  private async checkVisibility(
    changes: CapturedChange[],
    tables: (TableInfo | undefined)[],
    deliveries: Delivery[],
  ): Promise<void> {
    // One check per (identity, table, live or deleted), each listing the rows it covers.
    const groups = new Map<
      string,
      {
        check: VisibilityCheck
        deleted: boolean
        rowIndex: Map<number, number>
        members: Delivery[]
      }
    >()
    for (const delivery of deliveries) {
      const change = changes[delivery.change]!
      const table = tables[delivery.change]!
      const deleted = change.type === 'DELETE'
      const row = deleted ? change.oldRecord : change.record
      if (row === null) continue
      const key = `${delivery.subscriber.identityKey}\u0000${table.oid}\u0000${deleted}`
      let group = groups.get(key)
      if (group === undefined) {
        group = {
          check: { identity: delivery.subscriber.identity, table, rows: [] },
          deleted,
          rowIndex: new Map(),
          members: [],
        }
        groups.set(key, group)
      }
      if (!group.rowIndex.has(delivery.change)) {
        group.rowIndex.set(delivery.change, group.check.rows.length)
        group.check.rows.push(row)
      }
      group.members.push(delivery)
    }

    const live = [...groups.values()].filter((group) => !group.deleted)
    const deleted = [...groups.values()].filter((group) => group.deleted)
    const onError = (error: unknown) => this.onError('checking row level security', error)
    const liveResults = await visibleRows(
      this.db,
      live.map((g) => g.check),
      onError,
    )
    await this.recheckVanishedRows(live, liveResults, onError)
    const deletedResults =
      deleted.length === 0
        ? []
        : await visibleDeletedRows(
            this.db,
            deleted.map((g) => g.check),
            onError,
          )
    const apply = (list: typeof live, results: boolean[][]) => {
      list.forEach((group, n) => {
        for (const delivery of group.members) {
          const rowIndex = group.rowIndex.get(delivery.change)!
          delivery.visible = results[n]?.[rowIndex] === true
        }
      })
    }
    apply(live, liveResults)
    apply(deleted, deletedResults)
  }

  /**
   * A row deleted before its INSERT / UPDATE was checked is not found by key, which would hide
   * the change from everyone. Such rows are checked as they were captured (the DELETE path puts
   * them back in a rolled-back transaction); a row that still exists and is hidden stays hidden.
   */
  private async recheckVanishedRows(
    groups: { check: VisibilityCheck }[],
    results: boolean[][],
    onError: (error: unknown) => void,
  ): Promise<void> {
    const retries: { group: number; rows: number[]; check: VisibilityCheck }[] = []
    groups.forEach((group, n) => {
      const hidden = group.check.rows.flatMap((_, row) => (results[n]?.[row] === true ? [] : [row]))
      if (hidden.length === 0) return
      retries.push({
        group: n,
        rows: hidden,
        check: { ...group.check, rows: hidden.map((row) => group.check.rows[row]!) },
      })
    })
    if (retries.length === 0) return
    const rechecked = await visibleDeletedRows(
      this.db,
      retries.map((retry) => retry.check),
      onError,
    )
    retries.forEach((retry, n) => {
      retry.rows.forEach((row, i) => {
        if (rechecked[n]?.[i] === true) results[retry.group]![row] = true
      })
    })
  }

  private send(
    changes: CapturedChange[],
    tables: (TableInfo | undefined)[],
    deliveries: Delivery[],
  ): void {
    const dataJson = new Map<string, string>()
    const selectIds = new Map<ReadonlySet<string>, number>()
    for (const delivery of deliveries) {
      if (!delivery.visible) {
        this.counters.hiddenByRls++
        continue
      }
      let variant = 0
      if (delivery.select !== undefined) {
        variant = selectIds.get(delivery.select) ?? selectIds.size + 1
        selectIds.set(delivery.select, variant)
      }
      const cacheKey = `${delivery.change}:${variant}`
      let data = dataJson.get(cacheKey)
      if (data === undefined) {
        data = JSON.stringify(
          changeData(changes[delivery.change]!, tables[delivery.change]!, delivery.select),
        )
        dataJson.set(cacheKey, data)
      }
      const { subscriber } = delivery
      const frame = encodeFrameWithPayloadJson(
        subscriber.vsn,
        null,
        null,
        subscriber.topic,
        PHOENIX_EVENTS.postgresChanges,
        `{"ids":[${delivery.ids.join(',')}],"data":${data}}`,
      )
      subscriber.send(frame)
      this.counters.delivered++
      if (this.duplicatesToInject > 0) {
        this.duplicatesToInject--
        subscriber.send(frame)
      }
    }
  }
}

function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null
  return typeof value === 'string' ? value : JSON.stringify(value)
}
