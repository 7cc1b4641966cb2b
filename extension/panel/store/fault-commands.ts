import type { ToPage } from '../../../bridge/protocol'
import type { Scheduler } from '../../../src/scheduler'
import type { PanelInbound, PanelTransport } from '../panel-connection'
import { COMMAND_TIMEOUT_MS } from './option-commands'
import { PendingRequests } from './pending-requests'

/** A fault the panel can ask for (the protocol's start-fault). */
export type FaultAsk = Extract<ToPage, { type: 'start-fault' }>['fault']

/** The newest fault request and how the page answered it. */
export interface FaultCommandStatus {
  requestId: number
  /** What was asked: a fault's kind, or `end`. */
  asked: FaultAsk['kind'] | 'end'
  state: 'pending' | 'ok' | 'error'
  error?: string
}

/**
 * The Socket tab's fault buttons: start-fault and end-fault, pending until the page's
 * command-result, a timeout, or the end of the page load. The page's `faults` message, not this,
 * says what is active: this only says whether the request went through, and why not.
 */
export class FaultCommands {
  private readonly pending: PendingRequests<true>
  private newest: FaultCommandStatus | undefined

  constructor(
    private readonly transport: PanelTransport,
    scheduler: Scheduler,
    private readonly nextRequestId: () => number,
    /** A request settled by itself (its timeout): the store notifies. */
    onSettled: () => void,
  ) {
    this.pending = new PendingRequests(scheduler, COMMAND_TIMEOUT_MS, (requestId) => {
      this.settle(requestId, `the page did not answer in ${COMMAND_TIMEOUT_MS / 1_000} s`)
      onSettled()
    })
  }

  get latest(): FaultCommandStatus | undefined {
    return this.newest
  }

  start(fault: FaultAsk): void {
    const requestId = this.track(fault.kind)
    this.transport.send({ type: 'start-fault', requestId, fault })
  }

  /** Ends the fault `id`, or every active one. */
  end(id?: number): void {
    const requestId = this.track('end')
    this.transport.send({ type: 'end-fault', requestId, ...(id === undefined ? {} : { id }) })
  }

  /** The page's answer; false when nothing here waits for it. */
  answer(message: Extract<PanelInbound, { type: 'command-result' }>): boolean {
    if (this.pending.take(message.requestId) === undefined) return false
    this.settle(message.requestId, message.ok ? undefined : (message.error ?? 'refused'))
    return true
  }

  /** No answer can come any more (a reload, a disconnect). */
  failPending(reason: string): boolean {
    const cut = this.pending.takeAll()
    for (const [requestId] of cut) this.settle(requestId, reason)
    return cut.length > 0
  }

  dispose(): void {
    this.pending.dispose()
  }

  private track(asked: FaultCommandStatus['asked']): number {
    const requestId = this.nextRequestId()
    this.pending.add(requestId, true)
    this.newest = { requestId, asked, state: 'pending' }
    return requestId
  }

  private settle(requestId: number, error: string | undefined): void {
    if (this.newest?.requestId !== requestId) return
    this.newest = {
      ...this.newest,
      state: error === undefined ? 'ok' : 'error',
      ...(error === undefined ? {} : { error }),
    }
  }
}
