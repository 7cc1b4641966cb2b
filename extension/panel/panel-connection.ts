import * as v from 'valibot'
import {
  type BackgroundNotice,
  BackgroundNoticeSchema,
  envelope,
  PANEL_PORT,
  type PanelControl,
  parseToPanel,
  type ToPage,
  type ToPanel,
} from '../../bridge/protocol'
import type { Scheduler } from '../../src/scheduler'
import type { RuntimePort } from '../shared/runtime-port'

/**
 * `page-requested`: the background was just asked to reach the page (first connection, worker
 * restart, reload): the store answers with `connect`.
 */
export type PanelInbound = ToPanel | BackgroundNotice | { type: 'page-requested' }

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
const RECONNECT_MS = [50, 100, 250, 500, 1_000, 2_000, 5_000]
/** Page Port retries after it closed (a reload takes a moment to bring the relay back). */
const PAGE_RETRY_MS = [50, 100, 250, 500, 1_000, 2_000, 5_000]
/** Under the worker's 30 s idle limit. */
const PING_MS = 20_000
const BACKLOG_LIMIT = 10_000

export function createPanelConnection(options: PanelConnectionOptions): PanelTransport {
  const { scheduler, tabId } = options
  const listeners = new Set<(message: PanelInbound) => void>()
  let backlog: PanelInbound[] | undefined = []
  let port: RuntimePort | undefined
  let closed = false
  let reconnects = 0
  let pageRetries = 0
  let pageRetryTimer: unknown
  let pingTimer: unknown

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
    const delay = PAGE_RETRY_MS[Math.min(pageRetries++, PAGE_RETRY_MS.length - 1)]!
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
      reconnects = 0
      const message = parseToPanel(raw)
      if (message) {
        if (message.type === 'page-hello') pageRetries = 0
        emit(message)
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
      const delay = RECONNECT_MS[Math.min(reconnects++, RECONNECT_MS.length - 1)]!
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
      pageRetries = 0
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
