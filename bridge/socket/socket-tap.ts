/**
 * Every supabase-js Realtime socket in the page, observed from the MAIN world at document_start,
 * whether or not the page runs our engine. While no panel listens, the tap only keeps the raw
 * frames in a bounded ring: no decoding, no copying, no serializing, no posting. A panel that
 * connects reads the ring (decoded and redacted by the bridge) and then each record as it comes.
 */
import { RingBuffer } from '../../src/ring-buffer'
import { REALTIME_SOCKET_PATH } from '../../wire/phoenix'
import { DROP_CODE, DROP_REASON, type LiveSocket, type SocketFaults } from '../faults/socket-faults'
import { vsnOf } from './socket-records'

/** What the tap saw, raw: the socket's URL and frames still hold their tokens (page-only). */
export type TapRecord =
  | { kind: 'open'; socket: number; at: number; url: string; refused?: true }
  | {
      kind: 'frame'
      socket: number
      at: number
      direction: 'in' | 'out'
      data: unknown
      /** What a simulated fault did to it (bridge/faults): see FrameFault. */
      fault?: FrameFault
      /** `delayed`: by how long. */
      delayMs?: number
    }
  | { kind: 'close'; socket: number; at: number; code: number; reason: string; clean: boolean }
  | { kind: 'error'; socket: number; at: number }

/**
 * `withheld`: sent by the page, kept off the wire (stalled heartbeats). `delayed`: handed to the
 * page `delayMs` after it arrived. `delivered-again`: a copy of a frame that arrived before,
 * handed to the page a second time.
 */
export type FrameFault = 'withheld' | 'delayed' | 'delivered-again'

/** The newest `capacity` records; older ones are counted, never silently lost. */
export class TapRing<T = TapRecord> {
  private readonly records: RingBuffer<T>
  /** Records that fell off since the tap was installed. */
  dropped = 0
  /** Told each record as it is pushed, while a panel listens. */
  listener: ((record: T) => void) | undefined

  constructor(readonly capacity = 2_000) {
    this.records = new RingBuffer(capacity)
  }

  push(record: T): void {
    if (this.records.push(record)) this.dropped++
    if (this.listener === undefined) return
    // Called from inside the page's own handlers (onmessage, its cache): never throw into them.
    try {
      this.listener(record)
    } catch {
      // The bridge's recorder never throws; a listener that does loses only this record.
    }
  }

  /** The held records, oldest first. */
  read(): T[] {
    return this.records.read()
  }
}

/**
 * Epoch milliseconds at performance.now()'s precision. The origin is read once: it never changes
 * for a page, and reading it is a getter call that cost as much per frame as the clock itself.
 */
function epochClock(): () => number {
  const origin = performance.timeOrigin
  return () => performance.now() + origin
}

/** What the tap needs of `window`: its WebSocket constructor, replaceable. */
export interface TapWindow {
  WebSocket: typeof WebSocket
}

/**
 * Replaces `win.WebSocket` with a subclass that records the Realtime sockets it makes (any
 * other socket is left alone, at the cost of one string test at construction). A subclass, so
 * `instanceof WebSocket`, the constants and every method behave as before. Frames in are
 * recorded through the `onmessage` handler (what supabase-js sets); a socket read only with
 * addEventListener('message') shows its frames out, opens and closes. With `faults`, the tap also
 * applies the faults switched on there (refuse, withhold, delay) and gives it a handle on each
 * live socket (drop, deliver again). Returns the uninstall.
 */
export function installSocketTap(
  win: TapWindow,
  ring: TapRing,
  now: () => number = epochClock(),
  faults?: SocketFaults,
): () => void {
  const Original = win.WebSocket
  let nextSocket = 1
  class TappedWebSocket extends Original {
    /** The socket's number in the ring; undefined: not a Realtime socket, not recorded. */
    readonly #tapped: number | undefined
    readonly #live: LiveSocket | undefined

    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      const href = String(url)
      if (!href.includes(REALTIME_SOCKET_PATH)) return
      const socket = nextSocket++
      this.#tapped = socket
      this.#live = faults === undefined ? undefined : liveSocket(this, socket, vsnOf(href))
      const refused = this.#live !== undefined && !faults!.admit(this.#live)
      ring.push({ kind: 'open', socket, at: now(), url: href, ...(refused ? { refused } : {}) })
      // Closed while connecting, a socket fails as on an unreachable network: error, then 1006.
      if (refused) this.close()
      this.addEventListener('close', (event: CloseEvent) => {
        faults?.closed(socket)
        ring.push({
          kind: 'close',
          socket,
          at: now(),
          code: event.code,
          reason: event.reason,
          clean: event.wasClean,
        })
      })
      this.addEventListener('error', () => ring.push({ kind: 'error', socket, at: now() }))
    }

    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      const socket = this.#tapped
      if (socket !== undefined) {
        if (this.#live !== undefined && faults!.withholds(this.#live, data)) {
          ring.push({ kind: 'frame', socket, at: now(), direction: 'out', data, fault: 'withheld' })
          return
        }
        ring.push({ kind: 'frame', socket, at: now(), direction: 'out', data })
      }
      super.send(data)
    }

    /** The socket's number, for the onmessage wrapper below. */
    get tapNumber(): number | undefined {
      return this.#tapped
    }
  }
  // supabase-js (Phoenix) receives through `onmessage`: the tap wraps the handler the client sets
  // instead of adding a listener of its own, which some WebSocket implementations (ws) pay for
  // with one more event object and text decode per frame.
  const handlers = new WeakMap<object, unknown>()
  const inherited = Object.getOwnPropertyDescriptor(Original.prototype, 'onmessage')
  if (inherited?.get !== undefined && inherited.set !== undefined) {
    const { get, set } = inherited
    Object.defineProperty(TappedWebSocket.prototype, 'onmessage', {
      configurable: true,
      enumerable: true,
      get(this: TappedWebSocket) {
        return handlers.has(this) ? handlers.get(this) : get.call(this)
      },
      set(this: TappedWebSocket, handler: unknown) {
        const socket = this.tapNumber
        if (socket === undefined || typeof handler !== 'function') {
          handlers.delete(this)
          return set.call(this, handler)
        }
        handlers.set(this, handler)
        set.call(this, function (this: WebSocket, event: MessageEvent) {
          const at = now()
          if (faults?.holds(socket)) {
            const call = () => (handler as (event: MessageEvent) => unknown).call(this, event)
            const delayMs = faults.hold(socket, call)
            ring.push({
              kind: 'frame',
              socket,
              at,
              direction: 'in',
              data: event.data,
              fault: 'delayed',
              delayMs,
            })
            return
          }
          ring.push({ kind: 'frame', socket, at, direction: 'in', data: event.data })
          return (handler as (event: MessageEvent) => unknown).call(this, event)
        })
      },
    })
  }
  /** What the faults may do to one socket of the page. */
  function liveSocket(ws: WebSocket, socket: number, vsn: LiveSocket['vsn']): LiveSocket {
    return {
      number: socket,
      vsn,
      isOpen: () => ws.readyState === Original.OPEN,
      drop: () => ws.close(DROP_CODE, DROP_REASON),
      deliverAgain(data) {
        const handler = handlers.get(ws)
        if (typeof handler !== 'function') return false
        ring.push({
          kind: 'frame',
          socket,
          at: now(),
          direction: 'in',
          data,
          fault: 'delivered-again',
        })
        ;(handler as (event: MessageEvent) => unknown).call(
          ws,
          new MessageEvent('message', { data }),
        )
        return true
      },
    }
  }
  win.WebSocket = TappedWebSocket
  return () => {
    if (win.WebSocket === TappedWebSocket) win.WebSocket = Original
  }
}
