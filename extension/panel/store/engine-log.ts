import { TUNABLE_OPTIONS } from '../../../src/options'
import { SYNC_EVENT_KINDS, type SyncEvent, type UnconfirmedEvent } from '../../../src/types'
import { isChange, orgOf, tableOf } from './event-facts'
import { plural } from './format'
import { CHANGE_KIND_CODES } from './change-columns'
import { KIND_MARKER, KIND_OBJECT, RowColumns } from './row-columns'
import { eventsOf, type EventRow, type MarkerKind, type MarkerRow, type RowList } from './rows'

export const DEFAULT_MAX_EVENTS = 200_000
/** The caps the panel offers (events held per engine; the oldest go first). */
export const EVENT_CAPS = [100_000, 200_000, 500_000, 1_000_000] as const
const MAX_UNCONFIRMED = 1_000
/** An echo can come no later than the longest echo window the engine accepts after its write. */
const MAX_ECHO_WINDOW_MS = TUNABLE_OPTIONS.echoWindowMs.max
/** How far the page's two clocks (Date.now(), performance.now() + timeOrigin) may disagree. */
const CLOCK_SLACK_MS = 1_000

export interface RingInfo {
  /** The engine's ring capacity (config.bufferSize), for the marker text. */
  bufferSize?: number
  /** Events the engine's ring has dropped since it started. */
  dropped?: number
}

/**
 * What the panel holds for one engine: its rows (events and markers) in arrival order, and the
 * seq baseline of the current page session that continuity checks run against.
 *
 * Continuity, per (session, engine):
 *   - seq ≤ last held: a duplicate (a reconnect's snapshot overlapping what we have): ignored;
 *   - a jump inside a snapshot: the ring no longer holds those events (it overflowed, or was
 *     cleared) — a "fell off the engine's ring" marker;
 *   - a jump in a live batch: events were lost on the way — a "gap" marker.
 */
export class EngineLog {
  /** The rows, in columns (row-columns.ts): a new store on every clear. */
  private store: RowColumns
  /**
   * session → the stretches of rows (absolute indexes [from, to)) it spans, for the decision
   * trail's links: its seqs grow with the index, so a lookup is a binary search and an event
   * costs no map entry.
   */
  private readonly bySession = new Map<string, [number, number][]>()
  /**
   * session + batch id → the 'refetched' rows of that pass, in arrival order: the same array
   * while the pass gains none, so the views cache what they make of it by its identity.
   */
  private readonly refetchesByPass = new Map<string, EventRow[]>()
  private sessionName = ''
  /** The page load of the last event appended (its stretch may go on). */
  private lastAppended: string | undefined
  private last = 0
  /** Event rows held (markers not counted). */
  heldEvents = 0
  /** Events dropped by the panel's own cap (oldest first). */
  capDropped = 0
  gaps = 0
  gapMissing = 0
  ringMissing = 0
  /** Bumped on every clear, so derived views know to rebuild. */
  generation = 0
  readonly tables = new Set<string>()
  readonly orgs = new Set<string>()
  /**
   * The engine's `unconfirmed` events (rare), newest MAX_UNCONFIRMED, for the Writes tab: a new
   * array whenever one arrives, so a view memoized on it rebuilds only then.
   */
  unconfirmed: readonly UnconfirmedEvent[] = []

  constructor(
    readonly engineId: string,
    private readonly nextId: () => number,
    private maxEvents = DEFAULT_MAX_EVENTS,
  ) {
    this.store = new RowColumns(engineId)
  }

  /** The rows held (events and markers), in id order. */
  get rows(): RowColumns {
    return this.store
  }

  get session(): string {
    return this.sessionName
  }

  /** The seq of the newest event held for the current session (0: none). */
  get lastSeq(): number {
    return this.last
  }

  /** A new page load: seqs start again, the baseline goes back to 0 (or `baseline`). */
  startSession(session: string, baseline = 0): void {
    this.sessionName = session
    this.last = baseline
  }

  /**
   * Appends a batch (oldest first). `restartOnBackwards` (imports of preserved logs): a seq that
   * goes back starts a new session instead of being a duplicate.
   */
  ingest(
    events: readonly SyncEvent[],
    options: { snapshot: boolean; ring?: RingInfo; restartOnBackwards?: boolean },
  ): number {
    let added = 0
    for (const event of events) {
      if (event.seq <= this.last) {
        // A duplicate (a reconnect's snapshot overlapping what is held): already held.
        if (!options.restartOnBackwards) continue
        this.startSession(`${this.sessionName}+`)
        this.addMarker(
          'restart',
          event.at,
          `Sequence restarts at #${event.seq}: a new page load in this log`,
        )
      }
      if (event.seq > this.last + 1 && this.last > 0) {
        this.noteMissing(this.last + 1, event.seq - 1, event.at, options)
      } else if (event.seq > 1 && this.last === 0 && options.snapshot) {
        // The first events the panel sees of this page load: what came before left the ring.
        this.noteMissing(1, event.seq - 1, event.at, options)
      }
      this.last = event.seq
      this.append(event)
      added++
    }
    this.enforceCap()
    return added
  }

  /**
   * An empty snapshot from an engine whose lastSeq is past ours: those events are no longer in
   * the ring (it was cleared, or overflowed). Record it so the next live event is not a "gap".
   */
  noteEmptySnapshot(engineLastSeq: number, at: number, ring: RingInfo): void {
    if (engineLastSeq <= this.last) return
    this.noteMissing(this.last + 1, engineLastSeq, at, { snapshot: true, ring })
    this.last = engineLastSeq
  }

  addMarker(
    marker: MarkerKind,
    at: number,
    text: string,
    missing?: MarkerRow['missing'],
  ): MarkerRow {
    const row: MarkerRow = { type: 'marker', id: this.nextId(), marker, at, text, missing }
    this.store.pushMarker(row)
    return row
  }

  /** A new cap: a lower one lets the oldest rows go at once (counted as the cap's). */
  setMaxEvents(maxEvents: number): void {
    this.maxEvents = maxEvents
    this.enforceCap()
  }

  /** The panel's Clear: forget the rows, keep the seq baseline (continuity still checked). */
  clearView(): void {
    this.store = new RowColumns(this.engineId)
    this.lastAppended = undefined
    this.bySession.clear()
    this.refetchesByPass.clear()
    this.heldEvents = 0
    this.capDropped = 0
    this.gaps = 0
    this.gapMissing = 0
    this.ringMissing = 0
    this.tables.clear()
    this.orgs.clear()
    this.unconfirmed = []
    this.generation++
  }

  /** The 'refetched' rows of the pass `batchId` of `session`. */
  refetchesOf(session: string, batchId: number): EventRow[] {
    return this.refetchesByPass.get(passKey(session, batchId)) ?? []
  }

  find(session: string, seq: number): EventRow | undefined {
    const abs = this.findAbs(session, seq)
    const row = abs === -1 ? undefined : this.store.rowAt(abs)
    return row?.type === 'event' ? row : undefined
  }

  /** The row with this id, if the log still holds it. */
  rowById(id: number): EventRow | MarkerRow | undefined {
    return this.store.rowById(id)
  }

  view(): RowList {
    return this.store.view()
  }

  /** Event rows of this log, oldest first (what an export writes). */
  events(): SyncEvent[] {
    return eventsOf(this.store.view())
  }

  /**
   * The rows (up to `limit`) of the realtime_table_events row `eventId` as delivered live since
   * `since` (a frame's arrival): what a Socket tab frame links back to. The scan reads back only
   * as far as `since`, not the whole log. The tap stamps frames with performance.now() +
   * timeOrigin and the engine its events with Date.now(): a second's slack covers the two
   * clocks. Replayed rows came from a read, not a frame.
   */
  deliveredRows(eventId: string, since: number, limit = 8): EventRow[] {
    const out: EventRow[] = []
    const store = this.store
    for (let abs = store.end - 1; abs >= store.head; abs--) {
      const kind = store.kindOf(abs)
      if (kind === KIND_MARKER) continue
      if (store.atOf(abs) < since - CLOCK_SLACK_MS) break
      if (kind !== KIND_OBJECT && !CHANGE_KIND_CODES.has(kind)) continue
      const row = store.rowAt(abs)
      if (row?.type !== 'event') continue
      const { event } = row
      if (isChange(event) && event.eventId === eventId && event.replayed !== true) out.push(row)
    }
    return out.reverse().slice(0, limit)
  }

  /**
   * Echo rows that point back at the write `seq` of `session`: scanned forward from the write,
   * for as long as an echo window can be (the option's largest value).
   */
  echoesOf(session: string, seq: number, limit = 50): EventRow[] {
    const writeAbs = this.findAbs(session, seq)
    const write = writeAbs === -1 ? undefined : this.store.rowAt(writeAbs)
    if (write?.type !== 'event') return []
    const until = write.event.at + MAX_ECHO_WINDOW_MS
    const out: EventRow[] = []
    const store = this.store
    for (let abs = writeAbs; abs < store.end && out.length < limit; abs++) {
      if (store.kindOf(abs) !== ECHO_CODE && store.kindOf(abs) !== KIND_OBJECT) continue
      if (store.sessionOf(abs) !== session) continue
      if (store.atOf(abs) > until) break
      const row = store.rowAt(abs)
      if (row?.type !== 'event') continue
      if (row.event.kind === 'echo' && row.event.relatedSeq === seq) out.push(row)
    }
    return out
  }

  /** Absolute index of the event `seq` of `session`, or -1. */
  private findAbs(session: string, seq: number): number {
    for (const [from, to] of this.bySession.get(session) ?? []) {
      const abs = this.store.findSeq(session, seq, from, to)
      if (abs !== -1) return abs
    }
    return -1
  }

  private noteMissing(
    from: number,
    to: number,
    at: number,
    options: { snapshot: boolean; ring?: RingInfo },
  ): void {
    const count = to - from + 1
    const range = from === to ? `#${from}` : `#${from}–#${to}`
    if (options.snapshot) {
      this.ringMissing += count
      const size = options.ring?.bufferSize
      const ringText =
        size === undefined ? 'bufferSize' : `bufferSize ${size.toLocaleString('en-US')}`
      const explained = options.ring?.dropped === undefined || options.ring.dropped >= count
      const text = explained
        ? `${plural(count, 'older event')} fell off the engine's ring (${ringText}) before the panel received ${count === 1 ? 'it' : 'them'} (${range})`
        : `${plural(count, 'older event')} no longer in the engine's buffer: cleared, or fell off the ring (${ringText}) (${range})`
      this.addMarker('ring', at, text, { count, from, to })
    } else {
      this.gaps++
      this.gapMissing += count
      this.addMarker('gap', at, `gap: ${plural(count, 'event')} missing (${range})`, {
        count,
        from,
        to,
      })
    }
  }

  private append(event: SyncEvent): void {
    const id = this.nextId()
    const session = this.sessionName
    const abs = this.store.pushEvent(id, session, event)
    let stretches = this.bySession.get(session)
    if (stretches === undefined) {
      stretches = []
      this.bySession.set(session, stretches)
    }
    // A page load's rows are one stretch unless another page load's rows came in between
    // (markers in between are skipped by the lookups).
    const lastStretch = stretches.at(-1)
    if (lastStretch !== undefined && this.lastAppended === session) lastStretch[1] = abs + 1
    else stretches.push([abs, abs + 1])
    this.lastAppended = session
    if (event.kind === 'invalidated') {
      const row = this.store.rowAt(abs) as EventRow
      event.causes.forEach((cause, index) => {
        const served = this.findAbs(session, cause)
        if (served !== -1) this.store.setServedBy(served, row, index)
      })
    }
    if (event.kind === 'refetched') {
      // Kept as its object by the columns (not a change): the row is the log's own.
      const row = this.store.rowAt(abs) as EventRow
      const key = passKey(session, event.batchId)
      const rows = this.refetchesByPass.get(key)
      if (rows === undefined) this.refetchesByPass.set(key, [row])
      else rows.push(row)
    }
    if (event.kind === 'unconfirmed') {
      this.unconfirmed = [...this.unconfirmed.slice(1 - MAX_UNCONFIRMED), event]
    }
    const table = tableOf(event)
    if (table !== undefined) this.tables.add(table)
    const orgId = orgOf(event)
    if (orgId !== undefined) this.orgs.add(orgId)
    this.heldEvents++
  }

  private enforceCap(): void {
    if (this.heldEvents <= this.maxEvents) return
    // Drop the oldest rows (markers among them) until the cap holds again.
    const store = this.store
    let over = this.heldEvents - this.maxEvents
    let abs = store.head
    while (over > 0 && abs < store.end) {
      const kind = store.kindOf(abs)
      if (kind !== KIND_MARKER) {
        over--
        this.heldEvents--
        this.capDropped++
        if (kind === KIND_OBJECT) {
          const row = store.objectOf(abs)
          if (row?.type === 'event' && row.event.kind === 'refetched') {
            const key = passKey(row.session, row.event.batchId)
            const rows = this.refetchesByPass.get(key)
            // The oldest refetch of its pass: first in its list.
            rows?.shift()
            if (rows?.length === 0) this.refetchesByPass.delete(key)
          }
        }
      }
      abs++
    }
    store.dropBefore(abs)
    // The oldest rows of the log are the oldest of their page loads' stretches.
    for (const [name, stretches] of this.bySession) {
      while (stretches.length > 0 && stretches[0]![1] <= abs) stretches.shift()
      if (stretches.length === 0) this.bySession.delete(name)
    }
  }
}

const ECHO_CODE = SYNC_EVENT_KINDS.indexOf('echo')
const passKey = (session: string, batchId: number) => `${session}\u0001${batchId}`
