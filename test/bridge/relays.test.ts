import { describe, expect, it } from 'vitest'
import { envelope, PAGE_PORT, PANEL_PORT } from '../../bridge/protocol'
import { startPortRouter } from '../../extension/background/port-router'
import { startContentRelay } from '../../extension/content/content-relay'
import type { RuntimePort } from '../../extension/shared/runtime-port'
import { FakeWindow, portPair } from '../support/fake-ports'
import { PAGE_HELLO } from '../support/protocol-fixtures'

const hello = PAGE_HELLO

/** The extension's runtime as the relays see it: tabs with content relays, and panels. */
function extension() {
  const onConnectListeners: ((port: RuntimePort) => void)[] = []
  const tabs = new Map<number, { page: FakeWindow; connect: (port: RuntimePort) => void }>()
  startPortRouter({
    onConnect: { addListener: (listener) => void onConnectListeners.push(listener) },
    connectTab(tabId, name) {
      const [background, content] = portPair(name)
      const tab = tabs.get(tabId)
      if (tab) tab.connect(content)
      else queueMicrotask(() => content.disconnect()) // no relay there: Chrome closes the Port
      return background
    },
  })
  return {
    addTab(tabId: number) {
      const page = new FakeWindow()
      const listeners: ((port: RuntimePort) => void)[] = []
      startContentRelay(page, { addListener: (listener) => void listeners.push(listener) })
      tabs.set(tabId, { page, connect: (port) => listeners.forEach((l) => l(port)) })
      return page
    },
    removeTab(tabId: number) {
      tabs.delete(tabId)
    },
    openPanel(tabId: number) {
      const [panel, background] = portPair(PANEL_PORT)
      const received: unknown[] = []
      panel.onMessage.addListener((m) => received.push(m))
      for (const listener of onConnectListeners) listener(background)
      panel.postMessage({ type: 'panel-hello', tabId })
      return { panel, received }
    },
  }
}

describe('content relay + background router', () => {
  it("carries a panel's command to its tab's page and the page's answer back", () => {
    const ext = extension()
    const page = ext.addTab(7)
    const other = ext.addTab(8)
    const { panel, received } = ext.openPanel(7)
    panel.postMessage(envelope('to-page', { type: 'connect', since: {} }))
    expect(page.posted).toEqual([envelope('to-page', { type: 'connect', since: {} })])
    expect(other.posted).toEqual([])
    page.postMessage(hello)
    expect(received).toEqual([hello])
  })

  it('drops what is not ours: wrong direction, foreign windows, bad envelopes', () => {
    const ext = extension()
    const page = ext.addTab(7)
    const { panel, received } = ext.openPanel(7)
    page.postFromElsewhere(hello)
    page.postMessage({ ...hello, source: 'someone-else' })
    page.postMessage(envelope('to-page', { type: 'disconnect' }))
    page.postMessage({ ...hello, message: { ...hello.message, data: 'x'.repeat(9 * 1024 * 1024) } })
    expect(received).toEqual([])
    const before = page.posted.length
    panel.postMessage({ type: 'panel-hello', tabId: -1 })
    panel.postMessage(hello) // to-panel from the panel side: not forwarded to the page
    expect(page.posted.slice(before)).toEqual([])
  })

  it('tells the page to stop streaming when the panel closes', () => {
    const ext = extension()
    const page = ext.addTab(7)
    const { panel } = ext.openPanel(7)
    panel.disconnect()
    expect(page.posted.at(-1)).toEqual(envelope('to-page', { type: 'disconnect' }))
  })

  it('reaches the new page when the panel says hello again after a reload', () => {
    const ext = extension()
    const first = ext.addTab(7)
    const { panel, received } = ext.openPanel(7)
    void first
    void received
    // The page reloads: a new document with a new relay.
    ext.removeTab(7)
    const second = ext.addTab(7)
    panel.postMessage({ type: 'panel-hello', tabId: 7 })
    panel.postMessage(envelope('to-page', { type: 'connect', since: {} }))
    expect(second.posted).toEqual([envelope('to-page', { type: 'connect', since: {} })])
  })

  it('reports page-disconnected for a tab without a relay (chrome:// pages, no extension access)', async () => {
    const ext = extension()
    const { received } = ext.openPanel(99)
    await Promise.resolve()
    expect(received).toEqual([{ type: 'page-disconnected' }])
  })

  it('a Port to the relay that closes tells the bridge to stop streaming', () => {
    const page = new FakeWindow()
    let connect: (port: RuntimePort) => void = () => {}
    startContentRelay(page, { addListener: (listener) => void (connect = listener) })
    const [background, content] = portPair(PAGE_PORT)
    connect(content)
    background.disconnect()
    expect(page.posted).toEqual([envelope('to-page', { type: 'disconnect' })])
  })
})
