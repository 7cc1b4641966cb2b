import type { RuntimePort } from '../../extension/shared/runtime-port'

/** Two ends of a runtime Port, delivering synchronously, as the relays see them. */
export function portPair(name: string): [FakePort, FakePort] {
  const a = new FakePort(name)
  const b = new FakePort(name)
  a.peer = b
  b.peer = a
  return [a, b]
}

export class FakePort implements RuntimePort {
  peer: FakePort | undefined
  connected = true
  readonly sent: unknown[] = []
  private readonly messageListeners: ((message: unknown) => void)[] = []
  private readonly disconnectListeners: (() => void)[] = []

  constructor(readonly name: string) {}

  postMessage(message: unknown): void {
    if (!this.connected) throw new Error('Attempting to use a disconnected port object')
    this.sent.push(message)
    // Ports carry JSON: what cannot survive a round trip never reaches the other side.
    const copy = JSON.parse(JSON.stringify(message))
    for (const listener of this.peer?.messageListeners ?? []) listener(copy)
  }

  disconnect(): void {
    if (!this.connected) return
    this.connected = false
    const peer = this.peer
    if (peer?.connected) {
      peer.connected = false
      for (const listener of peer.disconnectListeners) listener()
    }
  }

  onMessage = {
    addListener: (listener: (message: unknown) => void) =>
      void this.messageListeners.push(listener),
  }
  onDisconnect = {
    addListener: (listener: () => void) => void this.disconnectListeners.push(listener),
  }
}

/** A window whose postMessage delivers to its own listeners with `source` set to itself. */
export class FakeWindow {
  readonly location = { href: 'http://localhost:5173/deals' }
  readonly document = { title: 'Deals' }
  readonly posted: unknown[] = []
  private readonly listeners = new Set<(event: MessageEvent) => void>()

  /** `transfer`: the ports handed over with the message (the event's `ports`). */
  postMessage(message: unknown, _targetOrigin?: string, transfer: unknown[] = []): void {
    this.posted.push(message)
    const data = structuredClone(message)
    const ports = transfer.filter((item) => item instanceof MessagePort)
    for (const listener of [...this.listeners])
      listener({ source: this, data, ports } as unknown as MessageEvent)
  }

  /** A message from another window (an iframe, an opener): must be ignored. */
  postFromElsewhere(message: unknown): void {
    for (const listener of [...this.listeners])
      listener({ source: {}, data: message } as unknown as MessageEvent)
  }

  addEventListener(_type: 'message', listener: (event: MessageEvent) => void): void {
    this.listeners.add(listener)
  }

  removeEventListener(_type: 'message', listener: (event: MessageEvent) => void): void {
    this.listeners.delete(listener)
  }
}
