import {
  type EngineInfo,
  type EngineState,
  encodeEventBatch,
  type QueryList,
  type ToPage,
} from '../../../bridge/protocol'
import type { SocketRecord } from '../../../bridge/socket/socket-records'
import type { PanelInbound, PanelTransport } from '../../../extension/panel/panel-connection'
import type { SyncEvent } from '../../../src/types'
import { engineState } from './sync-events'

export const ENGINE: EngineInfo = { id: 'app#1', name: 'app', version: '0.1.0' }

/**
 * An in-memory PanelTransport: the test plays the page (and the background), and reads what the
 * panel sent. Like the real one, messages emitted before the first subscriber are replayed to it.
 */
export class FakeTransport implements PanelTransport {
  sent: ToPage[] = []
  reconnects = 0
  closed = false
  private readonly listeners = new Set<(message: PanelInbound) => void>()
  private backlog: PanelInbound[] | undefined = []

  send(message: ToPage): void {
    this.sent.push(message)
  }

  subscribe(listener: (message: PanelInbound) => void): () => void {
    this.listeners.add(listener)
    const pending = this.backlog
    this.backlog = undefined
    for (const message of pending ?? []) listener(message)
    return () => {
      this.listeners.delete(listener)
    }
  }

  reconnectPage(): void {
    this.reconnects++
    this.emit({ type: 'page-requested' })
  }

  close(): void {
    this.closed = true
  }

  emit(message: PanelInbound): void {
    if (this.backlog) {
      this.backlog.push(message)
      return
    }
    for (const listener of this.listeners) listener(message)
  }

  /** What the panel sent since the last call. */
  take(): ToPage[] {
    const sent = this.sent
    this.sent = []
    return sent
  }

  pageRequested(): void {
    this.emit({ type: 'page-requested' })
  }

  hello(
    session: string,
    options: {
      url?: string
      title?: string
      engines?: EngineInfo[]
      incompatibleRegistry?: { found: string; expected: number }
    } = {},
  ): void {
    this.emit({
      type: 'page-hello',
      session,
      url: options.url ?? 'http://localhost:5173/deals',
      title: options.title ?? 'Team CRM',
      engines: options.engines ?? [ENGINE],
      ...(options.incompatibleRegistry && { incompatibleRegistry: options.incompatibleRegistry }),
    })
  }

  events(
    session: string,
    events: Partial<SyncEvent>[] | SyncEvent[],
    options: { engineId?: string; snapshot?: boolean } = {},
  ): void {
    this.rawEvents(session, encodeEventBatch(events as SyncEvent[]), options)
  }

  rawEvents(
    session: string,
    data: string,
    options: { engineId?: string; snapshot?: boolean } = {},
  ): void {
    this.emit({
      type: 'events',
      session,
      engineId: options.engineId ?? ENGINE.id,
      snapshot: options.snapshot ?? false,
      data,
    })
  }

  /** Socket records, as the bridge sends them while the Socket tab watches. */
  socket(
    session: string,
    records: SocketRecord[],
    options: { snapshot?: boolean; dropped?: number } = {},
  ): void {
    this.emit({
      type: 'socket',
      session,
      snapshot: options.snapshot ?? false,
      dropped: options.dropped ?? 0,
      data: JSON.stringify(records),
    })
  }

  queries(session: string, list: QueryList, engineId = ENGINE.id): void {
    this.emit({ type: 'queries', session, engineId, data: JSON.stringify(list) })
  }

  state(session: string, state: Partial<EngineState> = {}, engineId = ENGINE.id): void {
    this.emit({
      type: 'engine-state',
      session,
      engineId,
      data: JSON.stringify(engineState(state)),
    })
  }

  /** What the bridge sends on connect: hello, state, then the snapshot. */
  connectReply(
    session: string,
    events: SyncEvent[],
    state: Partial<EngineState> = {},
    hello: { url?: string; engines?: EngineInfo[] } = {},
  ): void {
    this.hello(session, hello)
    this.state(session, { lastSeq: events.at(-1)?.seq ?? 0, ...state })
    this.events(session, events, { snapshot: true })
  }
}
