import { hashKey, QueryClient, QueryObserver, type QueryKey } from '@tanstack/query-core'
import { classifyQueryKey } from './query-keys'
import type { InvalidatedEvent, SyncEvent } from './types'

/**
 * The QueryCache of a recorded session, rebuilt from its log for simulate(): the only queries a
 * log names are the keys its passes invalidated (`matchedKeys`), and a pass says which of them
 * were on screen (the `refetched` events it started, `markedStale` for the others). Each pass is
 * a sighting of the cache at its time: a key it matched was there; a key it would have matched
 * by the rule (a list of a changed row's table, that row's record key) but did not was not. The
 * simulation's cache follows those sightings over time, so a pass replayed at the recorded
 * moment finds the queries the recorded one found.
 */

/** One change of the rebuilt cache: from `at` on (engine clock), the key is there or not, on screen or not. */
export interface CacheStep {
  readonly at: number
  /** The recorded pass whose sighting it is (the step applies just before it). */
  readonly seq: number
  readonly hash: string
  readonly present: boolean
  readonly active: boolean
}

export interface RecordedCache {
  /** Every key the log names, by TanStack's hash. */
  readonly keys: ReadonlyMap<string, QueryKey>
  /** The state of each key before the first step (its first sighting's). */
  readonly initial: readonly { hash: string; present: boolean; active: boolean }[]
  /** The changes after it, by the recorded pass that saw them (its seq). */
  readonly steps: ReadonlyMap<number, readonly CacheStep[]>
  /** Keys whose on-screen state no recorded pass told (taken as not on screen). */
  readonly unknownActive: number
}

interface Sighting {
  at: number
  seq: number
  present: boolean
  /** undefined: the pass does not say (its refetches had not settled when the log ended). */
  active?: boolean
}

interface KeyTargetOf {
  table: string
  recordId?: string
}

/**
 * Reads the cache from `events` (in seq order). `recordScopes`: the engine's, so keys are
 * classified as it classified them.
 */
export function readRecordedCache(
  events: readonly SyncEvent[],
  recordScopes: readonly string[],
): RecordedCache {
  const bySeq = new Map<number, SyncEvent>()
  const refetchedBy = new Map<number, Set<string>>()
  const passes: InvalidatedEvent[] = []
  const keys = new Map<string, QueryKey>()
  const targets = new Map<string, KeyTargetOf>()
  const hashOf = keyHasher()
  const addKey = (key: readonly unknown[]): string => {
    const hash = hashOf(key)
    if (!keys.has(hash)) {
      keys.set(hash, key as QueryKey)
      const target = classifyQueryKey(key, recordScopes)
      if (target !== undefined) targets.set(hash, target)
    }
    return hash
  }
  for (const event of events) {
    bySeq.set(event.seq, event)
    if (event.kind === 'invalidated') {
      passes.push(event)
      for (const key of event.matchedKeys) addKey(key)
    } else if (event.kind === 'refetched') {
      let set = refetchedBy.get(event.batchId)
      if (set === undefined) refetchedBy.set(event.batchId, (set = new Set()))
      set.add(addKey(event.queryKey))
    }
  }
  const index = indexByTable(targets)
  const sightings = new Map<string, Sighting[]>()
  const sight = (hash: string, sighting: Sighting) => {
    let list = sightings.get(hash)
    if (list === undefined) sightings.set(hash, (list = []))
    list.push(sighting)
  }
  for (const pass of passes) {
    const matched = new Set(pass.matchedKeys.map(hashOf))
    const refetched = refetchedBy.get(pass.batchId) ?? new Set<string>()
    let knownActive = 0
    for (const hash of matched) if (refetched.has(hash)) knownActive++
    const onScreen = matched.size - pass.markedStale
    // The refetches not seen say the rest: all of them on screen, or none.
    const rest = knownActive === onScreen ? false : onScreen === matched.size ? true : undefined
    const { at, seq } = pass
    for (const hash of matched) {
      sight(hash, { at, seq, present: true, active: refetched.has(hash) ? true : rest })
    }
    for (const hash of wouldMatch(pass, bySeq, index, keys)) {
      if (!matched.has(hash)) sight(hash, { at, seq, present: false })
    }
  }
  return stepsOf(keys, sightings)
}

/**
 * TanStack's hash of a key (what the QueryCache files it under), computed once per distinct key:
 * a long log names the same keys in every pass.
 */
export function keyHasher(): (key: readonly unknown[]) => string {
  const hashes = new Map<string, string>()
  return (key) => {
    const text = JSON.stringify(key)
    let hash = hashes.get(text)
    if (hash === undefined) hashes.set(text, (hash = hashKey(key as QueryKey)))
    return hash
  }
}

/** Keys by table: the table's wide keys and its record keys by id (as the QueryIndex holds them). */
interface KeysByTable {
  wide: string[]
  records: Map<string, string[]>
}

function indexByTable(targets: ReadonlyMap<string, KeyTargetOf>): Map<string, KeysByTable> {
  const index = new Map<string, KeysByTable>()
  for (const [hash, { table, recordId }] of targets) {
    let entry = index.get(table)
    if (entry === undefined) index.set(table, (entry = { wide: [], records: new Map() }))
    if (recordId === undefined) entry.wide.push(hash)
    else {
      const list = entry.records.get(recordId)
      if (list === undefined) entry.records.set(recordId, [hash])
      else list.push(hash)
    }
  }
  return index
}

/**
 * The known keys the matching rule says `pass` would have matched, had they been in the cache:
 * its changes' tables and rows, its write's rows, its manual table. A resync that refetched the
 * organization names none (which queries an app counts as the organization's is its own rule).
 */
function wouldMatch(
  pass: InvalidatedEvent,
  bySeq: ReadonlyMap<number, SyncEvent>,
  index: ReadonlyMap<string, KeysByTable>,
  keys: ReadonlyMap<string, QueryKey>,
): Set<string> {
  const found = new Set<string>()
  const row = (table: string, recordId: string) => {
    const entry = index.get(table)
    if (entry === undefined) return
    for (const hash of entry.wide) found.add(hash)
    for (const hash of entry.records.get(recordId) ?? []) found.add(hash)
  }
  if (pass.trigger === 'manual') {
    const entry = pass.table === undefined ? undefined : index.get(pass.table)
    if (entry !== undefined) {
      for (const hash of entry.wide) found.add(hash)
      for (const list of entry.records.values()) for (const hash of list) found.add(hash)
    }
  } else if (pass.trigger === 'write') {
    for (const [table, recordId] of pass.writes ?? []) row(table, recordId)
  } else {
    for (const seq of pass.causes) {
      const cause = bySeq.get(seq)
      if (cause?.kind === 'received') row(cause.table, cause.recordId)
    }
  }
  for (const hash of found) if (!keys.has(hash)) found.delete(hash)
  return found
}

function stepsOf(
  keys: ReadonlyMap<string, QueryKey>,
  sightings: ReadonlyMap<string, Sighting[]>,
): RecordedCache {
  const initial: { hash: string; present: boolean; active: boolean }[] = []
  const steps = new Map<number, CacheStep[]>()
  let unknownActive = 0
  for (const hash of keys.keys()) {
    const list = sightings.get(hash) ?? []
    // On screen before anything said so: as the first sighting that says.
    const firstKnown = list.find((s) => s.active !== undefined)?.active
    if (firstKnown === undefined) unknownActive++
    let present = list[0]?.present ?? false
    let active = firstKnown ?? false
    initial.push({ hash, present, active })
    for (const sighting of list.slice(1)) {
      const nextActive = sighting.present ? (sighting.active ?? active) : active
      if (sighting.present === present && nextActive === active) continue
      present = sighting.present
      active = nextActive
      const { at, seq } = sighting
      const step: CacheStep = { at, seq, hash, present, active }
      const list = steps.get(seq)
      if (list === undefined) steps.set(seq, [step])
      else list.push(step)
    }
  }
  return { keys, initial, steps, unknownActive }
}

/**
 * A real QueryClient holding the rebuilt cache: every query present with data, the ones on
 * screen observed (so TanStack counts them active and invalidation refetches them). A query's
 * fetch does nothing: the simulation counts refetches, it does not run them (nor pays for
 * TanStack's fetch machinery, 100,000 times in a long log).
 */
export class SimulatedCache {
  readonly queryClient = new QueryClient({
    defaultOptions: { queries: { gcTime: Number.POSITIVE_INFINITY, retry: false } },
  })
  private readonly observers = new Map<string, () => void>()

  constructor(private readonly cache: RecordedCache) {
    for (const { hash, present, active } of cache.initial) this.set(hash, present, active)
  }

  apply(steps: readonly CacheStep[] | undefined): void {
    for (const step of steps ?? []) this.set(step.hash, step.present, step.active)
  }

  private set(hash: string, present: boolean, active: boolean): void {
    const queryKey = this.cache.keys.get(hash)
    if (queryKey === undefined) return
    const observed = this.observers.get(hash)
    if (!present || !active) {
      observed?.()
      this.observers.delete(hash)
    }
    if (!present) {
      this.queryClient.removeQueries({ queryKey, exact: true })
      return
    }
    if (this.queryClient.getQueryCache().get(hash) === undefined) {
      this.queryClient.setQueryData(queryKey, RECORDED_DATA)
      // Counted, not run: a pass's refetch resolves at once and changes nothing.
      const query = this.queryClient.getQueryCache().get(hash)
      if (query !== undefined) query.fetch = notFetched
    }
    if (active && observed === undefined) {
      const observer = new QueryObserver(this.queryClient, {
        queryKey,
        queryFn: notFetched,
        staleTime: Number.POSITIVE_INFINITY,
        refetchOnMount: false,
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
      })
      this.observers.set(hash, observer.subscribe(noop))
    }
  }

  dispose(): void {
    for (const unsubscribe of this.observers.values()) unsubscribe()
    this.observers.clear()
    this.queryClient.clear()
  }
}

/** What a simulated query holds: the data on the server is not in the log. */
const RECORDED_DATA = Symbol('recorded')

const NOT_FETCHED = Promise.resolve(RECORDED_DATA)

function notFetched(): Promise<typeof RECORDED_DATA> {
  return NOT_FETCHED
}

function noop() {}
