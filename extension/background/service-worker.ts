/** The extension's background service worker: routes panel ⇄ page messages per tab. */
import browser from 'webextension-polyfill'
import type { RuntimePort } from '../shared/runtime-port'
import { startPortRouter } from './port-router'

startPortRouter({
  onConnect: browser.runtime.onConnect as unknown as {
    addListener(listener: (port: RuntimePort) => void): void
  },
  connectTab: (tabId, name) => browser.tabs.connect(tabId, { name }) as unknown as RuntimePort,
})
