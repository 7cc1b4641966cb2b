import { optionError, type TunableName } from '../../../src/options'
import type { Scheduler } from '../../../src/scheduler'
import type { PanelInbound, PanelTransport } from '../panel-connection'
import { PendingRequests } from './pending-requests'

export interface CommandStatus {
  requestId: number
  engineId: string
  name: TunableName
  value: number
  state: 'pending' | 'ok' | 'error'
  error?: string
}

export type SendResult = { ok: true; requestId: number } | { ok: false; error: string }

/**
 * How long a set-option waits for its command-result. The bridge answers in the same task it
 * reads the command, so a live page answers within a few message hops (milliseconds); after
 * 5 s the page is frozen, gone without a word, or a build that ignores the command, and the
 * Config tab must not say "applying…" forever.
 */
export const COMMAND_TIMEOUT_MS = 5_000

const TIMEOUT_ERROR = `the page did not answer in ${COMMAND_TIMEOUT_MS / 1_000} s`

/**
 * The Config tab's set-option commands: checked against the options table before they leave,
 * then pending until the page's command-result, a timeout, or the end of the page load they were
 * sent to. Every command settles: as the page answered, or as an error that says why not.
 */
export class OptionCommands {
  private readonly pending: PendingRequests<CommandStatus>
  /** The newest command per option: what the Config tab shows next to it. */
  private latestByName: Partial<Record<TunableName, CommandStatus>> = {}

  constructor(
    private readonly transport: PanelTransport,
    scheduler: Scheduler,
    /** A command settled by itself (its timeout): the store notifies. */
    onSettled: () => void,
    /** The store's request ids: every command-result names one, whoever sent it. */
    private readonly nextRequestId: () => number,
  ) {
    this.pending = new PendingRequests(scheduler, COMMAND_TIMEOUT_MS, (_, status) => {
      this.settle(status, TIMEOUT_ERROR)
      onSettled()
    })
  }

  get latest(): Readonly<Partial<Record<TunableName, CommandStatus>>> {
    return this.latestByName
  }

  /** Sends `set-option` to `engineId` (undefined: no live engine to send it to). */
  send(engineId: string | undefined, name: TunableName, value: number): SendResult {
    if (engineId === undefined) return this.refuse('', name, value, 'no live engine selected')
    const error = optionError(name, value)
    if (error !== undefined) return this.refuse(engineId, name, value, error)
    const requestId = this.nextRequestId()
    const status: CommandStatus = { requestId, engineId, name, value, state: 'pending' }
    this.pending.add(requestId, status)
    this.show(status)
    this.transport.send({ type: 'set-option', requestId, engineId, name, value })
    return { ok: true, requestId }
  }

  /** The page's answer; false when nothing waits for it (already settled, or not ours). */
  answer(message: Extract<PanelInbound, { type: 'command-result' }>): boolean {
    const status = this.pending.take(message.requestId)
    if (status === undefined) return false
    this.settle(status, message.ok ? undefined : (message.error ?? 'the page refused the option'))
    return true
  }

  /** No answer can come any more (the page reloaded or disconnected): `reason` says why. */
  failPending(reason: string): boolean {
    const cut = this.pending.takeAll()
    for (const [, status] of cut) this.settle(status, reason)
    return cut.length > 0
  }

  dispose(): void {
    this.pending.dispose()
  }

  private settle(status: CommandStatus, error: string | undefined): void {
    // A newer command for the same option already took its place in the Config tab.
    if (this.latestByName[status.name]?.requestId !== status.requestId) return
    this.show({ ...status, state: error === undefined ? 'ok' : 'error', error })
  }

  /** Refused before sending: shown next to the option like the page's own refusals. */
  private refuse(engineId: string, name: TunableName, value: number, error: string): SendResult {
    this.show({ requestId: 0, engineId, name, value, state: 'error', error })
    return { ok: false, error }
  }

  /** A new object per change: the snapshot's `commands` changes identity only when it changes. */
  private show(status: CommandStatus): void {
    this.latestByName = { ...this.latestByName, [status.name]: status }
  }
}
