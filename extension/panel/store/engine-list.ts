import type { EngineInfo, QueryList, ValidEngineState } from '../../../bridge/protocol'
import type { EngineLog } from './engine-log'
import { SecondRates } from './second-rates'

/** One engine of the inspected page, as the panel knows it. */
export interface EngineEntry {
  info: EngineInfo
  /** In the page's latest hello (false: kept only for its preserved rows). */
  live: boolean
  log: EngineLog
  /** The engine's latest state message; undefined until the first one arrives. */
  state?: ValidEngineState
  /** Its rates by the second, from its states' per-minute counters (the Metrics tab). */
  rates: SecondRates
  /** Its queries, while the Queries tab watches them (the latest list). */
  queries?: QueryList
  /** The page load whose reload marker this log already shows. */
  markedReload?: string
}

export interface EngineSummary {
  id: string
  name: string
  version: string
  /** In the page's latest hello (false: kept only for its preserved rows). */
  live: boolean
}

/** `since` within the protocol's limits (messages.ts): 100 engine ids of 200 chars at most. */
const MAX_SINCE_ENGINES = 100
const MAX_ENGINE_ID_CHARS = 200

export interface EngineListOptions {
  createLog(engineId: string): EngineLog
  /**
   * The active engine changed without the user picking one (the selected one went away, or the
   * first one arrived): a row selected in the old one's log means nothing any more.
   */
  onActiveEngineReplaced(): void
}

/**
 * Every engine the panel holds rows for, in the order it met them, and which one the tabs show.
 * The list outlives page loads (Preserve log keeps engines a reload removed), so an entry is
 * "live" only while the page's latest hello lists it.
 */
export class EngineList {
  private readonly entries = new Map<string, EngineEntry>()
  private selectedId: string | undefined
  /** Kept between snapshots: the engine picker re-renders only when the list changes. */
  private summaryCache: EngineSummary[] | undefined

  constructor(private readonly options: EngineListOptions) {}

  get selectedEngineId(): string | undefined {
    return this.selectedId
  }

  get(id: string): EngineEntry | undefined {
    return this.entries.get(id)
  }

  values(): IterableIterator<EngineEntry> {
    return this.entries.values()
  }

  active(): EngineEntry | undefined {
    return this.selectedId === undefined ? undefined : this.entries.get(this.selectedId)
  }

  /** A new entry with an empty log (the caller ties the log to the page load); the first is shown. */
  add(id: string): EngineEntry {
    const entry: EngineEntry = {
      info: { id, name: id, version: '' },
      live: true,
      log: this.options.createLog(id),
      rates: new SecondRates(),
    }
    this.entries.set(id, entry)
    this.changed()
    return entry
  }

  /** The user picks an engine; false when it is unknown or already shown. */
  select(id: string): boolean {
    if (!this.entries.has(id) || id === this.selectedId) return false
    this.selectedId = id
    return true
  }

  /** A reload without Preserve log: engines the new page lacks go, the others start empty. */
  keepOnly(ids: ReadonlySet<string>): void {
    for (const [id, entry] of this.entries) {
      if (!ids.has(id)) this.entries.delete(id)
      else entry.log.clearView()
    }
    this.summaryCache = undefined
  }

  /**
   * Engines the page's latest hello does not list are no longer live; those with no row to show
   * go (an engine that unregistered before sending anything).
   */
  retireAbsent(ids: ReadonlySet<string>): void {
    for (const [id, entry] of this.entries) {
      if (ids.has(id)) continue
      entry.live = false
      if (entry.log.heldEvents === 0) this.entries.delete(id)
    }
    this.summaryCache = undefined
  }

  /** The panel's Clear: every log's rows (the seq baselines stay). */
  clearViews(): void {
    for (const entry of this.entries.values()) entry.log.clearView()
  }

  /** engineId → newest seq held of `session`, what connect and resume ask the page after. */
  since(session: string | undefined): Record<string, number> {
    const since: Record<string, number> = {}
    let n = 0
    for (const [id, entry] of this.entries) {
      if (entry.log.session !== session || entry.log.lastSeq === 0) continue
      // The page refuses the whole message past its limits: better to ask for less.
      if (id.length === 0 || id.length > MAX_ENGINE_ID_CHARS || n++ >= MAX_SINCE_ENGINES) continue
      since[id] = entry.log.lastSeq
    }
    return since
  }

  summaries(): EngineSummary[] {
    this.summaryCache ??= [...this.entries.values()].map((entry) => ({
      id: entry.info.id,
      name: entry.info.name,
      version: entry.info.version,
      live: entry.live,
    }))
    return this.summaryCache
  }

  /**
   * Entries came, went, or changed their name or liveness: the picker's list is rebuilt, and the
   * selection moves if its engine went. Called once a hello is applied, not per step, so the
   * pick sees the page's final list.
   */
  changed(): void {
    this.summaryCache = undefined
    this.keepSelectionValid()
  }

  /** Keeps a selected engine that is still held; otherwise the first live one, or any. */
  private keepSelectionValid(): void {
    if (this.selectedId !== undefined && this.entries.has(this.selectedId)) return
    const first =
      [...this.entries.values()].find((entry) => entry.live) ?? this.entries.values().next().value
    this.selectedId = first?.info.id
    this.options.onActiveEngineReplaced()
  }
}
