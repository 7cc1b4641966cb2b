/**
 * A realistic socket for the socket-tap bench: supabase-js clients, each through its own
 * WebSocket class (plain or tapped), joined once to a bare server and then sent bursts of
 * postgres_changes frames, as many bursts as the bench asks. What a burst's time holds is the
 * client's side: ws reading and parsing the frames, the MessageEvent, (the tap,) supabase-js
 * decoding them and calling the app's callback.
 *
 * Why not bench/stack-raw-socket.ts (a new server, client and join per run, each frame encoded
 * and sent on its own): there a run's time was half the server's work on the same thread (one
 * JSON encode and one write syscall per frame) and waits on the loopback, and each run paid a
 * fresh client's warm-up; the pairs of a plain and a tapped run differed by -29% to +18% with
 * the same class on both sides. Here the frames are encoded once, before any timing, and a
 * burst is one write of their bytes; both clients stay connected, so rounds are short, many,
 * and finely interleaved.
 */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { createClient, type SupabaseClient } from '@supabase/supabase-js'
import type WebSocket from 'ws'
import { WebSocketServer } from 'ws'
import { createApiKeys, DEV_JWT_SECRET } from '../server/auth/api-keys'
import { answerPhoenix, changeFrame, joinBenchChannel } from './stack-raw-socket'

/** One text frame as a server sends it (RFC 6455: FIN + text opcode, unmasked, its length). */
function wsTextFrame(text: string): Buffer {
  const payload = Buffer.from(text)
  const length = payload.length
  const header =
    length < 126
      ? Buffer.from([0x81, length])
      : length < 0x10000
        ? Buffer.from([0x81, 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x81, 127]), bigLength(length)])
  return Buffer.concat([header, payload])
}

function bigLength(length: number): Buffer {
  const bytes = Buffer.alloc(8)
  bytes.writeBigUInt64BE(BigInt(length))
  return bytes
}

/** `count` postgres_changes INSERT frames for `topic`, as the stack's encoder writes them. */
function burstBytes(topic: string, ids: string, count: number): { bytes: Buffer; ends: number[] } {
  const frames: Buffer[] = []
  const ends: number[] = [0]
  for (let i = 1; i <= count; i++) {
    const committedAt = new Date(Date.UTC(2026, 10, 23, 16, 23, 18, i % 1000))
    const frame = wsTextFrame(changeFrame(topic, ids, i, committedAt))
    frames.push(frame)
    ends.push(ends.at(-1)! + frame.length)
  }
  return { bytes: Buffer.concat(frames), ends }
}

/** A client joined to the server: `burst(n)` sends it n frames, resolves with the ms they took. */
export interface JoinedClient {
  burst(count: number): Promise<number>
}

export interface SocketBench {
  join(transport: typeof WebSocket): Promise<JoinedClient>
  close(): Promise<void>
}

/** Opens the server; each joined client can be sent bursts of up to `maxFrames` frames. */
export async function openSocketBench(maxFrames: number): Promise<SocketBench> {
  const http = createServer()
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false })
  /** Joins waiting for their server side: the raw socket and the burst built for its channel. */
  const joins: ((raw: Socket, burst: { bytes: Buffer; ends: number[] }) => void)[] = []
  http.on('upgrade', (request: IncomingMessage, raw: Socket, head: Buffer) => {
    wss.handleUpgrade(request, raw, head, (socket) => {
      answerPhoenix(socket, (topic, ids) => {
        // ws writes each of its frames whole, so our bytes go in between two of them.
        joins.shift()?.(raw, burstBytes(topic, ids, maxFrames))
      })
    })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const port = (http.address() as AddressInfo).port
  const { anonKey } = createApiKeys(DEV_JWT_SECRET)
  const clients: SupabaseClient[] = []

  async function join(transport: typeof WebSocket): Promise<JoinedClient> {
    const client = createClient(`http://127.0.0.1:${port}`, anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: { transport: transport as never },
    })
    clients.push(client)
    const server = new Promise<{ raw: Socket; burst: { bytes: Buffer; ends: number[] } }>(
      (resolve) => joins.push((raw, burst) => resolve({ raw, burst })),
    )
    let left = 0
    let done: () => void = () => {}
    await joinBenchChannel(client, () => {
      if (--left === 0) done()
    })
    const { raw, burst } = await server
    return {
      async burst(count) {
        if (count > maxFrames) throw new RangeError(`a burst holds at most ${maxFrames} frames`)
        left = count
        const received = new Promise<void>((resolve) => {
          done = resolve
        })
        const start = performance.now()
        raw.write(burst.bytes.subarray(0, burst.ends[count]))
        await received
        return performance.now() - start
      },
    }
  }

  return {
    join,
    async close() {
      for (const client of clients) {
        await client.removeAllChannels()
        client.realtime.disconnect()
      }
      for (const socket of wss.clients) socket.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}
