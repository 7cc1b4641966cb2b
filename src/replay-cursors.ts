/**
 * How far this engine has read each organization's event log (realtime_table_events), so that
 * after a gap it can read back only what it missed (docs/DESIGN.md, "Replay").
 *
 * Per organization: the largest event id processed and that event's created_at (the database's
 * clock). Engine-wide: the ids of the most recent events processed, so a replayed read drops the
 * overlap it re-reads on purpose. An id that has left that ring is replayed again: one extra
 * refetch at worst, never a lost change.
 */
export interface OrgCursor {
  /** The largest realtime_table_events.id processed. */
  lastId: number
  /** Its created_at, as the row carried it (ISO text). */
  lastCreatedAt: string | undefined
}

/** Recent ids kept for the overlap's dedup: 16k numbers, 128 kB. */
export const RECENT_IDS = 16_384

export class ReplayCursors {
  private readonly cursors = new Map<string, OrgCursor>()
  private readonly recent = new Float64Array(RECENT_IDS).fill(Number.NaN)
  private next = 0

  /** An event of `orgId` was processed (live or replayed, whatever the verdict). */
  note(orgId: string, eventId: number | string | undefined, createdAt: unknown): void {
    const id = typeof eventId === 'number' ? eventId : Number(eventId)
    if (!Number.isSafeInteger(id)) return
    this.recent[this.next] = id
    this.next = (this.next + 1) % RECENT_IDS
    const cursor = this.cursors.get(orgId)
    const created = typeof createdAt === 'string' ? createdAt : undefined
    if (cursor === undefined) this.cursors.set(orgId, { lastId: id, lastCreatedAt: created })
    else if (id > cursor.lastId) {
      cursor.lastId = id
      cursor.lastCreatedAt = created
    }
  }

  get(orgId: string): OrgCursor | undefined {
    return this.cursors.get(orgId)
  }

  /** After a full refetch nothing before it is owed: the next gap is read by time. */
  reset(orgId: string): void {
    this.cursors.delete(orgId)
  }

  /** The recent ids, for one replay's dedup (built once per replay, not per event). */
  recentIds(): Set<number> {
    const ids = new Set<number>()
    for (const id of this.recent) if (!Number.isNaN(id)) ids.add(id)
    return ids
  }

  clear(): void {
    this.cursors.clear()
    this.recent.fill(Number.NaN)
    this.next = 0
  }
}
