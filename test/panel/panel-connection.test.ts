import { describe, expect, it } from 'vitest'
import { PANEL_PORT, PROTOCOL_VERSION } from '../../bridge/protocol'
import { createPanelConnection, type PanelInbound } from '../../extension/panel/panel-connection'
import { portPair } from '../support/fake-ports'
import { PAGE_HELLO } from '../support/protocol-fixtures'
import { ManualScheduler } from '../support/manual-scheduler'

const hello = PAGE_HELLO

/** The panel's connection with the background's end of its Port played by the test. */
function connect() {
  const [panelEnd, background] = portPair(PANEL_PORT)
  const transport = createPanelConnection({
    tabId: 7,
    connect: () => panelEnd,
    scheduler: new ManualScheduler(),
  })
  const received: PanelInbound[] = []
  transport.subscribe((message) => received.push(message))
  received.length = 0 // the page-requested of the first connection
  return { background, received }
}

describe('the panel connection', () => {
  it('passes on messages of its own protocol version', () => {
    const { background, received } = connect()
    background.postMessage(hello)
    expect(received).toEqual([hello.message])
  })

  it('reports a message of another protocol version once per version, never its content', () => {
    const { background, received } = connect()
    const foreign = { ...hello, version: PROTOCOL_VERSION + 1 }
    background.postMessage(foreign)
    background.postMessage(foreign)
    background.postMessage({ ...hello, version: PROTOCOL_VERSION + 2 })
    expect(received).toEqual([
      { type: 'version-mismatch', pageVersion: PROTOCOL_VERSION + 1 },
      { type: 'version-mismatch', pageVersion: PROTOCOL_VERSION + 2 },
    ])
  })

  it('ignores what is not an envelope of ours, whatever its version field', () => {
    const { background, received } = connect()
    background.postMessage({ ...hello, source: 'someone-else', version: 2 })
    background.postMessage({ ...hello, direction: 'to-page', version: 2 })
    expect(received).toEqual([])
  })
})
