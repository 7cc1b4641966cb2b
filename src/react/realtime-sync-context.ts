import { createContext } from 'react'
import type { RealtimeSync } from '../realtime-sync'

/** undefined: no provider above; null: the provider's engine is not started yet (first render). */
export const RealtimeSyncContext = createContext<RealtimeSync | null | undefined>(undefined)
