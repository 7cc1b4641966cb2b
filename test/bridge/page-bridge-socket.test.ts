import { afterEach, describe, expect, it } from 'vitest'
import { startPageBridge } from '../../bridge/page-bridge'
import { envelope, parseSocketBatch, type ToPage, type ToPanel } from '../../bridge/protocol'
import { TapRing } from '../../bridge/socket/socket-tap'
import type { WriteTapRecord } from '../../bridge/writes/write-tap'
import { FakeWindow } from '../support/fake-ports'
import { ManualScheduler } from '../support/manual-scheduler'

/** The bridge's half of the Socket tab: what it posts of the tap's ring, and what it never posts. */
const stops: (() => unknown)[] = []
afterEach(() => {
  for (const stop of stops.splice(0)) stop()
})

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const TOKEN = `${base64url({ alg: 'HS256' })}.${base64url({ role: 'authenticated', exp: 1_780_000_000 })}.c2lnbmF0dXJlLXBhcnQ`
const ANON = `${base64url({ alg: 'HS256' })}.${base64url({ role: 'anon', exp: 1_990_000_000 })}.YW5vbi1zaWduYXR1cmU`
const TOPIC = 'realtime:org:acme'

function setup() {
  const page = new FakeWindow()
  const ring = new TapRing(100)
  const writes = new TapRing<WriteTapRecord>(10)
  const scheduler = new ManualScheduler()
  const bridge = startPageBridge({
    window: page,
    host: {},
    scheduler,
    session: 'load-1',
    socketTap: ring,
    writeTap: writes,
  })
  stops.push(() => bridge.stop())
  const command = (message: ToPage) => page.postMessage(envelope('to-page', message))
  const socketMessages = () =>
    page.posted
      .map((m) => (m as { direction: string; message: ToPanel }).message)
      .filter((m): m is Extract<ToPanel, { type: 'socket' }> => m?.type === 'socket')
  const records = () =>
    socketMessages().flatMap((m) => {
      const parsed = parseSocketBatch(m.data)
      expect(parsed.rejected).toBe(0)
      return parsed.records
    })
  let at = 1_000
  const frame = (direction: 'in' | 'out', message: unknown[]) =>
    ring.push({ kind: 'frame', socket: 1, at: at++, direction, data: JSON.stringify(message) })
  const session = () => {
    ring.push({
      kind: 'open',
      socket: 1,
      at: at++,
      url: `wss://x.supabase.co/realtime/v1/websocket?apikey=${ANON}&vsn=2.0.0`,
    })
    frame('out', [
      '1',
      '1',
      TOPIC,
      'phx_join',
      { config: { postgres_changes: [] }, access_token: TOKEN },
    ])
    frame('in', [
      '1',
      '1',
      TOPIC,
      'phx_reply',
      { status: 'ok', response: { postgres_changes: [] } },
    ])
  }
  const write = (url: string, status = 204) =>
    writes.push({
      kind: 'write',
      at: at + 30,
      startedAt: at++,
      method: 'PATCH',
      url,
      body: JSON.stringify({ title: 'Secret plans' }),
      status,
      contentRange: '0-0/*',
    })
  return { page, ring, writes, command, socketMessages, records, frame, session, write, scheduler }
}

const endOfTask = () => Promise.resolve()

describe("the bridge and the page's sockets", () => {
  it('posts nothing of the sockets until the Socket tab watches, then the ring, then each frame', async () => {
    const s = setup()
    s.session()
    s.command({ type: 'connect', since: {} })
    expect(s.socketMessages()).toEqual([])
    s.command({ type: 'watch-socket', on: true })
    expect(s.socketMessages().map((m) => [m.snapshot, m.dropped])).toEqual([[true, 0]])
    expect(
      s.records().map((r) => [r.seq, r.kind, r.kind === 'frame' ? r.event : undefined]),
    ).toEqual([
      [1, 'open', undefined],
      [2, 'frame', 'phx_join'],
      [3, 'frame', 'phx_reply'],
    ])
    s.frame('in', [
      null,
      null,
      TOPIC,
      'system',
      { status: 'ok', message: 'Subscribed to PostgreSQL', extension: 'postgres_changes' },
    ])
    s.frame('out', [null, '2', 'phoenix', 'heartbeat', {}])
    expect(s.socketMessages()).toHaveLength(1)
    await endOfTask()
    expect(s.socketMessages().map((m) => m.snapshot)).toEqual([true, false])
    expect(
      s
        .records()
        .slice(3)
        .map((r) => [r.seq, r.kind === 'frame' ? r.event : undefined]),
    ).toEqual([
      [4, 'system'],
      [5, 'heartbeat'],
    ])

    s.command({ type: 'watch-socket', on: false })
    s.frame('in', [null, '2', 'phoenix', 'phx_reply', { status: 'ok', response: {} }])
    await endOfTask()
    s.scheduler.advance(1_000)
    expect(s.socketMessages()).toHaveLength(2)
  })

  it('never posts a token: not the apikey, not an access_token, not a JWT inside a message', async () => {
    const s = setup()
    s.command({ type: 'connect', since: {} })
    s.command({ type: 'watch-socket', on: true })
    s.session()
    s.frame('out', ['1', '3', TOPIC, 'access_token', { access_token: TOKEN }])
    s.frame('in', [
      '1',
      null,
      TOPIC,
      'system',
      { status: 'error', message: `Token has expired: ${TOKEN}`, extension: 'system' },
    ])
    s.ring.push({ kind: 'frame', socket: 1, at: 9, direction: 'in', data: `not json ${TOKEN}` })
    await endOfTask()
    const everything = JSON.stringify(s.page.posted)
    for (const secret of [TOKEN, ANON]) {
      for (const part of secret.split('.')) expect(everything).not.toContain(part)
    }
    expect(
      s
        .records()
        .flatMap((r) => r.tokens ?? [])
        .map((t) => t.role),
    ).toEqual(['anon', 'authenticated', 'authenticated', 'authenticated'])
  })

  it('stops with the panel: a disconnect ends the watch', async () => {
    const s = setup()
    s.command({ type: 'connect', since: {} })
    s.command({ type: 'watch-socket', on: true })
    s.command({ type: 'disconnect' })
    s.session()
    await endOfTask()
    expect(s.socketMessages()).toHaveLength(1)
    expect(s.ring.listener).toBeUndefined()
  })

  it("posts the page's writes with the frames, in time order, with no value but the ids and no token", async () => {
    const s = setup()
    s.session()
    s.write(`https://x.supabase.co/rest/v1/deals?id=eq.d1&apikey=${ANON}`)
    s.command({ type: 'connect', since: {} })
    expect(s.socketMessages()).toEqual([])
    s.command({ type: 'watch-socket', on: true })
    s.write('https://x.supabase.co/rest/v1/deals?id=in.(d2,d3)', 403)
    s.scheduler.advance(16)
    await endOfTask()
    const writes = s.records().filter((r) => r.kind === 'write')
    expect(writes.map((r) => r.kind === 'write' && r.write)).toEqual([
      { method: 'PATCH', table: 'deals', ids: ['d1'], status: 204, rows: 1, durationMs: 30 },
      {
        method: 'PATCH',
        table: 'deals',
        ids: ['d2', 'd3'],
        status: 403,
        durationMs: 30,
        error: { message: 'HTTP 403' },
      },
    ])
    const posted = JSON.stringify(s.page.posted)
    expect(posted).not.toContain('Secret plans')
    expect(posted).not.toContain(ANON)
    s.command({ type: 'disconnect' })
    expect(s.writes.listener).toBeUndefined()
  })
})
