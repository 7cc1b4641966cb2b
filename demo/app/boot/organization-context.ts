import { createContext, useContext } from 'react'
import type { Organization } from '../data/database'

export interface OrganizationState {
  /** Every organization the user belongs to: the engine subscribes to each one's channel. */
  organizations: Organization[]
  /** The one the pages show; dave picks between two. */
  current: Organization
  setCurrent(organizationId: string): void
}

export const OrganizationContext = createContext<OrganizationState | null>(null)

export function useOrganizations(): OrganizationState {
  const state = useContext(OrganizationContext)
  if (state === null) throw new Error('useOrganizations() outside <Workspace>')
  return state
}
