import { TUNABLE_OPTIONS } from '../../../src/options'
import type { SyncEvent, UnconfirmedEvent } from '../../../src/types'
import { isChange, orgOf, tableOf } from './event-facts'
import { plural } from './format'
import { RowDeque } from './row-deque'
import {
  eventsOf,
  type EventRow,
  type LogRow,
  type MarkerKind,
  type MarkerRow,
  type RowList,
} from './rows'

export const DEFAULT_MAX_EVENTS = 200_000
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
  readonly rows = new RowDeque<LogRow>()
  /**
   * session → its event rows, for the decision trail's links: in seq order as in id order (a
   * session's seqs only grow), so a lookup is a binary search and an event costs no map entry.
   */
  private readonly bySession = new Map<string, RowDeque<EventRow>>()
  /** session + batch id → the 'refetched' rows of that pass, in arrival order. */
  private readonly refetchesByPass = new Map<string, EventRow[]>()
  private sessionName = ''
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
    private readonly maxEvents = DEFAULT_MAX_EVENTS,
  ) {}

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
    this.rows.push(row)
    return row
  }

  /** The panel's Clear: forget the rows, keep the seq baseline (continuity still checked). */
  clearView(): void {
    this.rows.clear()
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
    return this.bySession.get(session)?.findBy(seqOf, seq)
  }

  view(): RowList {
    return this.rows.view()
  }

  /** Event rows of this log, oldest first (what an export writes). */
  events(): SyncEvent[] {
    return eventsOf(this.rows.view())
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
    for (let i = this.rows.length - 1; i >= 0; i--) {
      const row = this.rows.at(i)!
      if (row.type !== 'event') continue
      if (row.event.at < since - CLOCK_SLACK_MS) break
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
    const write = this.find(session, seq)
    if (write === undefined) return []
    const until = write.event.at + MAX_ECHO_WINDOW_MS
    const out: EventRow[] = []
    for (let i = this.rows.lowerBound(write.id); i < this.rows.length && out.length < limit; i++) {
      const row = this.rows.at(i)!
      if (row.type !== 'event' || row.session !== session) continue
      if (row.event.at > until) break
      if (row.event.kind === 'echo' && row.event.relatedSeq === seq) out.push(row)
    }
    return out
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
    const row: EventRow = {
      type: 'event',
      id: this.nextId(),
      session: this.sessionName,
      engineId: this.engineId,
      event,
    }
    let session = this.bySession.get(this.sessionName)
    if (session === undefined) {
      session = new RowDeque()
      this.bySession.set(this.sessionName, session)
    }
    session.push(row)
    if (event.kind === 'invalidated') {
      event.causes.forEach((cause, index) => {
        const served = session?.findBy(seqOf, cause)
        if (served === undefined) return
        served.servedBy = row
        served.causeIndex = index
      })
    }
    if (event.kind === 'refetched') {
      const key = passKey(this.sessionName, event.batchId)
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
    this.rows.push(row)
    this.heldEvents++
  }

  private enforceCap(): void {
    if (this.heldEvents <= this.maxEvents) return
    // Drop the oldest rows (markers among them) until the cap holds again.
    let over = this.heldEvents - this.maxEvents
    let n = 0
    while (over > 0 && n < this.rows.length) {
      if (this.rows.at(n)!.type === 'event') over--
      n++
    }
    const droppedBySession = new Map<string, number>()
    for (const row of this.rows.dropFront(n)) {
      if (row.type !== 'event') continue
      this.heldEvents--
      this.capDropped++
      droppedBySession.set(row.session, (droppedBySession.get(row.session) ?? 0) + 1)
      if (row.event.kind === 'refetched') {
        const key = passKey(row.session, row.event.batchId)
        const rows = this.refetchesByPass.get(key)
        // The oldest refetch of its pass: first in its list.
        rows?.shift()
        if (rows?.length === 0) this.refetchesByPass.delete(key)
      }
    }
    // The oldest rows of the log are the oldest of their sessions.
    for (const [name, count] of droppedBySession) {
      const session = this.bySession.get(name)
      session?.dropFront(count)
      if (session?.length === 0) this.bySession.delete(name)
    }
  }
}

const seqOf = (row: EventRow) => row.event.seq
const passKey = (session: string, batchId: number) => `${session}\u0001${batchId}`
