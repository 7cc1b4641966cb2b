import { isObject } from './is-object'
import {
  EVENTS_SCHEMA,
  EVENTS_TABLE,
  type RealtimeChannelLike,
  type SupabaseRealtimeLike,
} from './supabase-realtime'
import { broadcastAsChange } from './table-change'
import type { MalformedInput, Transport } from './types'
import { valueTypeOf } from './value-type'
import type { MalformedFacts } from './decision-facts'

/** What a transport's binding hands the channels: a change, or a message it cannot use. */
export interface TransportSink {
  change(payload: unknown): void
  malformed(facts: MalformedFacts, value: unknown): void
}

/**
 * How an organization's realtime_table_events rows reach the engine: the channel a transport
 * opens, with its binding, what a delivery is, and where its live point is. OrgChannels asks the
 * strategy and never branches on the transport itself.
 */
export interface ChannelTransport {
  /** What a delivery of this transport is called when it is malformed. */
  readonly input: MalformedInput
  /**
   * The join is the live point (broadcast: the topic delivers from the join on); otherwise the
   * channel is live once the server says its replication is ready ("Subscribed to PostgreSQL").
   */
  readonly liveAtJoin: boolean
  /** The organization's channel, its binding calling `deliver` (not subscribed yet). */
  open(
    supabase: SupabaseRealtimeLike,
    topic: string,
    orgId: string,
    deliver: (message: unknown) => void,
  ): RealtimeChannelLike
  /** A delivery, told to the sink as a postgres_changes payload or as malformed. May throw. */
  receive(message: unknown, sink: TransportSink): void
}

/** Supabase's postgres_changes: every change authorized per subscriber; nothing to configure. */
const postgresChanges: ChannelTransport = {
  input: 'change',
  liveAtJoin: false,
  open(supabase, topic, orgId, deliver) {
    const channel = supabase.channel(topic)
    channel.on(
      'postgres_changes',
      {
        event: 'INSERT',
        schema: EVENTS_SCHEMA,
        table: EVENTS_TABLE,
        filter: `organization_id=eq.${orgId}`,
      },
      deliver,
    )
    return channel
  },
  receive: (payload, sink) => sink.change(payload),
}

/**
 * Broadcast from Database: the trigger's realtime.send to the private topic; RLS on
 * realtime.messages admits members only, checked at the join with the token setAuth() set.
 */
const broadcast: ChannelTransport = {
  input: 'broadcast',
  liveAtJoin: true,
  open(supabase, topic, _orgId, deliver) {
    const channel = supabase.channel(topic, { config: { private: true } })
    channel.on('broadcast', { event: '*' }, deliver)
    return channel
  },
  receive(message, sink) {
    // Its event row goes the way a postgres_changes one does.
    if (isObject(message)) return sink.change(broadcastAsChange(message))
    const facts = { input: 'broadcast', problem: 'invalid-value', field: 'message' } as const
    sink.malformed({ ...facts, found: valueTypeOf(message) }, message)
  },
}

export const CHANNEL_TRANSPORTS: Readonly<Record<Transport, ChannelTransport>> = {
  postgres_changes: postgresChanges,
  broadcast,
}
