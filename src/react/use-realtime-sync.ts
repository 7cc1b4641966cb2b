import { useContext } from 'react'
import type { RealtimeSync } from '../realtime-sync'
import { RealtimeSyncContext } from './realtime-sync-context'

/** The provider's engine, or null during the first render before it starts. */
export function useRealtimeSync(): RealtimeSync | null {
  const sync = useContext(RealtimeSyncContext)
  if (sync === undefined) {
    throw new Error('useRealtimeSync() must be used inside <RealtimeSyncProvider>')
  }
  return sync
}
