import { parseSocketBatch } from '../../../bridge/protocol'
import type { FaultRecord } from '../../../bridge/faults/fault-records'
import type { SocketRecord } from '../../../bridge/socket/socket-records'
import type { SocketSection } from '../../shared/export-format'

/** Records the panel keeps of the page's sockets; older ones go (counted). */
export const MAX_SOCKET_RECORDS = 5_000

/**
 * The page's socket records as the Socket tab shows them: one page load's, in seq order. A
 * snapshot starts a new series (the bridge's recorder numbers from 1 again); a seq that skips
 * is counted as lost.
 */
export class SocketLog {
  private list: SocketRecord[] = []
  private lastSeq = 0
  /** Records the tap's ring let go of before the panel watched (the bridge's count). */
  tapDropped = 0
  /** Records the panel let go of (its own cap). */
  capDropped = 0
  /** Records missing between two batches. */
  missing = 0
  /** The page's simulated faults (bridge/faults), as its latest `faults` message listed them. */
  private faultList: readonly FaultRecord[] = []

  /** A new array whenever a record arrives: what the view memoizes on. */
  get records(): readonly SocketRecord[] {
    return this.list
  }

  /** A `socket` message's data; the rejected count and reason for the status line. */
  ingest(
    data: string,
    snapshot: boolean,
    tapDropped: number,
  ): { rejected: number; error?: string } {
    const parsed = parseSocketBatch(data)
    if (snapshot) {
      this.list = []
      this.lastSeq = 0
      this.missing = 0
    }
    this.tapDropped = tapDropped
    const accepted: SocketRecord[] = []
    for (const record of parsed.records) {
      if (record.seq <= this.lastSeq) continue
      if (this.lastSeq > 0 && record.seq > this.lastSeq + 1) {
        this.missing += record.seq - this.lastSeq - 1
      }
      this.lastSeq = record.seq
      accepted.push(record)
    }
    let next = this.list.concat(accepted)
    if (next.length > MAX_SOCKET_RECORDS) {
      const extra = next.length - MAX_SOCKET_RECORDS
      next = next.slice(extra)
      this.capDropped += extra
    }
    this.list = next
    return {
      rejected: parsed.rejected,
      ...(parsed.error === undefined ? {} : { error: parsed.error }),
    }
  }

  setFaults(records: readonly FaultRecord[]): void {
    this.faultList = records
  }

  /** What the snapshot shows and an export carries. */
  section(): SocketSection {
    return {
      records: this.list,
      tapDropped: this.tapDropped,
      capDropped: this.capDropped,
      missing: this.missing,
      ...(this.faultList.length > 0 ? { faults: this.faultList } : {}),
    }
  }

  /** A new page load: its sockets are new ones. */
  reset(): void {
    this.list = []
    this.lastSeq = 0
    this.tapDropped = 0
    this.capDropped = 0
    this.missing = 0
    this.faultList = []
  }
}
