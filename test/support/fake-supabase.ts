import type {
  PostgresChangesFilter,
  RealtimeChannelLike,
  SupabaseRealtimeLike,
} from '../../src/supabase-realtime'

/**
 * A small in-memory stand-in for supabase-js's channel API, for unit tests of the engine's
 * channel rules. It keeps the real client's traps: channel(name) returns the existing channel
 * for a topic, on() after subscribe() throws, and a removed channel stays listed until its leave
 * completes. The tests through the real client over a real socket live with the local stack.
 */
export class FakeChannel implements RealtimeChannelLike {
  readonly topic: string
  state: 'closed' | 'joining' | 'joined' | 'leaving' = 'closed'
  readonly bindings: { filter: PostgresChangesFilter; callback: (payload: object) => void }[] = []
  private statusCallback: ((status: string, error?: Error) => void) | undefined

  constructor(
    name: string,
    private readonly client: FakeSupabase,
  ) {
    this.topic = `realtime:${name}`
  }

  on(
    _type: 'postgres_changes',
    filter: PostgresChangesFilter,
    callback: (payload: object) => void,
  ): this {
    if (this.state === 'joining' || this.state === 'joined') {
      throw new Error(
        `cannot add \`postgres_changes\` callbacks for ${this.topic} after \`subscribe()\`.`,
      )
    }
    this.bindings.push({ filter, callback })
    return this
  }

  subscribe(callback?: (status: string, error?: Error) => void): this {
    this.client.actions.push(`subscribe ${this.topic}`)
    this.state = 'joining'
    this.statusCallback = callback
    return this
  }

  /** The server answered: SUBSCRIBED, CHANNEL_ERROR, TIMED_OUT or CLOSED. */
  setStatus(status: string, error?: Error): void {
    if (status === 'SUBSCRIBED') this.state = 'joined'
    if (status === 'CLOSED') this.state = 'closed'
    this.statusCallback?.(status, error)
  }

  deliver(payload: unknown): void {
    if (this.state !== 'joined') return
    for (const binding of this.bindings) binding.callback(payload as object)
  }
}

export class FakeSupabase implements SupabaseRealtimeLike {
  readonly channels: FakeChannel[] = []
  /** What the engine did, in order: `setAuth`, `subscribe realtime:org:x`, `remove realtime:org:x`. */
  readonly actions: string[] = []
  /** setAuth() rejects this many more times. */
  failSetAuth = 0
  /** When true, removeChannel() resolves only at completeLeaves(). */
  holdLeaves = false
  private readonly heldLeaves: (() => void)[] = []

  readonly realtime = {
    setAuth: async (): Promise<void> => {
      this.actions.push('setAuth')
      if (this.failSetAuth > 0) {
        this.failSetAuth--
        throw new Error('token endpoint unreachable')
      }
    },
  }

  channel(name: string): FakeChannel {
    const existing = this.channels.find((channel) => channel.topic === `realtime:${name}`)
    if (existing) return existing
    const channel = new FakeChannel(name, this)
    this.channels.push(channel)
    return channel
  }

  removeChannel(channel: FakeChannel): Promise<string> {
    this.actions.push(`remove ${channel.topic}`)
    channel.state = 'leaving'
    return new Promise((resolve) => {
      const leave = () => {
        channel.state = 'closed'
        const index = this.channels.indexOf(channel)
        if (index >= 0) this.channels.splice(index, 1)
        resolve('ok')
      }
      if (this.holdLeaves) this.heldLeaves.push(leave)
      else queueMicrotask(leave)
    })
  }

  completeLeaves(): void {
    for (const leave of this.heldLeaves.splice(0)) leave()
  }

  /** The channel for an organization, failing the test if the engine did not create it. */
  channelFor(orgId: string): FakeChannel {
    const channel = this.channels.find((c) => c.topic === `realtime:org:${orgId}`)
    if (!channel) throw new Error(`no channel for ${orgId}; have ${this.topics().join(', ')}`)
    return channel
  }

  topics(): string[] {
    return this.channels.map((channel) => channel.topic)
  }

  /** Every joining channel receives SUBSCRIBED. */
  subscribeAll(): void {
    for (const channel of this.channels)
      if (channel.state === 'joining') channel.setStatus('SUBSCRIBED')
  }

  /** The socket dropped: every channel errors; reconnect() later re-subscribes them. */
  dropSocket(): void {
    for (const channel of this.channels) {
      if (channel.state !== 'joined') continue
      channel.state = 'joining'
      channel.setStatus('CHANNEL_ERROR', new Error('socket closed'))
    }
  }

  reconnect(): void {
    this.subscribeAll()
  }
}

/** Lets pending promise chains (setAuth, removals) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
  await new Promise<void>((resolve) => setImmediate(resolve))
}
