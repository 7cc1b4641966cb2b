import type { TableChange } from '../../src/table-change'
import type { InvalidatedEvent, SyncEvent, SyncEventKind } from '../../src/types'

let nextEventId = 1

/** A supabase-js postgres_changes payload for one realtime_table_events row. */
export function changePayload(
  row: Partial<{
    id: number | string | null
    organization_id: unknown
    table_name: unknown
    event_type: unknown
    record_id: unknown
    actor_id: unknown
  }> = {},
  commitTimestamp = '2026-11-23T12:00:00.000Z',
) {
  return {
    schema: 'public',
    table: 'realtime_table_events',
    commit_timestamp: commitTimestamp,
    eventType: 'INSERT',
    new: {
      id: nextEventId++,
      organization_id: 'org_acme',
      table_name: 'deals',
      event_type: 'UPDATE',
      record_id: 'd1',
      actor_id: 'user-bob',
      ...row,
    },
    old: {},
    errors: null,
  }
}

export function tableChange(change: Partial<TableChange> = {}): TableChange {
  return {
    orgId: 'org_acme',
    table: 'deals',
    op: 'UPDATE',
    recordId: 'd1',
    eventId: nextEventId++,
    actorId: 'user-bob',
    commitTimestamp: '2026-11-23T12:00:00.000Z',
    row: {},
    ...change,
  }
}

/** The 'invalidated' event of the pass that served `cause` (a received or resync event). */
export function passOf(
  events: readonly SyncEvent[],
  cause: { readonly seq: number },
): InvalidatedEvent | undefined {
  return events.find(
    (event): event is InvalidatedEvent =>
      event.kind === 'invalidated' && event.causes.includes(cause.seq),
  )
}

/**
 * The query keys `cause` matched, as its pass's 'invalidated' event records them (causeKeys
 * indexes into matchedKeys); undefined while no pass has served it.
 */
export function keysOf(
  events: readonly SyncEvent[],
  cause: { readonly seq: number },
): (readonly unknown[])[] | undefined {
  const pass = passOf(events, cause)
  if (pass === undefined) return undefined
  const refs = pass.causeKeys[pass.causes.indexOf(cause.seq)]!
  return refs.map((i) => pass.matchedKeys[i]!)
}

/** The events of one kind, typed as that kind. */
export function eventsOfKind<K extends SyncEventKind>(
  events: readonly SyncEvent[],
  kind: K,
): Extract<SyncEvent, { kind: K }>[] {
  return events.filter((event): event is Extract<SyncEvent, { kind: K }> => event.kind === kind)
}
