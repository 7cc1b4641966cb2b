/** Content script, ISOLATED world, document_start: the relay between page and background. */
import browser from 'webextension-polyfill'
import type { RuntimePort } from '../shared/runtime-port'
import { startContentRelay } from './content-relay'

startContentRelay(
  window,
  browser.runtime.onConnect as unknown as {
    addListener(listener: (port: RuntimePort) => void): void
  },
)
