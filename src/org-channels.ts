import { Backoff } from './backoff'
import { CHANNEL_TRANSPORTS, type ChannelTransport, type TransportSink } from './channel-transports'
import { errorMessage } from './error-message'
import type { MalformedFacts } from './decision-facts'
import { valueTypeOf } from './value-type'
import { isObject } from './is-object'
import type { Scheduler } from './scheduler'
import { type RealtimeChannelLike, type SupabaseRealtimeLike } from './supabase-realtime'
import {
  type ChannelState,
  type ChannelNoteFacts,
  type MalformedInput,
  type ChannelStatus,
  SUPABASE_CHANNEL_STATUSES,
  type SupabaseChannelStatus,
  type Transport,
} from './types'

export interface OrgChannelHandlers {
  onChange(orgId: string, payload: unknown): void
  /** A value handed to one of the channel's callbacks that the engine cannot use, and why. */
  onMalformed(orgId: string, facts: MalformedFacts, value: unknown): void
  /** A status, or a note on the current one (facts: what happened besides it). */
  onStatus(state: ChannelState, facts?: ChannelNoteFacts): void
  /**
   * Replication is ready ("Subscribed to PostgreSQL"): from here on every commit is delivered,
   * so this is the point a catch-up reads from.
   */
  onLive(state: ChannelState): void
  /** The organization's channel was removed (a membership change, or stop()). */
  onRemoved(orgId: string): void
  /** Any change to states(): a status, a channel added or removed. */
  onChannelsChanged(): void
}

interface Entry {
  readonly state: ChannelState
  channel?: RealtimeChannelLike
  /** The server's system message said ok before supabase-js reported SUBSCRIBED. */
  readyEarly?: boolean
  /** The wait for replication, or the rejoin after a server close (never both at once). */
  timer?: unknown
  /** The server's last system error: why it closed the channel, when it does. */
  serverError?: string
}

/** Backoff when setAuth() fails, as supabase-js backs off its rejoins. */
const AUTH_RETRY_MS = [1_000, 2_000, 5_000, 10_000] as const

/**
 * How long a SUBSCRIBED channel may wait for "Subscribed to PostgreSQL" before the engine calls
 * it live anyway (a server too old to send it): Realtime's own postgres_changes wait default.
 */
export const REPLICATION_WAIT_MS = 15_000

/**
 * supabase.channel(name) returns the existing channel for a topic, and adding callbacks to it
 * after subscribe() throws. A channel being removed stays listed until its leave completes, so
 * an engine started right after another one stopped (React StrictMode) waits for that removal.
 */
const removalsByClient = new WeakMap<object, Map<string, Promise<unknown>>>()

function removalsOf(supabase: object): Map<string, Promise<unknown>> {
  let removals = removalsByClient.get(supabase)
  if (removals === undefined) {
    removals = new Map()
    removalsByClient.set(supabase, removals)
  }
  return removals
}

export function topicFor(orgId: string): string {
  return `org:${orgId}`
}

export function assertOrganizationId(orgId: unknown): asserts orgId is string {
  if (
    typeof orgId !== 'string' ||
    orgId.length === 0 ||
    orgId.length > 256 ||
    /[,()]/.test(orgId)
  ) {
    throw new TypeError(
      `organization id must be a non-empty string without commas or parentheses (got ${JSON.stringify(orgId)})`,
    )
  }
}

/**
 * One Realtime channel per organization the user belongs to, kept equal to the current
 * memberships. Subscribes only after `supabase.realtime.setAuth()` resolved: a join sent before
 * carries no token, and the server then delivers nothing under RLS (supabase-js PR #2655).
 */
export class OrgChannels {
  private readonly entries = new Map<string, Entry>()
  private desired: string[] = []
  private work: Promise<void> = Promise.resolve()
  private stopped = false
  private readonly authRetry = new Backoff(AUTH_RETRY_MS)
  private readonly rejoinBackoff = new Backoff(AUTH_RETRY_MS)
  /** Looking again at a topic another channel of the client holds: 1, 2, 5, then 10 s. */
  private readonly topicBackoff = new Backoff(AUTH_RETRY_MS)
  private retryTimer: unknown
  private snapshot: readonly ChannelState[] | undefined

  constructor(
    private readonly supabase: SupabaseRealtimeLike,
    private readonly handlers: OrgChannelHandlers,
    private readonly scheduler: Scheduler,
    private readonly transportName: Transport = 'postgres_changes',
  ) {
    this.transport = CHANNEL_TRANSPORTS[transportName]
  }

  /** How the organization's rows arrive (src/channel-transports.ts). */
  private readonly transport: ChannelTransport

  /**
   * The channels' states: the same array until one changes, so a React component can read it
   * with useSyncExternalStore.
   */
  states(): readonly ChannelState[] {
    this.snapshot ??= [...this.entries.values()].map((entry) => ({ ...entry.state }))
    return this.snapshot
  }

  /** Resolves once the channels match `orgIds` (subscriptions requested, old ones removed). */
  setOrganizations(orgIds: readonly string[]): Promise<void> {
    for (const orgId of orgIds) assertOrganizationId(orgId)
    this.desired = [...new Set(orgIds)]
    this.removeUndesired()
    return this.reconcileSoon()
  }

  /** Removes every channel at once; resolves when their leaves completed. */
  stop(): Promise<void> {
    this.stopped = true
    if (this.retryTimer !== undefined) this.scheduler.clearTimeout(this.retryTimer)
    const removals = this.removeUndesired()
    return this.work.then(() => Promise.all(removals)).then(() => undefined)
  }

  /**
   * Synchronous, so the removal is registered before any engine started next (StrictMode's
   * remount) looks for it.
   */
  private removeUndesired(): Promise<unknown>[] {
    const desired = new Set(this.stopped ? [] : this.desired)
    const removals: Promise<unknown>[] = []
    const before = this.entries.size
    for (const [orgId, entry] of this.entries) {
      if (desired.has(orgId)) continue
      this.entries.delete(orgId)
      this.clearTimer(entry)
      this.handlers.onRemoved(orgId)
      const removal = this.remove(entry)
      if (removal !== undefined) removals.push(removal)
    }
    if (this.entries.size !== before) this.changed()
    return removals
  }

  private reconcileSoon(): Promise<void> {
    this.work = this.work.then(() => this.reconcile())
    return this.work
  }

  private async reconcile(): Promise<void> {
    if (this.stopped) return
    const added: Entry[] = []
    for (const orgId of this.desired) {
      if (this.entries.has(orgId)) continue
      const entry: Entry = {
        state: {
          orgId,
          topic: topicFor(orgId),
          status: 'AUTHORIZING',
          subscribedCount: 0,
          transport: this.transportName,
        },
      }
      this.entries.set(orgId, entry)
      added.push(entry)
    }
    if (added.length === 0) return
    this.changed()

    try {
      await this.supabase.realtime.setAuth()
      this.authRetry.reset()
    } catch (error) {
      this.retryAuth(added, error)
      return
    }
    for (const entry of added) {
      const removal = removalsOf(this.supabase).get(entry.state.topic)
      if (removal !== undefined) await removal
      if (this.entries.get(entry.state.orgId) === entry) this.subscribe(entry)
    }
  }

  /**
   * supabase-js calls the channel's callbacks from its socket's message handling, which a throw
   * would break: each one ends in a catch, and a value it cannot use is logged as malformed.
   */
  private subscribe(entry: Entry): void {
    const { orgId, topic } = entry.state
    if (this.topicTaken(topic)) return this.waitForTopic(entry)
    this.topicBackoff.reset()
    try {
      // supabase-js calls the binding from its socket's message handling: never throw into it.
      // The hot path: onChange (the pipeline's receive) never throws, so the catch only guards
      // the boundary; a try costs nothing until something throws.
      const sink: TransportSink = {
        change: (payload) => this.handlers.onChange(orgId, payload),
        malformed: (facts, value) => this.malformed(orgId, facts, value),
      }
      const channel = this.transport.open(this.supabase, topic, orgId, (message: unknown) => {
        try {
          if (this.entries.get(orgId) === entry) this.transport.receive(message, sink)
        } catch (error) {
          this.failed(orgId, this.transport.input, message, error)
        }
      })
      entry.channel = channel
      channel.on('system', {}, (payload: unknown) => {
        try {
          if (this.entries.get(orgId) === entry && entry.channel === channel)
            this.system(entry, payload)
        } catch (error) {
          this.failed(orgId, 'system-message', payload, error)
        }
      })
      this.setStatus(entry, 'JOINING')
      channel.subscribe((status: unknown, error?: unknown) => {
        try {
          if (this.entries.get(orgId) === entry && entry.channel === channel)
            this.statusReported(entry, status, error)
        } catch (caught) {
          this.failed(orgId, 'subscribe-status', { status, error }, caught)
        }
      })
    } catch (error) {
      // supabase-js refused the channel (a topic the app holds is caught above, by topicTaken).
      this.setStatus(entry, 'CHANNEL_ERROR', {
        note: 'subscribe-failed',
        error: errorMessage(error),
      })
    }
  }

  /**
   * supabase.channel(topic) hands back a channel the client already has on that topic: when the
   * app's own hook joined org:<id> on the same client (a hand-written hook not yet removed), the
   * engine would add its binding to the app's channel, fail to subscribe it again, and later
   * remove it from under the app. It never takes it: it says so and looks again with backoff.
   */
  private topicTaken(topic: string): boolean {
    if (typeof this.supabase.getChannels !== 'function') return false
    const channels = this.supabase.getChannels()
    if (!Array.isArray(channels)) return false
    const wanted = `realtime:${topic}`
    return channels.some((channel) => isObject(channel) && channel.topic === wanted)
  }

  private waitForTopic(entry: Entry): void {
    const delay = this.topicBackoff.next()
    this.setStatus(entry, 'CHANNEL_ERROR', { note: 'topic-taken', delayMs: delay })
    this.schedule(entry, delay, () => {
      if (this.stopped || this.entries.get(entry.state.orgId) !== entry) return
      if (entry.channel === undefined) this.subscribe(entry)
    })
  }

  /** What supabase-js's subscribe() callback reported of the join. */
  private statusReported(entry: Entry, status: unknown, error: unknown): void {
    if (typeof status !== 'string') {
      this.malformed(entry.state.orgId, wrongValue('subscribe-status', 'status', status), status)
      return
    }
    if (!isSupabaseStatus(status)) {
      const name = status.length > 64 ? `${status.slice(0, 64)}…` : status
      this.setStatus(entry, 'CHANNEL_ERROR', { note: 'unknown-status', error: name })
    } else if (status === 'CLOSED') {
      this.closedByServer(entry)
    } else {
      // Not counted as malformed when it is no Error: older realtime-js hands over the
      // transport's raw reason (an Event, a string, undefined), and errorMessage reads them all.
      this.setStatus(
        entry,
        status,
        error === undefined || error === null ? undefined : { error: errorMessage(error) },
      )
      if (status !== 'SUBSCRIBED') return
      if (this.transport.liveAtJoin) this.live(entry)
      else this.awaitReplication(entry)
    }
  }

  /** A callback threw on what supabase-js handed it: told as malformed, never thrown back. */
  private failed(orgId: string, input: MalformedInput, value: unknown, error: unknown): void {
    const facts = { input, problem: 'engine-error', error: errorMessage(error) } as const
    this.malformed(orgId, facts, value)
  }

  private malformed(orgId: string, facts: MalformedFacts, value: unknown): void {
    try {
      this.handlers.onMalformed(orgId, facts, value)
    } catch {
      // Telling it is what failed (a log listener threw): nothing is left to tell it to, and
      // supabase-js must not see it.
    }
  }

  private setStatus(entry: Entry, status: ChannelStatus, facts?: ChannelNoteFacts): void {
    const state = entry.state
    state.status = status
    if (status === 'SUBSCRIBED') {
      state.subscribedCount++
      state.subscribedAt = this.scheduler.now()
      state.replication = 'waiting'
    } else {
      delete state.replication
      this.clearTimer(entry)
    }
    if (facts !== undefined) state.lastNote = facts
    if (status === 'SUBSCRIBED' && state.subscribedCount > 1)
      state.lastResyncAt = this.scheduler.now()
    this.handlers.onStatus({ ...state }, facts)
    this.changed()
  }

  /** A system message: replication ready, or the server's error (kept for a close that follows). */
  private system(entry: Entry, payload: unknown): void {
    if (!isObject(payload)) {
      this.malformed(entry.state.orgId, wrongValue('system-message', 'payload', payload), payload)
      return
    }
    const { extension, status, message } = payload
    // Realtime's own statuses are ok and error; another string may be a newer server's.
    if (typeof status !== 'string') {
      this.malformed(entry.state.orgId, wrongValue('system-message', 'status', status), payload)
      return
    }
    const text = typeof message === 'string' ? message.slice(0, 1_000) : 'no message'
    if (status === 'ok' && extension === 'postgres_changes') {
      if (entry.state.status === 'SUBSCRIBED') this.live(entry)
      else entry.readyEarly = true
      return
    }
    if (status !== 'error') return
    entry.serverError = text
    if (extension === 'postgres_changes' && entry.state.status === 'SUBSCRIBED') {
      entry.state.replication = 'error'
      this.clearTimer(entry)
      this.report(entry, { note: 'replication-failed', error: text })
    }
  }

  /** SUBSCRIBED: live at the server's "Subscribed to PostgreSQL", or after the wait runs out. */
  private awaitReplication(entry: Entry): void {
    if (entry.readyEarly === true) {
      entry.readyEarly = false
      this.live(entry)
      return
    }
    this.schedule(entry, REPLICATION_WAIT_MS, () => {
      if (this.entries.get(entry.state.orgId) !== entry) return
      if (entry.state.replication !== 'waiting') return
      this.live(entry, 'live-unconfirmed')
    })
  }

  private live(entry: Entry, note: 'live' | 'live-unconfirmed' = 'live'): void {
    this.clearTimer(entry)
    const state = entry.state
    state.replication = 'ready'
    state.liveAt = this.scheduler.now()
    this.rejoinBackoff.reset()
    // Logged as a note on SUBSCRIBED: the moment from which changes are delivered (a broadcast
    // topic delivers from the join on, so it waited nothing).
    const waitedMs =
      state.subscribedAt === undefined ? undefined : state.liveAt - state.subscribedAt
    state.lastNote = { note, waitedMs }
    this.handlers.onStatus({ ...state }, state.lastNote)
    this.changed()
    this.handlers.onLive({ ...state })
  }

  /** The entry's one timer: cleared with its channel's removal, stop() included. */
  private schedule(entry: Entry, delayMs: number, run: () => void): void {
    this.clearTimer(entry)
    entry.timer = this.scheduler.setTimeout(() => {
      entry.timer = undefined
      run()
    }, delayMs)
  }

  private clearTimer(entry: Entry): void {
    if (entry.timer === undefined) return
    this.scheduler.clearTimeout(entry.timer)
    entry.timer = undefined
  }

  /** A note on a channel's state (logged as its current status). */
  private report(entry: Entry, facts: ChannelNoteFacts): void {
    entry.state.lastNote = facts
    this.handlers.onStatus({ ...entry.state }, facts)
    this.changed()
  }

  /**
   * CLOSED that the engine did not ask for: the server ended the channel (an expired token, a
   * policy that no longer admits the user), and supabase-js does not rejoin a closed channel.
   * The engine does: a new channel after setAuth() fetched a fresh token, with backoff.
   */
  private closedByServer(entry: Entry): void {
    const why = entry.serverError
    entry.serverError = undefined
    const delay = this.rejoinBackoff.next()
    this.setStatus(entry, 'CLOSED', { note: 'closed-by-server', error: why, delayMs: delay })
    const channel = entry.channel
    this.schedule(entry, delay, () => {
      if (this.stopped || this.entries.get(entry.state.orgId) !== entry) return
      if (entry.channel !== channel) return
      const removal = this.remove(entry)
      entry.channel = undefined
      this.work = this.work.then(async () => {
        if (removal !== undefined) await removal
        if (this.stopped || this.entries.get(entry.state.orgId) !== entry) return
        this.setStatus(entry, 'AUTHORIZING')
        try {
          await this.supabase.realtime.setAuth()
        } catch (error) {
          this.retryAuth([entry], error)
          return
        }
        if (this.entries.get(entry.state.orgId) === entry) this.subscribe(entry)
      })
    })
  }

  private changed(): void {
    this.snapshot = undefined
    this.handlers.onChannelsChanged()
  }

  private retryAuth(entries: Entry[], error: unknown): void {
    const delay = this.authRetry.next()
    for (const entry of entries) {
      // Gone from the list before its status is told: one change, not two.
      this.entries.delete(entry.state.orgId)
      this.setStatus(entry, 'AUTH_ERROR', {
        note: 'auth-failed',
        error: errorMessage(error),
        delayMs: delay,
      })
    }
    this.retryTimer = this.scheduler.setTimeout(() => {
      this.retryTimer = undefined
      void this.reconcileSoon()
    }, delay)
  }

  private remove(entry: Entry): Promise<unknown> | undefined {
    const channel = entry.channel
    if (channel === undefined) return undefined
    const topic = entry.state.topic
    const removals = removalsOf(this.supabase)
    const removal: Promise<unknown> = this.supabase
      .removeChannel(channel as never)
      .catch(() => undefined)
      .finally(() => {
        if (removals.get(topic) === removal) removals.delete(topic)
      })
    removals.set(topic, removal)
    return removal
  }
}

/** A value of the wrong type where `field` was expected. */
function wrongValue(input: MalformedInput, field: string, value: unknown): MalformedFacts {
  return { input, problem: 'invalid-value', field, found: valueTypeOf(value) }
}

function isSupabaseStatus(status: string): status is SupabaseChannelStatus {
  return (SUPABASE_CHANNEL_STATUSES as readonly string[]).includes(status)
}
