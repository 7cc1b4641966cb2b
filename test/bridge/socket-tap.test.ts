import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import {
  installSocketTap,
  type TapRecord,
  TapRing,
  type TapWindow,
} from '../../bridge/socket/socket-tap'
import { until } from '../support/until'

/** The tap over real sockets (ws's WebSocket has the browser's event API) to a local server. */
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function server(onConnection: (socket: WebSocket) => void): Promise<string> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  wss.on('connection', onConnection)
  await new Promise((resolve) => wss.once('listening', resolve))
  cleanups.push(() => new Promise((resolve) => wss.close(resolve)))
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`
}

function tapped(capacity = 100) {
  const win = { WebSocket } as unknown as TapWindow
  const ring = new TapRing(capacity)
  let clock = 1_000
  cleanups.push(installSocketTap(win, ring, () => clock++))
  return { win, ring }
}

const shape = (record: TapRecord) => {
  const { at: _at, ...rest } = record
  return rest
}

describe('the socket tap', () => {
  it("records a Realtime socket's open, frames both ways (text and binary) and close", async () => {
    const base = await server((socket) => {
      socket.on('message', (data, isBinary) => {
        socket.send(isBinary ? data : `echo ${String(data)}`, { binary: isBinary })
        if (!isBinary) socket.close(4000, 'bye')
      })
    })
    const { win, ring } = tapped()
    const url = `${base}/realtime/v1/websocket?apikey=secret&vsn=2.0.0`
    const socket = new win.WebSocket(url)
    expect(socket).toBeInstanceOf(WebSocket)
    socket.binaryType = 'arraybuffer'
    // As supabase-js (Phoenix) listens: the tap wraps the handler, and hands the page its own.
    const received: unknown[] = []
    const onMessage = (event: MessageEvent) => received.push(event.data)
    socket.onmessage = onMessage
    expect(socket.onmessage).toBe(onMessage)
    await new Promise((resolve) => socket.addEventListener('open', resolve))
    socket.send(new Uint8Array([4, 1, 2]).buffer)
    await until(() => ring.read().some((r) => r.kind === 'frame' && r.direction === 'in'))
    socket.send('hello')
    await until(() => ring.read().some((r) => r.kind === 'close'))
    const records = ring.read().map(shape)
    expect(records[0]).toEqual({ kind: 'open', socket: 1, url })
    expect(
      records
        .filter((r) => r.kind === 'frame')
        .map((r) => [r.direction, r.data instanceof ArrayBuffer ? 'binary' : r.data]),
    ).toEqual([
      ['out', 'binary'],
      ['in', 'binary'],
      ['out', 'hello'],
      ['in', 'echo hello'],
    ])
    expect(records.at(-1)).toEqual({
      kind: 'close',
      socket: 1,
      code: 4000,
      reason: 'bye',
      clean: true,
    })
  })

  it('leaves any other socket alone, counts what falls off the ring, and uninstalls', async () => {
    const base = await server((socket) => {
      socket.on('message', (data) => socket.send(data))
    })
    const win = { WebSocket } as unknown as TapWindow
    const ring = new TapRing(3)
    const uninstall = installSocketTap(win, ring)
    const other = new win.WebSocket(`${base}/some/other/socket`)
    await new Promise((resolve) => other.addEventListener('open', resolve))
    other.send('x')
    const realtime = new win.WebSocket(`${base}/realtime/v1/websocket`)
    realtime.onmessage = () => {}
    await new Promise((resolve) => realtime.addEventListener('open', resolve))
    for (let i = 0; i < 5; i++) realtime.send(`frame ${i}`)
    await until(() => ring.dropped + ring.read().length >= 11)
    expect(ring.read()).toHaveLength(3)
    expect(ring.dropped).toBeGreaterThanOrEqual(8)
    expect(ring.read().every((r) => r.socket === 1)).toBe(true)
    other.close()
    realtime.close()
    uninstall()
    expect(win.WebSocket).toBe(WebSocket)
  })
})
