import { PHOENIX_EVENTS } from './phoenix'

/**
 * A frame's payload read for what its event carries, for a reader of the wire (the DevTools
 * panel). The payload is untrusted and may be a size-capped preview: every field is read without
 * throwing, and a field the wire does not guarantee stays `unknown` for the reader to check.
 */
export type FrameView =
  | {
      kind: 'join'
      /** config.private === true: a private channel (RLS on realtime.messages). */
      private: boolean
      /** config.postgres_changes, as the client asked for them ([] when absent). */
      bindings: PostgresChangesBinding[]
    }
  | {
      kind: 'reply'
      status: unknown
      /** The reply's response ({} when absent). */
      response: unknown
      /** response.reason: why a push was refused. */
      reason: unknown
    }
  | { kind: 'system'; extension: unknown; status: unknown; message: unknown }
  | {
      kind: 'change'
      /** A postgres_changes delivery's data: {type, schema, table, record, columns, …}. */
      data: unknown
      type: unknown
      schema: unknown
      table: unknown
      record: unknown
    }
  | {
      kind: 'broadcast'
      /** The user's event name and payload inside the broadcast. */
      event: unknown
      payload: unknown
    }
  /** Any other event: its name says it all (heartbeat, phx_leave, phx_close, …). */
  | { kind: 'other' }

/** A postgres_changes binding as a client asks for it in its join's config. */
export interface PostgresChangesBinding {
  event?: string
  schema?: string
  table?: string
  filter?: string
}

/** `value[key]` as JavaScript reads it, undefined for null and undefined. */
function field(value: unknown, key: string): unknown {
  return value === null || value === undefined ? undefined : (value as Record<string, unknown>)[key]
}

/** What a frame of `event` carries in `payload`. Never throws on JSON. */
export function frameView(event: string | undefined, payload: unknown): FrameView {
  switch (event) {
    case PHOENIX_EVENTS.join: {
      const config = field(payload, 'config')
      const bindings = field(config, 'postgres_changes')
      return {
        kind: 'join',
        private: field(config, 'private') === true,
        // The client's own words, unchecked: shown as it asked for them.
        bindings: Array.isArray(bindings) ? (bindings as PostgresChangesBinding[]) : [],
      }
    }
    case PHOENIX_EVENTS.reply: {
      const response = field(payload, 'response') ?? {}
      return {
        kind: 'reply',
        status: field(payload, 'status'),
        response,
        reason: field(response, 'reason'),
      }
    }
    case PHOENIX_EVENTS.system:
      return {
        kind: 'system',
        extension: field(payload, 'extension'),
        status: field(payload, 'status'),
        message: field(payload, 'message'),
      }
    case PHOENIX_EVENTS.postgresChanges: {
      const data = field(payload, 'data')
      return {
        kind: 'change',
        data,
        type: field(data, 'type'),
        schema: field(data, 'schema'),
        table: field(data, 'table'),
        record: field(data, 'record'),
      }
    }
    case PHOENIX_EVENTS.broadcast:
      return {
        kind: 'broadcast',
        event: field(payload, 'event'),
        payload: field(payload, 'payload'),
      }
    default:
      return { kind: 'other' }
  }
}
