import { createContext, useContext } from 'react'
import type { DemoConfig } from '../../demo-config'
import type { DemoSupabaseClient } from './supabase-client'

export interface DemoSession {
  supabase: DemoSupabaseClient
  config: DemoConfig
  email: string
  userId: string
}

export const SessionContext = createContext<DemoSession | null>(null)

/** The signed-in user and their Supabase client; only rendered after sign-in. */
export function useDemoSession(): DemoSession {
  const session = useContext(SessionContext)
  if (session === null) throw new Error('useDemoSession() outside a signed-in window')
  return session
}
