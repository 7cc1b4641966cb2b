import type { SyncEvent } from '../../../src/types'
import {
  CHANGE_KIND_CODES,
  type ChangeChunk,
  Interner,
  newChangeChunk,
  readChange,
  StringShare,
  writeChange,
} from './change-columns'
import type { EventRow, LogRow, MarkerRow, RowList } from './rows'
import { SYNC_EVENT_KINDS } from '../../../src/types'

const CHUNK_BITS = 12
/** Rows per chunk: a chunk's columns are allocated whole and let go of whole. */
const CHUNK = 1 << CHUNK_BITS
const SLOT = CHUNK - 1
/** kinds[]: an event kept as its object (not a change the columns hold exactly). */
export const KIND_OBJECT = 254
/** kinds[]: a marker row (objects[] holds it). */
export const KIND_MARKER = 255
/** Change rows read back (objects built) that are kept, so a row on screen stays one object. */
const MATERIALIZED = 4_096

const KIND_CODE = new Map<string, number>(SYNC_EVENT_KINDS.map((kind, i) => [kind, i]))

/** One chunk's columns, as the filters read them (read-only by convention). */
export type RowChunk = Chunk

interface Chunk {
  /** Row ids: panel-unique, increasing in arrival order (a counter from 1). */
  ids: Uint32Array
  kinds: Uint8Array
  /** A marker's: the seq of the row before it, so seqs never go down within a page load. */
  seq: Float64Array
  at: Float64Array
  session: Uint16Array
  /** Interned table and organization (-1: none), for the filters without reading an event. */
  table: Int32Array
  org: Int32Array
  /** The id of the 'invalidated' row whose causes include this event (0: none yet)... */
  servedBy: Uint32Array
  /** ...and the event's place in its causes. */
  causeIndex: Int32Array
  /** Markers, and events kept as objects (their EventRow). */
  objects: (LogRow | undefined)[]
  change: ChangeChunk | undefined
}

function newChunk(): Chunk {
  return {
    ids: new Uint32Array(CHUNK),
    kinds: new Uint8Array(CHUNK),
    seq: new Float64Array(CHUNK),
    at: new Float64Array(CHUNK),
    session: new Uint16Array(CHUNK),
    table: new Int32Array(CHUNK).fill(-1),
    org: new Int32Array(CHUNK).fill(-1),
    servedBy: new Uint32Array(CHUNK),
    causeIndex: new Int32Array(CHUNK),
    objects: new Array<LogRow | undefined>(CHUNK).fill(undefined),
    change: undefined,
  }
}

/**
 * One engine log's rows (events and markers) in id order, held in columns: typed arrays per
 * numeric fact, strings interned, a change event rebuilt as an object only when something reads
 * it (the rows on screen, a trail). Chunks of 4,096 rows are appended at the end and let go of
 * at the front, so the log's cap costs nothing per row and a million rows are a few hundred
 * allocations, not millions of objects for the garbage collector to trace.
 *
 * Rows are addressed by their absolute index (rows pushed since this store began); `view()` is a
 * read-only list that stays valid after later changes, as React's snapshots need.
 */
export class RowColumns {
  private chunks: Chunk[] = []
  /** Absolute index of chunks[0]'s first slot. */
  private base = 0
  private headAbs = 0
  private endAbs = 0
  readonly interner = new Interner()
  private readonly share = new StringShare()
  private readonly sessionNames: string[] = []
  private readonly sessionCodes = new Map<string, number>()
  private readonly materialized = new Map<number, EventRow>()

  constructor(readonly engineId: string) {}

  get length(): number {
    return this.endAbs - this.headAbs
  }

  get head(): number {
    return this.headAbs
  }

  get end(): number {
    return this.endAbs
  }

  pushMarker(row: MarkerRow): void {
    const [chunk, i] = this.slot()
    chunk.ids[i] = row.id
    chunk.kinds[i] = KIND_MARKER
    chunk.seq[i] = this.previousSeq()
    chunk.at[i] = row.at
    chunk.objects[i] = row
  }

  /** Appends an event row; returns its absolute index. */
  pushEvent(id: number, session: string, event: SyncEvent): number {
    const [chunk, i] = this.slot()
    const abs = this.endAbs - 1
    chunk.ids[i] = id
    chunk.seq[i] = event.seq
    chunk.at[i] = event.at
    chunk.session[i] = this.sessionCode(session)
    const kind = KIND_CODE.get(event.kind)
    if (kind !== undefined && CHANGE_KIND_CODES.has(kind)) {
      chunk.change ??= newChangeChunk(CHUNK)
      const common = writeChange(event, chunk.change, i, this.interner, this.share)
      if (common !== undefined) {
        chunk.kinds[i] = kind
        chunk.table[i] = common.table
        chunk.org[i] = common.org
        return abs
      }
    }
    chunk.kinds[i] = KIND_OBJECT
    const row: EventRow = { type: 'event', id, session, engineId: this.engineId, event }
    chunk.objects[i] = row
    if ('table' in event && typeof event.table === 'string') {
      chunk.table[i] = this.interner.id(event.table)
    }
    if ('orgId' in event && typeof event.orgId === 'string') {
      chunk.org[i] = this.interner.id(event.orgId)
    }
    return abs
  }

  /**
   * Calls `visit(chunk, slot, abs)` for the rows [from, to) in order: a scan over a million rows
   * reads the columns of each chunk directly (the filters, filtered-view.ts).
   */
  scan(
    from: number,
    to: number,
    visit: (chunk: RowChunk, slot: number, abs: number) => void,
  ): void {
    let abs = Math.max(from, this.headAbs)
    const end = Math.min(to, this.endAbs)
    while (abs < end) {
      const offset = abs - this.base
      const chunk = this.chunks[offset >> CHUNK_BITS]!
      const stop = Math.min(end, abs + (CHUNK - (offset & SLOT)))
      for (let slot = offset & SLOT; abs < stop; abs++, slot++) visit(chunk, slot, abs)
    }
  }

  /** Lets go of the rows before absolute index `abs`. */
  dropBefore(abs: number): void {
    this.headAbs = Math.min(Math.max(abs, this.headAbs), this.endAbs)
    const whole = (this.headAbs - this.base) >> CHUNK_BITS
    if (whole > 0) {
      this.chunks.splice(0, whole)
      this.base += whole * CHUNK
    }
  }

  // ─── reading, by absolute index ──────────────────────────────────────────────────────────

  private chunkOf(abs: number): Chunk {
    return this.chunks[(abs - this.base) >> CHUNK_BITS]!
  }

  idOf(abs: number): number {
    return this.chunkOf(abs).ids[abs & SLOT]!
  }

  kindOf(abs: number): number {
    return this.chunkOf(abs).kinds[abs & SLOT]!
  }

  atOf(abs: number): number {
    return this.chunkOf(abs).at[abs & SLOT]!
  }

  seqOf(abs: number): number {
    return this.chunkOf(abs).seq[abs & SLOT]!
  }

  /** The interned organization of the row (-1: none). */
  orgIdOf(abs: number): number {
    return this.chunkOf(abs).org[abs & SLOT]!
  }

  /** The pass that served the event at `abs` (its row id) and the event's place in its causes. */
  servedOf(abs: number): { passId: number; causeIndex: number } | undefined {
    const chunk = this.chunkOf(abs)
    const object = chunk.objects[abs & SLOT]
    if (object !== undefined) {
      return object.type === 'event' && object.servedBy !== undefined
        ? { passId: object.servedBy.id, causeIndex: object.causeIndex ?? 0 }
        : undefined
    }
    const passId = chunk.servedBy[abs & SLOT]!
    return passId === 0 ? undefined : { passId, causeIndex: chunk.causeIndex[abs & SLOT]! }
  }

  /** The interned table of the row (-1: none). */
  tableIdOf(abs: number): number {
    return this.chunkOf(abs).table[abs & SLOT]!
  }

  sessionOf(abs: number): string {
    return this.sessionNames[this.chunkOf(abs).session[abs & SLOT]!]!
  }

  /** The stored row object of a marker or an object-kept event; undefined for a change. */
  objectOf(abs: number): LogRow | undefined {
    return this.chunkOf(abs).objects[abs & SLOT]
  }

  rowAt(abs: number): LogRow | undefined {
    if (abs < this.headAbs || abs >= this.endAbs) return undefined
    return this.read(this.chunkOf(abs), abs & SLOT)
  }

  /** Absolute index of the first row whose id is ≥ `id` (end when none). */
  lowerBoundId(id: number): number {
    return lowerBoundBy(this.headAbs, this.endAbs, (abs) => this.idOf(abs) < id)
  }

  /** Absolute index of the row `id`, or -1. */
  absOfId(id: number): number {
    const abs = this.lowerBoundId(id)
    return abs < this.endAbs && this.idOf(abs) === id ? abs : -1
  }

  rowById(id: number): LogRow | undefined {
    const abs = this.absOfId(id)
    return abs === -1 ? undefined : this.rowAt(abs)
  }

  /**
   * The event `seq` of `session` between absolute indexes [from, to), where that session's seqs
   * grow with the index (markers carry the seq before them).
   */
  findSeq(session: string, seq: number, from: number, to: number): number {
    const lo = Math.max(from, this.headAbs)
    const hi = Math.min(to, this.endAbs)
    for (let abs = lowerBoundBy(lo, hi, (a) => this.seqOf(a) < seq); abs < hi; abs++) {
      if (this.seqOf(abs) !== seq) return -1
      const kind = this.kindOf(abs)
      if (kind !== KIND_MARKER && this.sessionOf(abs) === session) return abs
    }
    return -1
  }

  /** Ties the event at `abs` to the 'invalidated' row that served it. */
  setServedBy(abs: number, pass: EventRow, causeIndex: number): void {
    const chunk = this.chunkOf(abs)
    const i = abs & SLOT
    const object = chunk.objects[i]
    if (object !== undefined) {
      if (object.type === 'event') {
        object.servedBy = pass
        object.causeIndex = causeIndex
      }
      return
    }
    chunk.servedBy[i] = pass.id
    chunk.causeIndex[i] = causeIndex
    const held = this.materialized.get(chunk.ids[i]!)
    if (held !== undefined) {
      held.servedBy = pass
      held.causeIndex = causeIndex
    }
  }

  view(): RowList {
    return new ColumnsView(this, this.chunks.slice(), this.base, this.headAbs, this.endAbs)
  }

  /** The row in `chunk` at `i`: its stored object, or a change rebuilt (and kept a while). */
  read(chunk: Chunk, i: number): LogRow {
    const object = chunk.objects[i]
    if (object !== undefined) return object
    const id = chunk.ids[i]!
    const held = this.materialized.get(id)
    if (held !== undefined) return held
    const event = readChange(
      chunk.change!,
      i,
      {
        seq: chunk.seq[i]!,
        at: chunk.at[i]!,
        kind: chunk.kinds[i]!,
        table: chunk.table[i]!,
        org: chunk.org[i]!,
      },
      this.interner,
    )
    const row: EventRow = {
      type: 'event',
      id,
      session: this.sessionNames[chunk.session[i]!]!,
      engineId: this.engineId,
      event,
    }
    const servedBy = chunk.servedBy[i]!
    if (servedBy !== 0) {
      const pass = this.rowById(servedBy)
      if (pass?.type === 'event') {
        row.servedBy = pass
        row.causeIndex = chunk.causeIndex[i]
      }
    }
    if (this.materialized.size >= MATERIALIZED) {
      this.materialized.delete(this.materialized.keys().next().value!)
    }
    this.materialized.set(id, row)
    return row
  }

  private slot(): [Chunk, number] {
    const offset = this.endAbs - this.base
    if (offset >> CHUNK_BITS >= this.chunks.length) this.chunks.push(newChunk())
    this.endAbs++
    return [this.chunks[offset >> CHUNK_BITS]!, offset & SLOT]
  }

  private previousSeq(): number {
    return this.endAbs > this.headAbs ? this.seqOf(this.endAbs - 1) : 0
  }

  private sessionCode(session: string): number {
    let code = this.sessionCodes.get(session)
    if (code === undefined) {
      code = this.sessionNames.length
      if (code > 0xffff) throw new Error('a log holds at most 65,536 page loads')
      this.sessionNames.push(session)
      this.sessionCodes.set(session, code)
    }
    return code
  }
}

/** A read-only list of the rows a store held at the time (the chunks it had are kept). */
class ColumnsView implements RowList {
  constructor(
    private readonly store: RowColumns,
    private readonly chunks: readonly Chunk[],
    private readonly base: number,
    private readonly head: number,
    private readonly end: number,
  ) {}

  get length(): number {
    return this.end - this.head
  }

  at(index: number): LogRow | undefined {
    if (index < 0 || index >= this.length) return undefined
    const abs = this.head + index - this.base
    return this.store.read(this.chunks[abs >> CHUNK_BITS]!, abs & SLOT)
  }

  indexOfId(id: number): number {
    const idOf = (abs: number) => {
      const offset = abs - this.base
      return this.chunks[offset >> CHUNK_BITS]!.ids[offset & SLOT]!
    }
    const abs = lowerBoundBy(this.head, this.end, (a) => idOf(a) < id)
    return abs < this.end && idOf(abs) === id ? abs - this.head : -1
  }
}

/** The first index in [lo, hi) where `before` is false (before is true, then false). */
export function lowerBoundBy(lo: number, hi: number, before: (index: number) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (before(mid)) lo = mid + 1
    else hi = mid
  }
  return lo
}
