import { describe, expect, it } from 'vitest'
import { startPageBridge } from '../../bridge/page-bridge'
import { envelope, PAGE_PORT, PANEL_PORT, relayChannel } from '../../bridge/protocol'
import { startPortRouter } from '../../extension/background/port-router'
import { startContentRelay } from '../../extension/content/content-relay'
import type { RuntimePort } from '../../extension/shared/runtime-port'
import { FakeWindow, portPair } from '../support/fake-ports'
import { PAGE_HELLO } from '../support/protocol-fixtures'
import { ManualScheduler } from '../support/manual-scheduler'
import { until } from '../support/until'

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
    // First the relay's own port for the bridge's messages, then the panel's command.
    expect(page.posted).toEqual([
      relayChannel(),
      envelope('to-page', { type: 'connect', since: {} }),
    ])
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
    expect(second.posted).toEqual([
      relayChannel(),
      envelope('to-page', { type: 'connect', since: {} }),
    ])
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
    expect(page.posted).toEqual([relayChannel(), envelope('to-page', { type: 'disconnect' })])
  })

  it("carries what the bridge posts on the relay's port, checked as the window's", async () => {
    const ext = extension()
    const page = ext.addTab(7)
    const offers: MessagePort[] = []
    page.addEventListener('message', (event) => {
      if (event.ports?.[0]) offers.push(event.ports[0])
    })
    const { panel, received } = ext.openPanel(7)
    panel.postMessage(envelope('to-page', { type: 'connect', since: {} }))
    expect(offers).toHaveLength(1)
    const [relay] = offers
    relay!.postMessage(hello)
    relay!.postMessage({ ...hello, source: 'someone-else' })
    relay!.postMessage(envelope('to-page', { type: 'disconnect' }))
    relay!.postMessage({ ...hello, message: { ...hello.message, data: 'x'.repeat(9 << 20) } })
    relay!.postMessage(hello)
    await until(() => received.length >= 2)
    expect(received).toEqual([hello, hello])
    // A panel that closes closes the port: what the bridge still posts on it goes nowhere.
    panel.disconnect()
    relay!.postMessage(hello)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(received).toEqual([hello, hello])
    relay!.close()
  })

  it("the bridge streams on the relay's port once offered, and on the window after disconnect", async () => {
    const ext = extension()
    const page = ext.addTab(7)
    const bridge = startPageBridge({
      window: page,
      host: {},
      scheduler: new ManualScheduler(),
      session: 'load-1',
    })
    const { panel, received } = ext.openPanel(7)
    const onWindow = () =>
      page.posted.filter((m) => (m as { direction: string }).direction === 'to-panel')
    const before = onWindow().length // the bridge's hello at start, when no panel listened
    panel.postMessage(envelope('to-page', { type: 'connect', since: {} }))
    await until(() => received.some((m) => (m as typeof hello).message?.type === 'page-hello'))
    expect(onWindow()).toHaveLength(before)
    // The panel closes: the relay tells the bridge, which drops the port.
    panel.disconnect()
    page.postMessage(envelope('to-page', { type: 'announce' }))
    expect(onWindow()).toHaveLength(before + 1)
    bridge.stop()
  })
})
