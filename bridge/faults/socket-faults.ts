/**
 * What the socket tap asks of the faults switched on (from the panel, or the page's console)
 * before it lets a Realtime socket connect, sends a frame or hands one to the page. With every
 * fault off each answer is one field read, so an app pays nothing for the feature.
 */
import type { Scheduler } from '../../src/scheduler'
import { decodeTextFrame, PHOENIX_TOPIC, type Vsn } from '../../wire/phoenix'

/** What a fault did to one socket, counted on the fault's record. */
export type FaultEffect = 'refused' | 'withheld' | 'delayed'

/** The tap's handle on one live Realtime socket of the page. */
export interface LiveSocket {
  readonly number: number
  readonly vsn: Vsn
  /** Open (readyState OPEN), so a frame handed to it reaches the page's handler. */
  isOpen(): boolean
  /** Closed the way the page did not ask for: supabase-js reconnects, as after a network loss. */
  drop(): void
  /** Hands `data` to the page's message handler again; false if it has none. */
  deliverAgain(data: unknown): boolean
}

/** The close code and reason of a simulated drop: a code the application range allows. */
export const DROP_CODE = 4000
export const DROP_REASON = 'realtime-sync-devtools: simulated drop'

interface Queued {
  dueAt: number
  deliver: () => void
}

export class SocketFaults {
  /** Offline: each new Realtime socket fails before it connects, as on an unreachable network. */
  refuseNew = false
  /** Heartbeats the page sends are not put on the wire (a throttled background tab). */
  withholdHeartbeats = false
  /** Frames from the server reach the page this much later, in order. */
  delayMs = 0
  /** Told of each effect, for the active fault's counts. */
  onEffect: (effect: FaultEffect) => void = () => {}

  private readonly live = new Map<number, LiveSocket>()
  /** Per socket: frames waiting for their time, in arrival order, and the timer of the first. */
  private readonly queues = new Map<number, { items: Queued[]; timer: unknown }>()

  constructor(private readonly scheduler: Scheduler) {}

  /** A new Realtime socket: false if it must be refused (offline). */
  admit(socket: LiveSocket): boolean {
    if (this.refuseNew) {
      this.onEffect('refused')
      return false
    }
    this.live.set(socket.number, socket)
    return true
  }

  closed(socket: number): void {
    this.live.delete(socket)
  }

  /** The open Realtime sockets, oldest first. */
  openSockets(): LiveSocket[] {
    return [...this.live.values()].filter((socket) => socket.isOpen())
  }

  socket(number: number): LiveSocket | undefined {
    return this.live.get(number)
  }

  /** Whether a frame the page sends must stay off the wire (a withheld heartbeat). */
  withholds(socket: LiveSocket, data: unknown): boolean {
    if (!this.withholdHeartbeats || !isHeartbeat(socket.vsn, data)) return false
    this.onEffect('withheld')
    return true
  }

  /**
   * Whether a frame from the server must wait (a delay is on, or frames of its socket still
   * wait): one field read and one lookup per frame, nothing allocated while no delay is on.
   */
  holds(socket: number): boolean {
    return this.delayMs > 0 || this.queues.has(socket)
  }

  /**
   * Queues a frame `holds` said must wait; `deliver` runs when it is due. Returns how long it
   * waits. A frame that comes after a delayed one waits behind it even when the delay was
   * switched off: order holds.
   */
  hold(socket: number, deliver: () => void): number {
    const queue = this.queues.get(socket)
    const now = this.scheduler.now()
    const dueAt = Math.max(now + this.delayMs, queue?.items.at(-1)?.dueAt ?? now)
    if (queue === undefined) {
      this.queues.set(socket, { items: [{ dueAt, deliver }], timer: undefined })
      this.armQueue(socket)
    } else {
      queue.items.push({ dueAt, deliver })
    }
    if (this.delayMs > 0) this.onEffect('delayed')
    return dueAt - now
  }

  private armQueue(socket: number): void {
    const queue = this.queues.get(socket)
    const first = queue?.items[0]
    if (queue === undefined || first === undefined) {
      this.queues.delete(socket)
      return
    }
    queue.timer = this.scheduler.setTimeout(
      () => {
        const now = this.scheduler.now()
        while (queue.items.length > 0 && queue.items[0]!.dueAt <= now) {
          const item = queue.items.shift()!
          try {
            item.deliver()
          } catch {
            // The page's own handler threw on its frame, as it would have without the delay.
          }
        }
        this.armQueue(socket)
      },
      Math.max(0, first.dueAt - this.scheduler.now()),
    )
  }
}

/** A heartbeat from the page: Phoenix's `heartbeat` event on its own topic. */
function isHeartbeat(vsn: Vsn, data: unknown): boolean {
  if (typeof data !== 'string' || !data.includes('heartbeat')) return false
  const decoded = decodeTextFrame(vsn, data)
  return (
    decoded.ok && decoded.message.topic === PHOENIX_TOPIC && decoded.message.event === 'heartbeat'
  )
}
