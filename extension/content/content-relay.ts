import { envelope, isEnvelope, PAGE_PORT } from '../../bridge/protocol'
import type { RuntimePort } from '../shared/runtime-port'

export interface RelayWindow {
  postMessage(message: unknown, targetOrigin: string): void
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void
}

/**
 * The ISOLATED-world hop between the page bridge (window messages) and the background (a runtime
 * Port the background opens when a panel inspects this tab). It checks the envelope both ways and
 * never holds events: while no Port is open, page messages are dropped (the bridge is idle then,
 * and a reconnecting panel asks for everything after its last seq).
 */
export function startContentRelay(
  page: RelayWindow,
  onConnect: { addListener(listener: (port: RuntimePort) => void): void },
): void {
  let port: RuntimePort | undefined

  page.addEventListener('message', (event) => {
    if ((event.source as unknown) !== (page as unknown)) return
    if (!port || !isEnvelope(event.data, 'to-panel')) return
    port.postMessage(event.data)
  })

  onConnect.addListener((incoming) => {
    if (incoming.name !== PAGE_PORT) return
    port?.disconnect()
    port = incoming
    incoming.onMessage.addListener((message) => {
      if (isEnvelope(message, 'to-page')) page.postMessage(message, '*')
    })
    incoming.onDisconnect.addListener(() => {
      if (port !== incoming) return
      port = undefined
      // The panel (or the worker) went away: the bridge stops streaming until it is back.
      page.postMessage(envelope('to-page', { type: 'disconnect' }), '*')
    })
  })
}
