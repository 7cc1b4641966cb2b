import type { SocketRecord } from '../../../bridge/socket/socket-records'
import type { WriteFacts } from '../../../bridge/writes/write-records'

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

export const TOPIC = 'realtime:org:acme'

/**
 * Socket records as the bridge sends them, built in order (seq from 1): a socket that joined the
 * organization's channel, deliveries of realtime_table_events rows, closes and the page's writes.
 */
export class SocketRecords {
  private seq = 0
  readonly list: SocketRecord[] = []
  private push(record: DistributiveOmit<SocketRecord, 'seq'>) {
    this.list.push({ ...record, seq: ++this.seq } as SocketRecord)
    return this
  }
  /** A socket opened and the organization's channel joined (reply ok) at `at`. */
  joined(at: number) {
    this.push({ kind: 'open', socket: 1, at, url: 'wss://x/realtime/v1/websocket', vsn: '2.0.0' })
    this.push({
      kind: 'frame',
      socket: 1,
      at,
      direction: 'out',
      size: 10,
      topic: TOPIC,
      event: 'phx_join',
      ref: '1',
      joinRef: '1',
      payload: { config: { postgres_changes: [{ event: 'INSERT', schema: 'public' }] } },
    })
    return this.push({
      kind: 'frame',
      socket: 1,
      at: at + 1,
      direction: 'in',
      size: 10,
      topic: TOPIC,
      event: 'phx_reply',
      ref: '1',
      joinRef: '1',
      payload: { status: 'ok', response: {} },
    })
  }
  closed(at: number) {
    return this.push({ kind: 'close', socket: 1, at, code: 1006, reason: '', clean: false })
  }
  /** A realtime_table_events row of `table`/`recordId`, delivered at `at`. */
  change(at: number, table: string, recordId: string) {
    return this.push({
      kind: 'frame',
      socket: 1,
      at,
      direction: 'in',
      size: 10,
      topic: TOPIC,
      event: 'postgres_changes',
      ref: null,
      payload: {
        ids: [1],
        data: {
          type: 'INSERT',
          schema: 'public',
          table: 'realtime_table_events',
          record: { id: at, table_name: table, record_id: recordId, event_type: 'UPDATE' },
        },
      },
    })
  }
  /** A write sent at `at` that settled `durationMs` later. */
  write(at: number, facts: Partial<WriteFacts> = {}, durationMs = 40) {
    return this.push({
      kind: 'write',
      socket: 0,
      at: at + durationMs,
      write: {
        method: 'PATCH',
        table: 'deals',
        ids: ['d1'],
        status: 204,
        rows: 1,
        durationMs,
        ...facts,
      },
    })
  }
}
