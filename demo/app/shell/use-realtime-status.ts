import { useMemo } from 'react'
import type { ChannelState } from 'realtime-sync-devtools'
import { useRealtimeChannels } from 'realtime-sync-devtools/react'

export interface RealtimeStatus {
  label: 'live' | 'connecting…' | 'reconnecting…'
  /** One line per organization channel, for the pill's tooltip. */
  detail: string
}

function summarize(channels: readonly ChannelState[]): RealtimeStatus {
  const detail = channels
    .map((c) => `${c.topic}: ${c.status}${c.lastError ? ` (${c.lastError})` : ''}`)
    .join('\n')
  if (channels.length > 0 && channels.every((c) => c.status === 'SUBSCRIBED')) {
    return { label: 'live', detail }
  }
  // A channel that was subscribed once and is not now lost its connection.
  const lost = channels.some((c) => c.subscribedCount > 0 && c.status !== 'SUBSCRIBED')
  return { label: lost ? 'reconnecting…' : 'connecting…', detail: detail || 'no channel yet' }
}

/** The pill's label and tooltip, from the engine's channels as they change. */
export function useRealtimeStatus(): RealtimeStatus {
  const channels = useRealtimeChannels()
  return useMemo(() => summarize(channels), [channels])
}
