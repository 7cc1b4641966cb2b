/* global chrome, setTimeout */
/** The extension page at the end of the raw path: it only counts. */
const state = {
  connected: false,
  events: 0,
  batches: 0,
  chars: 0,
  firstAt: 0,
  lastAt: 0,
  reset() {
    state.events = 0
    state.batches = 0
    state.chars = 0
    state.firstAt = 0
    state.lastAt = 0
  },
}
globalThis.__rawSink = state

function connect() {
  const port = chrome.runtime.connect({ name: 'raw-sink' })
  port.onMessage.addListener((message) => {
    // The worker registered this sink: from now on nothing sent is dropped for want of one.
    if (message.registered) {
      state.connected = true
      return
    }
    const now = Date.now()
    if (state.batches === 0) state.firstAt = now
    state.batches++
    state.events += message.n
    state.chars += message.data.length
    state.lastAt = now
  })
  // The worker stopped (idle or restarted): connect again, as the panel does.
  port.onDisconnect.addListener(() => {
    state.connected = false
    setTimeout(connect, 50)
  })
}
connect()
