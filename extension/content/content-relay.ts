import { envelope, isEnvelope, PAGE_PORT, relayChannel } from '../../bridge/protocol'
import type { RuntimePort } from '../shared/runtime-port'

export interface RelayWindow {
  postMessage(message: unknown, targetOrigin: string, transfer?: Transferable[]): void
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void
}

/**
 * The ISOLATED-world hop between the page bridge (window messages) and the background (a runtime
 * Port the background opens when a panel inspects this tab). It checks the envelope both ways and
 * never holds events: while no Port is open, page messages are dropped (the bridge is idle then,
 * and a reconnecting panel asks for everything after its last seq).
 *
 * Each time a Port arrives it first hands the bridge a MessagePort of its own (relay-channel),
 * then the panel's commands: the bridge's messages to the panel come on that port from then on,
 * seen by the relay alone and not by every listener of the page's window; the window's still
 * carry what the bridge sent before it had the port.
 */
export function startContentRelay(
  page: RelayWindow,
  onConnect: { addListener(listener: (port: RuntimePort) => void): void },
): void {
  let port: RuntimePort | undefined
  let channel: MessageChannel | undefined

  const forward = (data: unknown) => {
    if (port && isEnvelope(data, 'to-panel')) port.postMessage(data)
  }

  page.addEventListener('message', (event) => {
    if ((event.source as unknown) !== (page as unknown)) return
    forward(event.data)
  })

  const closeChannel = () => {
    channel?.port1.close()
    channel = undefined
  }

  onConnect.addListener((incoming) => {
    if (incoming.name !== PAGE_PORT) return
    port?.disconnect()
    port = incoming
    closeChannel()
    const offered = new MessageChannel()
    channel = offered
    offered.port1.onmessage = (event) => {
      if (channel === offered) forward(event.data)
    }
    page.postMessage(relayChannel(), '*', [offered.port2])
    incoming.onMessage.addListener((message) => {
      if (isEnvelope(message, 'to-page')) page.postMessage(message, '*')
    })
    incoming.onDisconnect.addListener(() => {
      if (port !== incoming) return
      port = undefined
      closeChannel()
      // The panel (or the worker) went away: the bridge stops streaming until it is back.
      page.postMessage(envelope('to-page', { type: 'disconnect' }), '*')
    })
  })
}
