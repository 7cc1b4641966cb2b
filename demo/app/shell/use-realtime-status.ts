import { useMemo } from 'react'
import type { ChannelState } from 'realtime-sync-devtools'
import { useRealtimeChannels } from 'realtime-sync-devtools/react'
import { useHandWrittenChannels } from '../boot/hand-written-realtime'
import { withoutEngine } from '../boot/url'

export interface RealtimeStatus {
  label: 'live' | 'connecting…' | 'reconnecting…'
  /** One line per organization channel, for the pill's tooltip. */
  detail: string
}

function summarize(channels: readonly ChannelState[]): RealtimeStatus {
  const detail = channels
    .map((c) => {
      const waiting = c.replication === 'waiting' ? ', waiting for replication' : ''
      const error = c.lastNote?.error
      return `${c.topic}: ${c.status}${waiting}${error ? ` (${error})` : ''}`
    })
    .join('\n')
  // Live once the server's replication is ready: a change before that is not delivered.
  const live = (c: ChannelState) => c.status === 'SUBSCRIBED' && c.replication !== 'waiting'
  if (channels.length > 0 && channels.every(live)) {
    return { label: 'live', detail }
  }
  // A channel that was subscribed once and is not now lost its connection.
  const lost = channels.some((c) => c.subscribedCount > 0 && !live(c))
  return { label: lost ? 'reconnecting…' : 'connecting…', detail: detail || 'no channel yet' }
}

const NO_CHANNELS: readonly ChannelState[] = []
/** The engine's hook needs its provider: with ?engine=none there is none (fixed per page load). */
const useEngineChannels = withoutEngine() ? () => NO_CHANNELS : useRealtimeChannels

/** The pill's label and tooltip, from the engine's channels (or the hand-written hook's). */
export function useRealtimeStatus(): RealtimeStatus {
  const channels = useEngineChannels()
  const handWritten = useHandWrittenChannels()
  return useMemo(() => {
    if (handWritten === null) return summarize(channels)
    const detail = `no engine (?engine=none): a hand-written hook\n${handWritten.map((c) => `${c.topic}: ${c.status}`).join('\n')}`
    const live = handWritten.length > 0 && handWritten.every((c) => c.status === 'SUBSCRIBED')
    return { label: live ? 'live' : 'connecting…', detail }
  }, [channels, handWritten])
}
