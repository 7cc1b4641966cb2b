import * as v from 'valibot'
import {
  type BackgroundNotice,
  envelope,
  isEnvelope,
  PAGE_PORT,
  PANEL_PORT,
  PanelControlSchema,
} from '../../bridge/protocol'
import type { RuntimePort } from '../shared/runtime-port'

export interface RouterRuntime {
  onConnect: { addListener(listener: (port: RuntimePort) => void): void }
  /** tabs.connect: a Port to the content relays of a tab (all its frames). */
  connectTab(tabId: number, name: string): RuntimePort
}

/**
 * Routes messages between each panel and the tab it inspects. Its only state is the open Ports,
 * which die with the service worker; the panel reconnects and says `panel-hello` again, so a
 * worker restart loses nothing (the panel then asks the page for everything after its last seq).
 */
export function startPortRouter(runtime: RouterRuntime): void {
  runtime.onConnect.addListener((panel) => {
    if (panel.name !== PANEL_PORT) return
    let page: RuntimePort | undefined
    let tabId: number | undefined

    const notify = (notice: BackgroundNotice) => panel.postMessage(notice)

    const connectPage = () => {
      const previous = page
      page = undefined
      previous?.disconnect()
      if (tabId === undefined) return
      const port = runtime.connectTab(tabId, PAGE_PORT)
      page = port
      port.onMessage.addListener((message) => {
        if (page === port && isEnvelope(message, 'to-panel')) panel.postMessage(message)
      })
      port.onDisconnect.addListener(() => {
        if (page !== port) return
        page = undefined
        notify({ type: 'page-disconnected' })
      })
    }

    panel.onMessage.addListener((message) => {
      if (isEnvelope(message, 'to-page')) {
        page?.postMessage(message)
        return
      }
      const control = v.safeParse(PanelControlSchema, message)
      if (!control.success) return
      if (control.output.type === 'panel-hello') {
        tabId = control.output.tabId
        connectPage()
      }
      // 'ping' only keeps the worker awake.
    })

    panel.onDisconnect.addListener(() => {
      const port = page
      page = undefined
      port?.postMessage(envelope('to-page', { type: 'disconnect' }))
      port?.disconnect()
    })
  })
}
