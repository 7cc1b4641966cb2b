import * as v from 'valibot'
import {
  type BackgroundNotice,
  BackgroundNoticeSchema,
  envelope,
  foreignVersion,
  PANEL_PORT,
  type PanelControl,
  parseToPanel,
  type ToPage,
  type ToPanel,
} from '../../bridge/protocol'
import { Backoff } from '../../src/backoff'
import type { Scheduler } from '../../src/scheduler'
import type { RuntimePort } from '../shared/runtime-port'

/**
 * `page-requested`: the background was just asked to reach the page (first connection, worker
 * restart, reload): the store answers with `connect`.
 *
 * `version-mismatch`: a message of ours in another protocol version arrived (another build of
 * the extension is installed next to this one): it cannot be read, so the panel says so
 * instead of showing nothing without a word.
 */
export type PanelInbound =
  | ToPanel
  | BackgroundNotice
  | { type: 'page-requested' }
  | { type: 'version-mismatch'; pageVersion: number }

/** What the panel store talks to: typed messages in, typed commands out. */
export interface PanelTransport {
  /** Send a command to the inspected page (dropped while disconnected; see reconnect). */
  send(message: ToPage): void
  /** Messages arriving before the first subscriber are kept and replayed to it. */
  subscribe(listener: (message: PanelInbound) => void): () => void
  /** Ask the background to reach the page again (after a navigation). */
  reconnectPage(): void
  close(): void
}

export interface PanelConnectionOptions {
  tabId: number
  connect(name: string): RuntimePort
  scheduler: Scheduler
}

/** Reconnect backoff for the panel's Port (the worker restarted or was stopped). */
const RECONNECT_MS = [50, 100, 250, 500, 1_000, 2_000, 5_000] as const
/** Page Port retries after it closed (a reload takes a moment to bring the relay back). */
const PAGE_RETRY_MS = [50, 100, 250, 500, 1_000, 2_000, 5_000] as const
/** Under the worker's 30 s idle limit. */
const PING_MS = 20_000
const BACKLOG_LIMIT = 10_000

export function createPanelConnection(options: PanelConnectionOptions): PanelTransport {
  const { scheduler, tabId } = options
  const listeners = new Set<(message: PanelInbound) => void>()
  let backlog: PanelInbound[] | undefined = []
  let port: RuntimePort | undefined
  let closed = false
  const reconnect = new Backoff(RECONNECT_MS)
  const pageRetry = new Backoff(PAGE_RETRY_MS)
  let pageRetryTimer: unknown
  let pingTimer: unknown
  /** Versions already reported: a foreign bridge streams, the panel needs to hear it once. */
  const foreignVersions = new Set<number>()

  const emit = (message: PanelInbound) => {
    if (backlog) {
      if (backlog.length < BACKLOG_LIMIT) backlog.push(message)
      return
    }
    for (const listener of listeners) listener(message)
  }

  const control = (message: PanelControl) => port?.postMessage(message)

  const requestPage = () => {
    control({ type: 'panel-hello', tabId })
    emit({ type: 'page-requested' })
  }

  const ping = () => {
    pingTimer = scheduler.setTimeout(() => {
      control({ type: 'ping' })
      ping()
    }, PING_MS)
  }

  const retryPage = () => {
    if (pageRetryTimer !== undefined) return
    const delay = pageRetry.next()
    pageRetryTimer = scheduler.setTimeout(() => {
      pageRetryTimer = undefined
      requestPage()
    }, delay)
  }

  const open = () => {
    if (closed) return
    const current = options.connect(PANEL_PORT)
    port = current
    current.onMessage.addListener((raw) => {
      if (port !== current) return
      reconnect.reset()
      const message = parseToPanel(raw)
      if (message) {
        if (message.type === 'page-hello') pageRetry.reset()
        emit(message)
        return
      }
      const version = foreignVersion(raw, 'to-panel')
      if (version !== undefined) {
        if (!foreignVersions.has(version)) {
          foreignVersions.add(version)
          emit({ type: 'version-mismatch', pageVersion: version })
        }
        return
      }
      const notice = v.safeParse(BackgroundNoticeSchema, raw)
      if (!notice.success) return
      emit(notice.output)
      // The page's relay went away (reload, navigation): keep knocking until it is back.
      if (notice.output.type === 'page-disconnected') retryPage()
    })
    current.onDisconnect.addListener(() => {
      if (port !== current) return
      port = undefined
      if (closed) return
      const delay = reconnect.next()
      scheduler.setTimeout(open, delay)
    })
    requestPage()
  }

  open()
  ping()

  return {
    send(message) {
      port?.postMessage(envelope('to-page', message))
    },
    subscribe(listener) {
      listeners.add(listener)
      const pending = backlog
      backlog = undefined
      for (const message of pending ?? []) listener(message)
      return () => {
        listeners.delete(listener)
      }
    },
    reconnectPage() {
      pageRetry.reset()
      if (pageRetryTimer !== undefined) scheduler.clearTimeout(pageRetryTimer)
      pageRetryTimer = undefined
      requestPage()
    },
    close() {
      closed = true
      if (pingTimer !== undefined) scheduler.clearTimeout(pingTimer)
      if (pageRetryTimer !== undefined) scheduler.clearTimeout(pageRetryTimer)
      port?.disconnect()
      port = undefined
    },
  }
}
