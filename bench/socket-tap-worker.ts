/**
 * One side of the socket-tap bench's realistic socket (bench/socket-tap-socket.ts), in a worker
 * thread: the plain client in one worker, the tapped one in another, so each has its own V8 heap.
 * In one heap the tapped side's ring (2,000 frames it keeps alive) made the plain side's
 * collections dearer too, and a collection landed in whichever side's burst was running.
 *
 * workerData: { module, tapped, frames }. Messages in: burst {count} · close.
 * Messages out: ready · burst {ms, cpuMs} · closed {held, dropped}.
 */
import { readFileSync } from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import WebSocket from 'ws'
import { SocketFaults } from '../bridge/faults/socket-faults'
import { installSocketTap, TapRing, type TapWindow } from '../bridge/socket/socket-tap'
import { systemScheduler } from '../src/scheduler'
import { openSocketBench } from './socket-tap-socket'

const { tapped, frames, warmUp } = workerData as { tapped: boolean; frames: number; warmUp: number }
const port = parentPort!

/**
 * This thread's time on a CPU in ms (Linux: /proc/thread-self/schedstat's first field, in ns;
 * Node 20 has no per-thread cpuUsage). Elsewhere NaN: the bench then prints no CPU figure.
 */
function threadCpuMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6
  } catch {
    return Number.NaN
  }
}

async function start(): Promise<void> {
  const ring = new TapRing()
  let transport: typeof WebSocket = WebSocket
  if (tapped) {
    const win = { WebSocket } as unknown as TapWindow
    // As the extension installs it: with the faults it asks before each frame (all off here).
    installSocketTap(win, ring, undefined, new SocketFaults(systemScheduler))
    transport = win.WebSocket as unknown as typeof WebSocket
  }
  const bench = await openSocketBench(frames)
  const client = await bench.join(transport)
  for (let i = 0; i < warmUp; i++) await client.burst(frames)
  port.on('message', (message: { type: 'burst'; count: number } | { type: 'close' }) => {
    void (async () => {
      if (message.type === 'burst') {
        const cpu0 = threadCpuMs()
        const ms = await client.burst(message.count)
        port.postMessage({ type: 'burst', ms, cpuMs: threadCpuMs() - cpu0 })
      } else {
        await bench.close()
        port.postMessage({ type: 'closed', held: ring.read().length, dropped: ring.dropped })
      }
    })()
  })
  port.postMessage({ type: 'ready' })
}

void start()
