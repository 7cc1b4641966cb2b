/* global chrome */
/** Service worker of the raw baseline: forwards every source Port message to every sink Port. */
const sinks = new Set()

chrome.runtime.onConnect.addListener((port) => {
  if (port.name === 'raw-sink') {
    sinks.add(port)
    port.onDisconnect.addListener(() => sinks.delete(port))
    port.postMessage({ registered: true })
    return
  }
  if (port.name !== 'raw-source') return
  port.onMessage.addListener((message) => {
    for (const sink of sinks) sink.postMessage(message)
  })
})
