import type { ChangeEvent, SyncEvent } from '../../../src/types'

/**
 * What the views ask of any event, whatever its kind: the union (src/types.ts) says which kinds
 * have a table, an organization, a record; these read it without a cast.
 */
export function isChange(event: SyncEvent): event is ChangeEvent {
  return event.kind === 'received' || event.kind === 'deduped' || event.kind === 'echo'
}

export function tableOf(event: SyncEvent): string | undefined {
  return 'table' in event ? event.table : undefined
}

export function orgOf(event: SyncEvent): string | undefined {
  return 'orgId' in event ? event.orgId : undefined
}

export function recordOf(event: SyncEvent): string | undefined {
  return 'recordId' in event ? event.recordId : undefined
}

/** "deals/d1", or the table, the organization, the kind: what the event is about. */
export function rowName(event: SyncEvent): string {
  const table = tableOf(event)
  const recordId = recordOf(event)
  if (table !== undefined && recordId !== undefined) return `${table}/${recordId}`
  return table ?? orgOf(event) ?? event.kind
}
