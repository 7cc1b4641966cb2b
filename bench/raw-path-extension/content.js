/* global chrome, window */
/** ISOLATED world of the raw baseline: window messages → one runtime Port, nothing else. */
const TAG = 'raw-path-bench'
let port

function connect() {
  const opened = chrome.runtime.connect({ name: 'raw-source' })
  opened.onDisconnect.addListener(() => {
    if (port === opened) port = undefined
  })
  return opened
}

window.addEventListener('message', (event) => {
  if (event.source !== window) return
  const message = event.data
  if (typeof message !== 'object' || message === null || message.tag !== TAG) return
  port ??= connect()
  port.postMessage(message)
})
