import type { Query, QueryCache } from '@tanstack/query-core'
import { RecentPasses } from './recent-passes'
import type { SettledRefetch } from './refetch-outcome'
import { type QueryRealtimeStats, type QuerySummary, summarizeQueries } from './query-summaries'

export interface QueryActivityOptions {
  globalTables: ReadonlySet<string>
  tables?: ReadonlySet<string>
  recordScopes: readonly string[]
}

/**
 * What realtime did to the app's queries, for the Queries tab: the refetches each query had, the
 * pass that last invalidated it, and the tables a change has been seen of. Kept apart from the
 * pipeline's decisions: nothing here decides what is invalidated.
 */
export class QueryActivity {
  private readonly stats = new WeakMap<Query, QueryRealtimeStats>()
  private readonly recentPasses = new RecentPasses()
  /** Tables a realtime change has been seen of (learned per batch, not per event). */
  private readonly seenTables = new Set<string>()

  constructor(private readonly options: QueryActivityOptions) {}

  /** A pass (its 'invalidated' event) invalidated these queries. */
  passed(pass: { seq: number; at: number }, queries: readonly Query[]): void {
    this.recentPasses.add(pass, queries)
  }

  sawTables(tables: Iterable<string>): void {
    for (const table of tables) this.seenTables.add(table)
  }

  /** A refetch realtime caused settled (a cancelled one is not counted). */
  refetched(settled: SettledRefetch, now: number): void {
    const { query, outcome, durationMs, dataChanged } = settled
    if (outcome === 'cancelled') return
    let stats = this.stats.get(query)
    if (stats === undefined) {
      stats = { refetches: 0 }
      this.stats.set(query, stats)
    }
    stats.refetches++
    stats.lastRefetch = { at: now, durationMs, outcome, dataChanged }
  }

  /** Every query of the cache, with how realtime reaches it and what it did to it. */
  summarize(cache: QueryCache): QuerySummary[] {
    return summarizeQueries(cache, {
      ...this.options,
      seenTables: this.seenTables,
      stats: this.stats,
      lastPass: this.recentPasses.lastPassOf(),
    })
  }

  clear(): void {
    this.recentPasses.clear()
  }
}
