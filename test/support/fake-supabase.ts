import type {
  EventsQueryLike,
  PostgresChangesFilter,
  RealtimeChannelLike,
  SupabaseRealtimeLike,
} from '../../src/supabase-realtime'

/** A realtime_table_events row as the stand-in table holds it. */
export interface EventRow {
  id: number
  organization_id: string
  table_name: string
  event_type: 'INSERT' | 'UPDATE' | 'DELETE'
  record_id: string
  actor_id: string | null
  created_at: string
}

type RowTest = (row: EventRow) => boolean

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
  readonly broadcastBindings: { event: string; callback: (message: object) => void }[] = []
  readonly systemCallbacks: ((payload: object) => void)[] = []
  private statusCallback: ((status: string, error?: Error) => void) | undefined

  constructor(
    name: string,
    private readonly client: FakeSupabase,
    /** supabase.channel(name, { config: { private } }). */
    readonly isPrivate = false,
  ) {
    this.topic = `realtime:${name}`
  }

  on(
    type: 'postgres_changes',
    filter: PostgresChangesFilter,
    callback: (payload: object) => void,
  ): this
  on(type: 'broadcast', filter: { event: string }, callback: (message: object) => void): this
  on(type: 'system', filter: object, callback: (payload: object) => void): this
  on(type: string, filter: object, callback: (payload: object) => void): this {
    if (this.state === 'joining' || this.state === 'joined') {
      throw new Error(`cannot add \`${type}\` callbacks for ${this.topic} after \`subscribe()\`.`)
    }
    if (type === 'system') this.systemCallbacks.push(callback)
    else if (type === 'broadcast') {
      this.broadcastBindings.push({ event: (filter as { event: string }).event, callback })
    } else this.bindings.push({ filter: filter as PostgresChangesFilter, callback })
    return this
  }

  /** The server's system message: replication ready ('ok'), or an error. */
  system(
    status: 'ok' | 'error',
    message = 'Subscribed to PostgreSQL',
    extension = 'postgres_changes',
  ): void {
    for (const callback of this.systemCallbacks) callback({ extension, status, message })
  }

  subscribe(callback?: (status: string, error?: Error) => void): this {
    this.client.actions.push(`subscribe ${this.topic}`)
    this.state = 'joining'
    this.statusCallback = callback
    return this
  }

  /**
   * The server answered: SUBSCRIBED, CHANNEL_ERROR, TIMED_OUT or CLOSED. SUBSCRIBED is followed
   * by "Subscribed to PostgreSQL" unless the client holds replication back.
   */
  setStatus(status: string, error?: Error): void {
    if (status === 'SUBSCRIBED') this.state = 'joined'
    if (status === 'CLOSED') this.state = 'closed'
    this.statusCallback?.(status, error)
    if (status === 'SUBSCRIBED' && !this.client.holdReplication) this.system('ok')
  }

  deliver(payload: unknown): void {
    if (this.state !== 'joined') return
    for (const binding of this.bindings) binding.callback(payload as object)
  }

  /** A broadcast on the channel's topic, as supabase-js hands it to `on('broadcast')`. */
  broadcast(message: unknown): void {
    if (this.state !== 'joined') return
    for (const binding of this.broadcastBindings) binding.callback(message as object)
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
  /** When true, SUBSCRIBED is not followed by "Subscribed to PostgreSQL" (channel.system('ok')). */
  holdReplication = false
  /** The stand-in realtime_table_events: what from() reads. */
  readonly events: EventRow[] = []
  /** Each read's query string, in order (what a replay asked for). */
  readonly reads: string[] = []
  /** The next reads fail with this many errors. */
  failReads = 0
  private nextEventId = 1
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

  channel(name: string, options?: { config: { private?: boolean } }): FakeChannel {
    const existing = this.channels.find((channel) => channel.topic === `realtime:${name}`)
    if (existing) return existing
    const channel = new FakeChannel(name, this, options?.config.private === true)
    this.channels.push(channel)
    return channel
  }

  /** As supabase-js lists them: a channel stays listed until its leave completed. */
  getChannels(): FakeChannel[] {
    return [...this.channels]
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

  /**
   * A change committed: the row is in the stand-in table (ids in insert order), and, when
   * `deliver` is true, on the organization's channel as postgres_changes delivers it.
   */
  commit(
    row: Partial<EventRow> & { organization_id: string },
    options: { deliver?: boolean; createdAt?: string } = {},
  ): EventRow {
    const full: EventRow = {
      id: this.nextEventId++,
      table_name: 'deals',
      event_type: 'UPDATE',
      record_id: 'deal-1',
      actor_id: null,
      created_at: options.createdAt ?? new Date().toISOString(),
      ...row,
    }
    this.nextEventId = Math.max(this.nextEventId, full.id + 1)
    this.events.push(full)
    this.events.sort((a, b) => a.id - b.id)
    if (options.deliver !== false) {
      const channel = this.channels.find((c) => c.topic === `realtime:org:${full.organization_id}`)
      // Whichever way the engine listens: postgres_changes, or the trigger's realtime.send.
      channel?.deliver({
        schema: 'public',
        table: 'realtime_table_events',
        eventType: 'INSERT',
        commit_timestamp: full.created_at,
        new: full,
        old: {},
        errors: null,
      })
      channel?.broadcast({
        type: 'broadcast',
        event: full.event_type,
        payload: { ...full },
        meta: { id: `message-${full.id}` },
      })
    }
    return full
  }

  from(table: string): { select(columns: string): EventsQueryLike } {
    if (table !== 'realtime_table_events') throw new Error(`the stand-in has no table ${table}`)
    return { select: () => new FakeEventsQuery(this, [], [], Number.POSITIVE_INFINITY) }
  }

  /** @internal FakeEventsQuery's answer. */
  answer(
    description: string,
    tests: RowTest[],
    limit: number,
    descending: boolean,
  ): { data: unknown; error: unknown } {
    this.reads.push(description)
    if (this.failReads > 0) {
      this.failReads--
      return { data: null, error: { message: 'permission denied for table realtime_table_events' } }
    }
    const rows = this.events.filter((row) => tests.every((test) => test(row)))
    if (descending) rows.reverse()
    return { data: rows.slice(0, limit).map((row) => ({ ...row })), error: null }
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

/** postgrest-js's builder as far as the replay uses it, over the stand-in table. */
class FakeEventsQuery implements EventsQueryLike {
  constructor(
    private readonly client: FakeSupabase,
    private readonly tests: RowTest[],
    private readonly parts: string[],
    private readonly max: number,
    private readonly descending = false,
  ) {}

  private with(test: RowTest, part: string): FakeEventsQuery {
    return new FakeEventsQuery(
      this.client,
      [...this.tests, test],
      [...this.parts, part],
      this.max,
      this.descending,
    )
  }

  eq(column: string, value: string): EventsQueryLike {
    return this.with(
      (row) => String(row[column as keyof EventRow]) === value,
      `${column}=eq.${value}`,
    )
  }

  gt(column: string, value: number): EventsQueryLike {
    return this.with(
      (row) => Number(row[column as keyof EventRow]) > value,
      `${column}=gt.${value}`,
    )
  }

  gte(column: string, value: string): EventsQueryLike {
    return this.with((row) => compare(row, column, value) >= 0, `${column}=gte.${value}`)
  }

  or(filters: string): EventsQueryLike {
    const tests = filters.split(',').map((filter): RowTest => {
      const [column, operator, ...rest] = filter.split('.')
      const value = rest.join('.').replace(/^"|"$/g, '')
      if (operator === 'gt') return (row) => compare(row, column!, value) > 0
      if (operator === 'gte') return (row) => compare(row, column!, value) >= 0
      throw new Error(`the stand-in cannot read or filter ${filter}`)
    })
    return this.with((row) => tests.some((test) => test(row)), `or=(${filters})`)
  }

  /** Ascending by id is the stand-in's own order; the newest-row read asks for descending. */
  order(column: string, options: { ascending: boolean }): EventsQueryLike {
    if (options.ascending) return this
    return new FakeEventsQuery(
      this.client,
      this.tests,
      [...this.parts, `order=${column}.desc`],
      this.max,
      true,
    )
  }

  limit(count: number): EventsQueryLike {
    return new FakeEventsQuery(
      this.client,
      this.tests,
      [...this.parts, `limit=${count}`],
      count,
      this.descending,
    )
  }

  then<A = { data: unknown; error: unknown }, B = never>(
    onFulfilled?: ((value: { data: unknown; error: unknown }) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): PromiseLike<A | B> {
    const answer = this.client.answer(this.parts.join('&'), this.tests, this.max, this.descending)
    return Promise.resolve(answer).then(onFulfilled, onRejected)
  }
}

function compare(row: EventRow, column: string, value: string): number {
  const cell = row[column as keyof EventRow]
  if (column === 'created_at') return Date.parse(String(cell)) - Date.parse(value)
  return Number(cell) - Number(value)
}
