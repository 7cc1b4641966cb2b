/**
 * What if the settings were different? simulate() replays a recorded session's arrivals (every
 * change delivered or replayed, this tab's writes, the resyncs), in order and at their recorded
 * times, through the engine's own SyncPipeline (parse, dedup window, echo filter, batcher, the
 * matching rule, invalidation on a real QueryClient) with other settings, against the recorded
 * cache (src/recorded-cache.ts), and says what would have differed. The same code as the engine,
 * not a copy of its rules: a manual clock drives its timers.
 */
import { DEFAULT_GLOBAL_TABLES, optionError } from './options'
import { recordScopesOf } from './query-keys'
import { keyHasher, readRecordedCache, SimulatedCache } from './recorded-cache'
import type { Scheduler } from './scheduler'
import { recordedSettings as settingsOf, type SimulationSettings } from './simulation-settings'
import { SyncPipeline } from './sync-pipeline'
import { parseTableChange } from './table-change'
import {
  BATCH_MODES,
  CHANGE_OPERATIONS,
  type ChangeEvent,
  type ChangeOperation,
  DEDUP_MODES,
  type EngineConfig,
  type InvalidatedEvent,
  type MatchRule,
  type ResyncEvent,
  type SyncEvent,
} from './types'

/**
 * A recorded session as simulate() reads it: the export file (`exportLog()`, or a file the panel
 * exported, parsed) has this shape, and so has `{ events: sync.getEvents(), engine: { config:
 * sync.getConfig() } }`. Without a config the engine's defaults are taken as the recorded ones.
 */
export interface RecordedLog {
  /** Oldest first, as the engine and the export give them; a seq that goes back starts a page load. */
  readonly events: readonly SyncEvent[]
  readonly engine?: { readonly config?: Partial<EngineConfig> }
}

export type { SimulationSettings } from './simulation-settings'

export interface SimulateOptions extends Partial<SimulationSettings> {
  /**
   * The recorded tab's signed-in user, whose changes to rows it wrote are echoes. Default: the
   * actor of the log's 'same-actor' echoes (none: no change is judged this user's).
   */
  userId?: string | null
}

/** What became of an arrival: processed (queued for a pass), or dropped as a duplicate or an echo. */
export type ChangeVerdict = ChangeEvent['kind']

/** The same figures for the recorded session and for the simulation. */
export interface SimulationCounts {
  /** Changes that arrived (delivered or replayed after a gap): the inputs, the same on both sides. */
  received: number
  /** Of those, passed dedup and echo. */
  processed: number
  deduped: number
  echo: number
  /** Invalidation passes that served changes or resyncs. */
  passes: number
  /** Queries those passes invalidated (a pass counts each once). */
  keysInvalidated: number
  /** Of those, the ones on screen: refetched (the others were only marked stale). */
  refetches: number
}

/**
 * An arrival whose verdict differs, or whose pass does (it shared a pass with others than it
 * did: passes merged or split). Seqs are the recorded log's.
 */
export interface SimulatedChange {
  seq: number
  at: number
  orgId: string
  table: string
  recordId: string
  op: ChangeOperation
  eventId?: string
  replayed?: boolean
  recorded: ChangeVerdict
  simulated: ChangeVerdict
  /**
   * The simulated verdict's facts: the event it was matched to (the first delivery of a
   * duplicate, this tab's write of an echo; a recorded seq) and by which rule.
   */
  relatedSeq?: number
  match?: MatchRule
  /** The recorded pass that served it (its batchId). */
  recordedPass?: number
  /** The simulated pass that served it (SimulatedPass.id). */
  simulatedPass?: number
}

/** One invalidation pass of the simulation. */
export interface SimulatedPass {
  /** 1, 2, … in the order they ran. */
  id: number
  /** When it ran (the recording's clock). */
  at: number
  /** Ran at once, no pass within batchMs before it (batchMode 'leading'). */
  leading: boolean
  /** The recorded seqs of the changes and resyncs it served. */
  causes: number[]
  /** The recorded passes (batchIds) that served those causes: two or more, the passes merged. */
  recordedPasses: number[]
  keysInvalidated: number
  refetches: number
  /** It runs after the log's last event: its changes were still waiting when the log ended. */
  afterLog?: true
}

export interface SimulationResult {
  /** The settings simulated. */
  settings: SimulationSettings
  /** The settings the log says the engine ran with (its config, else the defaults). */
  recordedSettings: SimulationSettings
  counts: SimulationCounts
  /** The recorded session's figures, counted the same way. */
  recorded: SimulationCounts
  /** The arrivals whose verdict or pass differs, in the log's order. */
  changed: SimulatedChange[]
  passes: SimulatedPass[]
  /** What the simulation cannot know, in sentences (always the first two; the others when they apply). */
  limits: string[]
}

export const SIMULATION_LIMITS = {
  unknowable:
    'Refetch durations and the data on the server are not in the log: a refetch is counted, not timed, and whether it would have changed the screen is not guessed.',
  cache:
    'The cache is the recorded one: the query keys the recorded passes invalidated, present and on screen as the nearest recorded pass saw them; a query no recorded pass reached is not known.',
  passes:
    "Only passes of changes and resyncs are compared: the refresh after this tab's own writes and invalidateGlobal() do not depend on these settings.",
} as const

/**
 * Replays `log` through the engine's pipeline with `options` (the settings not given are the
 * recorded ones) and compares it with what happened. Throws a RangeError or TypeError for a
 * setting the engine would refuse.
 */
export function simulate(
  log: RecordedLog | readonly SyncEvent[],
  options: SimulateOptions = {},
): SimulationResult {
  const list: unknown = Array.isArray(log) ? log : (log as RecordedLog | undefined)?.events
  if (!Array.isArray(list)) {
    throw new TypeError('simulate: log must be { events: SyncEvent[] } or SyncEvent[]')
  }
  const config = Array.isArray(log) ? undefined : (log as RecordedLog).engine?.config
  const { events, pageLoads } = lastPageLoad((list as unknown[]).filter(isEventLike))
  const recordedSettings = settingsOf(config)
  const settings = chosenSettings(options, recordedSettings)
  const recordScopes = recordScopesOf(config?.recordScopes)
  const session = readSession(events)
  const userId = 'userId' in options ? options.userId : session.userId
  const cache = readRecordedCache(events, recordScopes)
  const simulatedCache = new SimulatedCache(cache)
  const start = session.seeds.reduce((min, seed) => Math.min(min, seed.at), events[0]?.at ?? 0)
  const clock = new ReplayClock(start)
  const pipeline = new SyncPipeline({
    queryClient: simulatedCache.queryClient,
    scheduler: clock,
    userId,
    config: { ...settings, bufferSize: 1, writeConfirmMs: 0, recordScopes },
    globalTables: new Set(),
    isOrganizationQuery: session.organizationRule,
    trackRefetches: false,
    diffs: false,
  })

  // The pipeline's events, each tied back to the recorded input it stands for.
  let expected: number[] = []
  const simulatedSeqs = new Map<number, number>()
  const outcomes = new Map<number, ChangeEvent>()
  const passes: InvalidatedEvent[] = []
  const unsubscribe = pipeline.log.subscribe((event) => {
    if (event.kind === 'invalidated') {
      if (event.trigger === 'batch') passes.push(event)
      return
    }
    const seq = expected.shift()
    if (seq === undefined) return
    simulatedSeqs.set(event.seq, seq)
    if (isChange(event)) outcomes.set(seq, event)
  })
  const feed = (input: Input) => {
    expected = input.seqs.slice()
    input.run(pipeline)
    expected = []
  }
  try {
    for (const seed of session.seeds) {
      clock.runUntil(seed.at, true)
      feed(seed)
    }
    // A timer due at the very millisecond of an arrival ran before it when the recording shows
    // a pass between them at that millisecond; otherwise the arrival came first.
    let passAt = Number.NEGATIVE_INFINITY
    for (const event of events) {
      if (event.kind === 'invalidated') {
        clock.runUntil(event.at, false)
        simulatedCache.apply(cache.steps.get(event.seq))
        if (event.trigger === 'batch') passAt = event.at
        continue
      }
      const input = session.inputs.get(event.seq)
      if (input === undefined) continue
      clock.runUntil(input.at, passAt >= input.at)
      feed(input)
      passAt = Number.NEGATIVE_INFINITY
    }
    clock.runAll()
  } finally {
    unsubscribe()
    pipeline.stop()
    simulatedCache.dispose()
  }
  const lastAt = events.reduce((last, event) => Math.max(last, event.at), start)
  return compare(session, settings, recordedSettings, {
    outcomes,
    simulatedSeqs,
    passes,
    lastAt,
    unknownActive: cache.unknownActive,
    userKnown: userId != null,
    pageLoads,
  })
}

/** One thing that happened to the recorded engine, to do again to the simulated one. */
interface Input {
  at: number
  /** The recorded seqs of the events the pipeline logs for it, in order. */
  seqs: number[]
  run(pipeline: SyncPipeline): void
}

interface Session {
  events: readonly SyncEvent[]
  /** By seq: the arrivals, writes and resyncs, each as it is replayed. */
  inputs: Map<number, Input>
  /** The changes that arrived (readable ones), in seq order. */
  arrivals: ChangeEvent[]
  /** Resyncs that join a pass (their seq). */
  resyncs: number[]
  /** Before the log: the first deliveries and writes its duplicates and echoes point to. */
  seeds: Input[]
  /** By cause seq: the recorded batch pass (batchId) that served it. */
  recordedPassOf: Map<number, number>
  batchPasses: InvalidatedEvent[]
  userId: string | undefined
  organizationRule: (queryKey: readonly unknown[], orgId: string) => boolean
  /** Arrivals left out: malformed ones, and changes whose facts do not parse. */
  unreadable: number
  /** The dedup windows and batch windows the log's decisions name (deduped, leading passes). */
  dedupWindows: Set<number>
  batchWindows: Set<number>
}

function readSession(events: readonly SyncEvent[]): Session {
  const bySeq = new Map<number, SyncEvent>()
  for (const event of events) bySeq.set(event.seq, event)
  const inputs = new Map<number, Input>()
  const arrivals: ChangeEvent[] = []
  const resyncs: number[] = []
  const seeds = new Map<number, Input>()
  const recordedPassOf = new Map<number, number>()
  const batchPasses: InvalidatedEvent[] = []
  const organizationKeys = new Map<string, Set<string>>()
  const hashOf = keyHasher()
  const dedupWindows = new Set<number>()
  const batchWindows = new Set<number>()
  let userId: string | undefined
  let unreadable = 0
  const firstSeq = events[0]?.seq ?? 0
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!
    if (event.kind === 'malformed') unreadable++
    else if (event.kind === 'write') {
      inputs.set(event.seq, writeInput(event.seq, event.at, event.table, event.recordId))
    } else if (event.kind === 'resync') {
      if (event.replayed !== true) {
        inputs.set(event.seq, resyncInput(event, undefined))
        resyncs.push(event.seq)
        continue
      }
      // The rows it replayed follow it, logged in the same call.
      const rows: ChangeEvent[] = []
      let j = i + 1
      for (; j < events.length; j++) {
        const row = events[j]!
        if (row.at !== event.at || !('replayed' in row) || row.replayed !== true) break
        if (row.kind === 'malformed') unreadable++
        else if (!isChange(row) || row.orgId !== event.orgId) break
        else if (!readable(row)) unreadable++
        else {
          rows.push(row)
          arrivals.push(row)
        }
      }
      i = j - 1
      inputs.set(event.seq, resyncInput(event, rows))
      if (rows.length > 0) resyncs.push(event.seq)
    } else if (isChange(event)) {
      if (!readable(event)) {
        unreadable++
        continue
      }
      arrivals.push(event)
      inputs.set(event.seq, changeInput(event))
    } else if (event.kind === 'invalidated' && event.trigger === 'batch') {
      batchPasses.push(event)
      if (event.batchMs !== undefined) batchWindows.add(event.batchMs)
      event.causes.forEach((seq, index) => {
        recordedPassOf.set(seq, event.batchId)
        const cause = bySeq.get(seq)
        if (cause?.kind !== 'resync' || cause.replayed === true) return
        let keys = organizationKeys.get(cause.orgId)
        if (keys === undefined) organizationKeys.set(cause.orgId, (keys = new Set()))
        for (const ref of event.causeKeys[index] ?? []) {
          const key = event.matchedKeys[ref]
          if (key !== undefined) keys.add(hashOf(key))
        }
      })
    }
  }
  for (const arrival of arrivals) {
    if (arrival.kind === 'echo' && arrival.match === 'same-actor' && userId === undefined) {
      userId = arrival.actorId ?? undefined
    }
    if (arrival.kind === 'deduped') dedupWindows.add(arrival.windowMs)
    // What it was matched to lies before the log: put it back, as context.
    const { relatedSeq, ageMs } = arrival
    if (relatedSeq === undefined || ageMs === undefined) continue
    if (relatedSeq >= firstSeq || seeds.has(relatedSeq)) continue
    const at = arrival.at - ageMs
    if (arrival.kind === 'deduped') {
      const first = changeInput({ ...arrival, seq: relatedSeq, at, kind: 'received' })
      seeds.set(relatedSeq, first)
    } else {
      seeds.set(relatedSeq, writeInput(relatedSeq, at, arrival.table, arrival.recordId))
    }
  }
  return {
    events,
    inputs,
    arrivals,
    resyncs,
    seeds: [...seeds.values()].sort((a, b) => a.at - b.at || a.seqs[0]! - b.seqs[0]!),
    recordedPassOf,
    batchPasses,
    userId,
    organizationRule: (queryKey, orgId) => {
      const known = organizationKeys.get(orgId)
      if (known !== undefined) return known.has(hashOf(queryKey))
      return !(DEFAULT_GLOBAL_TABLES as readonly unknown[]).includes(queryKey[0])
    },
    unreadable,
    dedupWindows,
    batchWindows,
  }
}

function changeInput(event: ChangeEvent): Input {
  const payload = payloadOf(event)
  const replayed = event.replayed === true ? true : undefined
  return {
    at: event.at,
    seqs: [event.seq],
    run: (pipeline) => pipeline.receive(event.orgId, payload, replayed),
  }
}

function writeInput(seq: number, at: number, table: string, recordId: string): Input {
  return { at, seqs: [seq], run: (pipeline) => pipeline.markLocalWrite(table, recordId) }
}

/** A resync: one that replayed, with the rows it replayed; one that refetched the organization. */
function resyncInput(event: ResyncEvent, rows: readonly ChangeEvent[] | undefined): Input {
  const state = {
    orgId: event.orgId,
    topic: event.channel.topic,
    status: event.channel.status,
    subscribedCount: 1,
  }
  const facts = {
    gapMs: event.gapMs,
    first: event.first === true ? (true as const) : undefined,
    replayedCount: event.replayedCount,
    rereadCount: event.rereadCount,
    firstId: event.firstId,
    lastId: event.lastId,
    fallback: event.fallback,
    maxReplay: event.maxReplay,
    retentionMs: event.retentionMs,
    error: event.error,
  }
  return {
    at: event.at,
    seqs: [event.seq, ...(rows ?? []).map((row) => row.seq)],
    run:
      rows === undefined
        ? (pipeline) => pipeline.refetchOrganization(state, facts)
        : (pipeline) =>
            pipeline.replayOrganization(
              state,
              facts,
              rows.map((row) => payloadOf(row).new),
            ),
  }
}

/**
 * The delivery as supabase-js handed it over: the recorded row, its facts as the engine read
 * them. A replayed row came without a commit timestamp, as it does here.
 */
function payloadOf(event: ChangeEvent): {
  new: Record<string, unknown>
  commit_timestamp?: string
} {
  const recorded =
    typeof event.payload === 'object' && event.payload !== null
      ? (event.payload as Record<string, unknown>)
      : {}
  const row: Record<string, unknown> = {
    ...recorded,
    organization_id: event.orgId,
    table_name: event.table,
    event_type: event.op,
    record_id: event.recordId,
  }
  // The id as it came (a number from PostgREST and Realtime), so the dedup window keys it alike.
  if (event.eventId === undefined) delete row.id
  else if (String(recorded.id) !== event.eventId) row.id = event.eventId
  if (event.actorId === undefined) delete row.actor_id
  else row.actor_id = event.actorId
  return event.commitTimestamp === undefined
    ? { new: row }
    : { new: row, commit_timestamp: event.commitTimestamp }
}

/** A recorded change the pipeline can read again (one from a file may have been edited). */
function readable(event: ChangeEvent): boolean {
  if (typeof event.orgId !== 'string' || typeof event.table !== 'string') return false
  if (typeof event.recordId !== 'string') return false
  if (!(CHANGE_OPERATIONS as readonly unknown[]).includes(event.op)) return false
  return parseTableChange(payloadOf(event), event.orgId).ok
}

interface Simulated {
  outcomes: Map<number, ChangeEvent>
  simulatedSeqs: Map<number, number>
  passes: InvalidatedEvent[]
  lastAt: number
  unknownActive: number
  userKnown: boolean
  /** Page loads in the log (its seq started again); the last is simulated. */
  pageLoads: number
}

function compare(
  session: Session,
  settings: SimulationSettings,
  recordedSettings: SimulationSettings,
  simulated: Simulated,
): SimulationResult {
  const fed = new Set<number>([...session.arrivals.map((a) => a.seq), ...session.resyncs])
  const recorded = emptyCounts()
  const counts = emptyCounts()
  for (const arrival of session.arrivals) {
    count(recorded, arrival.kind)
    const outcome = simulated.outcomes.get(arrival.seq)
    if (outcome !== undefined) count(counts, outcome.kind)
  }
  for (const pass of session.batchPasses) {
    if (!pass.causes.some((seq) => fed.has(seq))) continue
    addPass(recorded, pass)
  }
  const toRecorded = (seq: number) => simulated.simulatedSeqs.get(seq)
  const passes: SimulatedPass[] = []
  const simulatedPassOf = new Map<number, number>()
  for (const pass of simulated.passes) {
    const causes: number[] = []
    for (const cause of pass.causes) {
      const seq = toRecorded(cause)
      if (seq !== undefined && fed.has(seq)) causes.push(seq)
    }
    if (causes.length === 0) continue // context from before the log
    addPass(counts, pass)
    const id = passes.length + 1
    const recordedPasses = new Set<number>()
    for (const seq of causes) {
      simulatedPassOf.set(seq, id)
      const batchId = session.recordedPassOf.get(seq)
      if (batchId !== undefined) recordedPasses.add(batchId)
    }
    passes.push({
      id,
      at: pass.at,
      leading: pass.leading === true,
      causes,
      recordedPasses: [...recordedPasses].sort((a, b) => a - b),
      keysInvalidated: pass.matchedKeys.length,
      refetches: pass.matchedKeys.length - pass.markedStale,
      afterLog: pass.at > simulated.lastAt ? true : undefined,
    })
  }
  // Passes regrouped: a recorded pass whose causes went to several simulated ones (split), or a
  // simulated pass serving the causes of several recorded ones (merged).
  const splits = new Map<number, Set<number>>()
  for (const seq of fed) {
    const batchId = session.recordedPassOf.get(seq)
    const id = simulatedPassOf.get(seq)
    if (batchId === undefined || id === undefined) continue
    let set = splits.get(batchId)
    if (set === undefined) splits.set(batchId, (set = new Set()))
    set.add(id)
  }
  const changed: SimulatedChange[] = []
  for (const arrival of session.arrivals) {
    const outcome = simulated.outcomes.get(arrival.seq)
    if (outcome === undefined) continue
    const recordedPass = session.recordedPassOf.get(arrival.seq)
    const simulatedPass = simulatedPassOf.get(arrival.seq)
    const regrouped =
      recordedPass !== undefined &&
      simulatedPass !== undefined &&
      ((splits.get(recordedPass)?.size ?? 0) > 1 ||
        (passes[simulatedPass - 1]?.recordedPasses.length ?? 0) > 1)
    if (outcome.kind === arrival.kind && !regrouped) continue
    changed.push({
      seq: arrival.seq,
      at: arrival.at,
      orgId: arrival.orgId,
      table: arrival.table,
      recordId: arrival.recordId,
      op: arrival.op,
      eventId: arrival.eventId,
      replayed: arrival.replayed,
      recorded: arrival.kind,
      simulated: outcome.kind,
      relatedSeq: outcome.relatedSeq === undefined ? undefined : toRecorded(outcome.relatedSeq),
      match: outcome.match,
      recordedPass,
      simulatedPass,
    })
  }
  return {
    settings,
    recordedSettings,
    counts,
    recorded,
    changed,
    passes,
    limits: limitsOf(session, recordedSettings, simulated, passes),
  }
}

function limitsOf(
  session: Session,
  recordedSettings: SimulationSettings,
  simulated: Simulated,
  passes: readonly SimulatedPass[],
): string[] {
  const limits: string[] = [SIMULATION_LIMITS.unknowable, SIMULATION_LIMITS.cache]
  if (simulated.pageLoads > 1) {
    limits.push(
      `The log holds ${simulated.pageLoads} page loads (its seq starts again): the last one is simulated, from event ${session.events[0]?.seq ?? 1}.`,
    )
  }
  const firstSeq = session.events[0]?.seq ?? 1
  if (firstSeq > 1) {
    limits.push(
      `The log starts at event ${firstSeq}: what came before it is known only where a later event points to it (a duplicate's first delivery, an echo's write).`,
    )
  }
  const other = [
    ...[...session.dedupWindows]
      .filter((ms) => ms !== recordedSettings.dedupWindowMs)
      .map((ms) => `dedupWindowMs ${ms} ms`),
    ...[...session.batchWindows]
      .filter((ms) => ms !== recordedSettings.batchMs)
      .map((ms) => `batchMs ${ms} ms`),
  ]
  if (other.length > 0) {
    limits.push(
      `Some recorded decisions were made with other settings than the log's (${other.join(', ')}): they were changed during the session.`,
    )
  }
  const writes = session.events.some((event) => event.kind === 'write')
  if (!simulated.userKnown && writes) {
    limits.push(
      "No echo in the log names this tab's user: pass userId to simulate() so that a change by this user to a row this tab wrote is judged an echo.",
    )
  }
  if (simulated.unknownActive > 0) {
    limits.push(
      `${simulated.unknownActive} ${simulated.unknownActive === 1 ? 'query was' : 'queries were'} never seen refetched or left alone: taken as not on screen.`,
    )
  }
  const afterLog = passes.filter((pass) => pass.afterLog).length
  if (afterLog > 0) {
    limits.push(
      `${afterLog} simulated ${afterLog === 1 ? 'pass runs' : 'passes run'} after the log's last event: ${afterLog === 1 ? 'its' : 'their'} changes were still waiting when it ended.`,
    )
  }
  if (session.unreadable > 0) {
    limits.push(
      `${session.unreadable} ${session.unreadable === 1 ? 'arrival' : 'arrivals'} the engine could not read (malformed) ${session.unreadable === 1 ? 'is' : 'are'} left out: no setting changes that verdict.`,
    )
  }
  limits.push(SIMULATION_LIMITS.passes)
  return limits
}

function emptyCounts(): SimulationCounts {
  return {
    received: 0,
    processed: 0,
    deduped: 0,
    echo: 0,
    passes: 0,
    keysInvalidated: 0,
    refetches: 0,
  }
}

function count(counts: SimulationCounts, verdict: ChangeVerdict): void {
  counts.received++
  if (verdict === 'received') counts.processed++
  else counts[verdict]++
}

function addPass(counts: SimulationCounts, pass: InvalidatedEvent): void {
  counts.passes++
  counts.keysInvalidated += pass.matchedKeys.length
  counts.refetches += pass.matchedKeys.length - pass.markedStale
}

/** The options over the recorded settings, each checked as the engine checks it. */
function chosenSettings(
  options: SimulateOptions,
  recorded: SimulationSettings,
): SimulationSettings {
  const settings = { ...recorded }
  for (const name of ['dedupWindowMs', 'echoWindowMs', 'batchMs'] as const) {
    const value = options[name]
    if (value === undefined) continue
    const error = optionError(name, value)
    if (error !== undefined) throw new RangeError(`simulate: ${error}`)
    settings[name] = value
  }
  if (options.batchMode !== undefined) {
    settings.batchMode = oneOf('batchMode', options.batchMode, BATCH_MODES)
  }
  if (options.dedupBy !== undefined)
    settings.dedupBy = oneOf('dedupBy', options.dedupBy, DEDUP_MODES)
  return settings
}

function oneOf<T extends string>(name: string, value: unknown, values: readonly T[]): T {
  if ((values as readonly unknown[]).includes(value)) return value as T
  throw new TypeError(
    `simulate: ${name} must be ${values.map((v) => `'${v}'`).join(' or ')} (got ${String(value)})`,
  )
}

/**
 * The events of the log's last page load, in log order: a preserved log holds several, each
 * engine's seq starting again.
 */
function lastPageLoad(events: readonly SyncEvent[]): { events: SyncEvent[]; pageLoads: number } {
  let start = 0
  let pageLoads = events.length > 0 ? 1 : 0
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.seq > events[i - 1]!.seq) continue
    start = i
    pageLoads++
  }
  return { events: events.slice(start), pageLoads }
}

function isEventLike(value: unknown): value is SyncEvent {
  if (typeof value !== 'object' || value === null) return false
  const event = value as Record<string, unknown>
  return (
    typeof event.seq === 'number' && typeof event.at === 'number' && typeof event.kind === 'string'
  )
}

function isChange(event: SyncEvent): event is ChangeEvent {
  return event.kind === 'received' || event.kind === 'deduped' || event.kind === 'echo'
}

/**
 * The simulation's clock: it moves only when told, to each recorded time, running the timers
 * that fall due on the way in time order (the engine's batch timer is the only one it sets).
 */
class ReplayClock implements Scheduler {
  private nextId = 1
  private readonly timers = new Map<number, { at: number; callback: () => void }>()

  constructor(private time: number) {}

  now = (): number => this.time

  setTimeout = (callback: () => void, ms: number): unknown => {
    const id = this.nextId++
    this.timers.set(id, { at: this.time + Math.max(0, ms), callback })
    return id
  }

  clearTimeout = (handle: unknown): void => {
    this.timers.delete(handle as number)
  }

  /**
   * Runs the timers due before `time` (and at it, when `inclusive`), then reads `time`; it never
   * goes back (a recorded clock may have).
   */
  runUntil(time: number, inclusive: boolean): void {
    for (;;) {
      const due = this.next()
      if (due === undefined || due.at > time || (!inclusive && due.at === time)) break
      this.run(due)
    }
    this.time = Math.max(this.time, time)
  }

  /** Runs every timer left, in time order. */
  runAll(): void {
    for (let due = this.next(); due !== undefined; due = this.next()) this.run(due)
  }

  private next(): { id: number; at: number; callback: () => void } | undefined {
    let due: { id: number; at: number; callback: () => void } | undefined
    for (const [id, timer] of this.timers) {
      if (due === undefined || timer.at < due.at) due = { id, ...timer }
    }
    return due
  }

  private run(due: { id: number; at: number; callback: () => void }): void {
    this.timers.delete(due.id)
    this.time = Math.max(this.time, due.at)
    due.callback()
  }
}
