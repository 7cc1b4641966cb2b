import type { Query } from '@tanstack/query-core'
import type { TableQueries } from './query-index'

/**
 * What a change, a resync or a write touches. A change (or a write) of a row: every query of its
 * table that is not a record key (lists, .all, any other key), and the record keys of that row
 * only. A resync that refetches: every query of its organization. A resync that replays: what
 * its replayed changes in the same pass touched, nothing more.
 */
export type PassCause =
  | {
      readonly kind: 'received'
      readonly orgId?: string
      readonly table: string
      readonly recordId: string
      readonly replayed?: boolean
    }
  | { readonly kind: 'resync'; readonly orgId: string; readonly replayed?: boolean }

export interface MatchSources {
  /** The cached queries of a table (QueryIndex). */
  table(name: string): TableQueries | undefined
  /** Every realtime query of an organization: what a resync that cannot replay refetches. */
  organizationQueries(orgId: string): Iterable<Query>
}

/** An invalidation pass's queries, each once, and per cause the indexes of the ones it matched. */
export interface PassMatch {
  queries: Query[]
  causeKeys: number[][]
  tables: Set<string>
}

/** The matching rule, pure: the queries an invalidation pass of `causes` refetches. */
export function matchPass(causes: readonly PassCause[], sources: MatchSources): PassMatch {
  const queries: Query[] = []
  const indexOf = new Map<Query, number>()
  const add = (query: Query): number => {
    let index = indexOf.get(query)
    if (index === undefined) {
      index = queries.push(query) - 1
      indexOf.set(query, index)
    }
    return index
  }
  const causeKeys: number[][] = new Array(causes.length)
  const tables = new Set<string>()
  const wideOf = new Map<string, number[]>()
  const resyncs: number[] = []
  for (let i = 0; i < causes.length; i++) {
    const cause = causes[i]!
    if (cause.kind === 'resync') {
      resyncs.push(i)
      continue
    }
    tables.add(cause.table)
    const entry = sources.table(cause.table)
    if (entry === undefined) {
      causeKeys[i] = []
      continue
    }
    let wide = wideOf.get(cause.table)
    if (wide === undefined) {
      wide = []
      for (const query of entry.wide) wide.push(add(query))
      wideOf.set(cause.table, wide)
    }
    const records = entry.records.get(cause.recordId)
    if (records === undefined) {
      causeKeys[i] = wide
      continue
    }
    const keys = wide.slice()
    for (const query of records) keys.push(add(query))
    causeKeys[i] = keys
  }
  for (const i of resyncs) {
    const resync = causes[i] as Extract<PassCause, { kind: 'resync' }>
    const keys = new Set<number>()
    if (resync.replayed === true) {
      // The replayed changes of this organization in this pass say what the replay touched.
      for (let j = 0; j < causes.length; j++) {
        const other = causes[j]!
        if (other.kind !== 'received' || other.replayed !== true || other.orgId !== resync.orgId)
          continue
        for (const key of causeKeys[j]!) keys.add(key)
      }
    } else {
      for (const query of sources.organizationQueries(resync.orgId)) keys.add(add(query))
    }
    causeKeys[i] = [...keys]
  }
  return { queries, causeKeys, tables }
}
