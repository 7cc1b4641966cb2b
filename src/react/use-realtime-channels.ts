import { useCallback, useSyncExternalStore } from 'react'
import type { ChannelState } from '../types'
import { useRealtimeSync } from './use-realtime-sync'

const NO_CHANNELS: readonly ChannelState[] = []

/**
 * The engine's channel states, re-rendered when one changes: for a "live / reconnecting" pill
 * or a banner, without polling.
 */
export function useRealtimeChannels(): readonly ChannelState[] {
  const sync = useRealtimeSync()
  const subscribe = useCallback(
    (onChange: () => void) =>
      sync?.subscribe((change) => {
        if (change === 'channels') onChange()
      }) ?? noop,
    [sync],
  )
  const read = () => sync?.getChannels() ?? NO_CHANNELS
  return useSyncExternalStore(subscribe, read, read)
}

function noop() {}
