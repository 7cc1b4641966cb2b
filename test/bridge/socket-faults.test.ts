import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { FaultController } from '../../bridge/faults/fault-controller'
import { DROP_CODE, DROP_REASON, SocketFaults } from '../../bridge/faults/socket-faults'
import { startPageBridge } from '../../bridge/page-bridge'
import { envelope, type ToPage, type ToPanel } from '../../bridge/protocol'
import { installSocketTap, TapRing, type TapWindow } from '../../bridge/socket/socket-tap'
import type { FaultConsole } from '../../bridge/faults/fault-console'
import { FakeWindow } from '../support/fake-ports'
import { ManualScheduler } from '../support/manual-scheduler'
import { until } from '../support/until'

/**
 * The simulated faults on real sockets (ws's WebSocket has the browser's API) to a local server:
 * what the page's handler gets, what reaches the server, and the records that say so. The clock
 * of the faults is the test's; the sockets are real.
 */
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const HEARTBEAT = JSON.stringify([null, '7', 'phoenix', 'heartbeat', {}])
const JOIN = JSON.stringify(['1', '1', 'realtime:org:acme', 'phx_join', {}])
const delivery = (n: number) =>
  JSON.stringify([null, null, 'realtime:org:acme', 'postgres_changes', { n }])

/** A server that records what it receives and can push frames to its sockets. */
async function server() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  const received: string[] = []
  const sockets: WebSocket[] = []
  wss.on('connection', (socket) => {
    sockets.push(socket)
    socket.on('message', (data) => received.push(String(data)))
  })
  await new Promise((resolve) => wss.once('listening', resolve))
  cleanups.push(
    () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate()
        wss.close(resolve)
      }),
  )
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/realtime/v1/websocket?vsn=2.0.0`
  return { url, received, sockets }
}

function setup() {
  const scheduler = new ManualScheduler()
  const faults = new SocketFaults(scheduler)
  const win = { WebSocket } as unknown as TapWindow
  const ring = new TapRing(200)
  cleanups.push(installSocketTap(win, ring, scheduler.now, faults))
  const lines: string[] = []
  let changes = 0
  const controller = new FaultController({
    faults,
    scheduler,
    log: (line) => lines.push(line),
    onChange: () => changes++,
  })
  return { scheduler, faults, win, ring, controller, lines, changes: () => changes }
}

/** A Realtime socket as supabase-js keeps one: its frames in, its close. */
async function connect(win: TapWindow, url: string) {
  const socket = new win.WebSocket(url)
  const frames: unknown[] = []
  const closes: { code: number; reason: string }[] = []
  socket.onmessage = (event: MessageEvent) => frames.push(event.data)
  socket.addEventListener('close', (event: CloseEvent) =>
    closes.push({ code: event.code, reason: event.reason }),
  )
  await new Promise((resolve) => socket.addEventListener('open', resolve))
  return { socket, frames, closes }
}

describe('faults on the Realtime sockets', () => {
  it('drop closes every open Realtime socket as the page did not ask, and leaves others alone', async () => {
    const { url } = await server()
    const { win, controller, lines } = setup()
    expect(() => controller.start({ kind: 'drop' }, 'panel')).toThrow(/no open Realtime socket/)
    const page = await connect(win, url)
    const other = new win.WebSocket(url.replace('/realtime/v1/websocket', '/other'))
    await new Promise((resolve) => other.addEventListener('open', resolve))
    const record = controller.start({ kind: 'drop' }, 'panel')
    await until(() => page.closes.length === 1)
    expect(page.closes[0]).toEqual({ code: DROP_CODE, reason: DROP_REASON })
    expect(other.readyState).toBe(WebSocket.OPEN)
    expect(record).toMatchObject({ kind: 'drop', dropped: [1], origin: 'panel' })
    expect(record.endedAt).toBe(record.startedAt)
    expect(lines).toEqual([
      '[realtime-sync-devtools] simulated: socket dropped (socket #1), asked from the DevTools panel',
    ])
    other.close()
  })

  it('offline drops the open socket, refuses each new one until its time is up, then lets them connect', async () => {
    const { url } = await server()
    const { win, ring, controller, scheduler } = setup()
    const first = await connect(win, url)
    const record = controller.start({ kind: 'offline', ms: 8_000 }, 'panel')
    await until(() => first.closes.length === 1)
    // A reconnect while offline fails before it connects, as on an unreachable network.
    const refused = new win.WebSocket(url)
    const failed = await new Promise<{ code: number; error: boolean }>((resolve) => {
      let error = false
      refused.addEventListener('error', () => (error = true))
      refused.addEventListener('close', (event: CloseEvent) => resolve({ code: event.code, error }))
    })
    expect(failed).toEqual({ code: 1006, error: true })
    expect(ring.read().filter((r) => r.kind === 'open')).toMatchObject([
      { socket: 1 },
      { socket: 2, refused: true },
    ])
    expect(record).toMatchObject({ dropped: [1], refused: 1, durationMs: 8_000 })
    expect(record.endedAt).toBeUndefined()
    scheduler.advance(8_000)
    expect(record).toMatchObject({ endedBy: 'time', endedAt: record.startedAt + 8_000 })
    const after = await connect(win, url)
    expect(after.socket.readyState).toBe(WebSocket.OPEN)
    after.socket.close()
  })

  it('stalled heartbeats stay off the wire (recorded as withheld); every other frame goes', async () => {
    const { url, received } = await server()
    const { win, ring, controller } = setup()
    const page = await connect(win, url)
    const record = controller.start({ kind: 'stall-heartbeats', ms: 60_000 }, 'console')
    page.socket.send(HEARTBEAT)
    page.socket.send(JOIN)
    await until(() => received.length === 1)
    expect(received).toEqual([JOIN])
    expect(record.withheld).toBe(1)
    expect(ring.read().filter((r) => r.kind === 'frame')).toMatchObject([
      { direction: 'out', data: HEARTBEAT, fault: 'withheld' },
      { direction: 'out', data: JOIN },
    ])
    controller.end(record.id, 'ended')
    expect(record.endedBy).toBe('ended')
    page.socket.send(HEARTBEAT)
    await until(() => received.length === 2)
    expect(received).toEqual([JOIN, HEARTBEAT])
    page.socket.close()
  })

  it('delay hands the frames to the page later, in order, even across the switch-off', async () => {
    const { url, sockets } = await server()
    const { win, ring, controller, scheduler } = setup()
    const page = await connect(win, url)
    await until(() => sockets.length === 1)
    const record = controller.start({ kind: 'delay', ms: 500 }, 'panel')
    sockets[0]!.send(delivery(1))
    sockets[0]!.send(delivery(2))
    await until(() => ring.read().filter((r) => r.kind === 'frame').length === 2)
    expect(page.frames).toEqual([])
    expect(record.delayed).toBe(2)
    controller.end(record.id, 'ended')
    // Switched off: a frame arriving now still waits behind the held ones.
    sockets[0]!.send(delivery(3))
    await until(() => ring.read().filter((r) => r.kind === 'frame').length === 3)
    expect(page.frames).toEqual([])
    scheduler.advance(499)
    expect(page.frames).toEqual([])
    scheduler.advance(1)
    expect(page.frames).toEqual([delivery(1), delivery(2), delivery(3)])
    expect(ring.read().filter((r) => r.kind === 'frame')).toMatchObject([
      { fault: 'delayed', delayMs: 500 },
      { fault: 'delayed', delayMs: 500 },
      { fault: 'delayed', delayMs: 500 },
    ])
    expect(record.delayed).toBe(2)
    page.socket.close()
  })

  it('deliver again hands a held frame to the page a second time, on its socket or the newest open one', async () => {
    const { url, sockets } = await server()
    const { win, ring, controller } = setup()
    const page = await connect(win, url)
    await until(() => sockets.length === 1)
    sockets[0]!.send(delivery(1))
    await until(() => page.frames.length === 1)
    const held = ring.read().find((r) => r.kind === 'frame' && r.direction === 'in')!
    const record = controller.start(
      { kind: 'deliver-again', frame: held as { socket: number; at: number; data: unknown } },
      'panel',
    )
    expect(page.frames).toEqual([delivery(1), delivery(1)])
    expect(record).toMatchObject({ kind: 'deliver-again', socket: 1, frameAt: held.at })
    expect(ring.read().at(-1)).toMatchObject({ direction: 'in', fault: 'delivered-again' })
    page.socket.close()
    await until(() => page.socket.readyState === WebSocket.CLOSED)
    expect(() =>
      controller.start({ kind: 'deliver-again', frame: { socket: 1, at: 0, data: '' } }, 'panel'),
    ).toThrow(/no open Realtime socket/)
  })

  it('refuses a time out of bounds, and a second fault of a kind replaces the first', () => {
    const { controller, faults } = setup()
    expect(() => controller.start({ kind: 'offline', ms: 10 }, 'panel')).toThrow(RangeError)
    expect(() => controller.start({ kind: 'delay', ms: 600_000 }, 'panel')).toThrow(RangeError)
    const first = controller.start({ kind: 'delay', ms: 100 }, 'panel')
    const second = controller.start({ kind: 'delay', ms: 300 }, 'panel')
    expect(first.endedBy).toBe('replaced')
    expect(second.endedAt).toBeUndefined()
    expect(faults.delayMs).toBe(300)
  })
})

describe('faults through the bridge', () => {
  function bridgeSetup() {
    const page = new FakeWindow()
    const host = {}
    const scheduler = new ManualScheduler()
    const faults = new SocketFaults(scheduler)
    const lines: string[] = []
    const bridge = startPageBridge({
      window: page,
      host,
      scheduler,
      session: 'load-1',
      socketTap: new TapRing(10),
      socketFaults: faults,
      log: (line) => lines.push(line),
    })
    cleanups.push(() => bridge.stop())
    const command = (message: ToPage) => page.postMessage(envelope('to-page', message))
    const posted = () =>
      page.posted.map((m) => (m as { message: ToPanel }).message).filter((m) => m !== undefined)
    const console = () =>
      (host as { __REALTIME_SYNC_DEVTOOLS__: { faults: FaultConsole } }).__REALTIME_SYNC_DEVTOOLS__
        .faults
    return { command, posted, faults, scheduler, lines, console }
  }

  it('starts nothing unless a panel listens, answers each request, and ends every fault when the panel goes', () => {
    const { command, posted, faults, lines } = bridgeSetup()
    command({ type: 'start-fault', requestId: 1, fault: { kind: 'offline', ms: 5_000 } })
    expect(faults.refuseNew).toBe(false)
    expect(posted().some((m) => m.type === 'command-result')).toBe(false)

    command({ type: 'connect', since: {} })
    command({ type: 'start-fault', requestId: 2, fault: { kind: 'offline', ms: 5_000 } })
    expect(faults.refuseNew).toBe(true)
    expect(posted().find((m) => m.type === 'command-result')).toEqual({
      type: 'command-result',
      session: 'load-1',
      requestId: 2,
      ok: true,
    })
    const sent = posted().filter((m) => m.type === 'faults')
    expect(sent.at(-1)).toMatchObject({ records: [{ id: 1, kind: 'offline', durationMs: 5_000 }] })
    expect(lines[0]).toBe(
      '[realtime-sync-devtools] simulated: offline for 5 s, asked from the DevTools panel: it ends when its time is up, when ended, or when the panel closes',
    )

    command({ type: 'start-fault', requestId: 3, fault: { kind: 'deliver-again', frameSeq: 9 } })
    expect(
      posted()
        .filter((m) => m.type === 'command-result')
        .at(-1),
    ).toMatchObject({
      requestId: 3,
      ok: false,
      error: 'frame #9 is no longer held: pick a newer delivery',
    })

    command({ type: 'disconnect' })
    expect(faults.refuseNew).toBe(false)
    expect(lines.at(-1)).toBe('[realtime-sync-devtools] ended: simulated: offline for 5 s')
  })

  it('offers the same actions on the registry for the console, with or without a panel', () => {
    const { console, faults, command, posted, scheduler } = bridgeSetup()
    const record = console().stallHeartbeats(30)
    expect(record).toMatchObject({
      kind: 'stall-heartbeats',
      origin: 'console',
      durationMs: 30_000,
    })
    expect(faults.withholdHeartbeats).toBe(true)
    expect(console().delay(250)).toMatchObject({ kind: 'delay', delayMs: 250 })
    expect(console().delay(0)).toBeUndefined()
    expect(faults.delayMs).toBe(0)
    expect(() => console().deliverAgain()).toThrow(/no delivery held/)
    // A panel that connects now hears what is going on.
    command({ type: 'connect', since: {} })
    scheduler.advance(0)
    expect(posted().find((m) => m.type === 'faults')).toMatchObject({
      records: [{ kind: 'stall-heartbeats' }, { kind: 'delay', endedBy: 'ended' }],
    })
    expect(console().end()).toBe(1)
    expect(
      console()
        .list()
        .every((r) => r.endedAt !== undefined),
    ).toBe(true)
  })
})
