import type { TableChange } from '../../src/table-change'

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
