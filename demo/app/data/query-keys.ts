import { createQueryKeys } from 'realtime-sync-devtools'

/**
 * Every query key in the app comes from here, so the sync engine can match a change to the
 * queries it affects: `.list(filters)` for anything that may hold many rows (refetched on any
 * change to the table in the organization), `.record(id)` for one row (refetched only when
 * that row changes). The first element is always the table name.
 */
export const QueryKeys = createQueryKeys([
  'deals',
  'contacts',
  'deal_contacts',
  'activities',
  'profiles',
  'organizations',
  'organization_members',
])

export const DEAL_STAGES = ['lead', 'proposal', 'negotiation', 'won', 'lost'] as const
export type DealStage = (typeof DEAL_STAGES)[number]

/** The organization is part of the filters: dave sees one organization's deals at a time. */
export interface DealListFilters {
  organizationId: string
  stage: DealStage | 'all'
}

export function isDealListFilters(value: unknown): value is DealListFilters {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as DealListFilters).organizationId === 'string' &&
    typeof (value as DealListFilters).stage === 'string'
  )
}
