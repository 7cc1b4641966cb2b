import { formatTime } from '../store/format'
import type { PanelSnapshot } from '../store/panel-store'
import { ColumnHeads } from './ColumnHeads'

export interface ChannelsViewProps {
  snapshot: PanelSnapshot
}

const COLUMNS = ['Topic', 'Status', 'Subscribed', 'Reconnects', 'Last resync', 'Last error']

function statusClass(status: string): string {
  if (status === 'SUBSCRIBED') return 'channel-status status-ok'
  if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') return 'channel-status status-bad'
  if (status === 'CLOSED') return 'channel-status status-off'
  return 'channel-status status-pending'
}

/** One row per organization channel (org:<orgId>): status, reconnects, last resync and error. */
export function ChannelsView({ snapshot }: ChannelsViewProps) {
  const { engine } = snapshot
  if (engine === undefined) return <p className="view-empty">No engine selected.</p>
  if (snapshot.mode === 'imported') {
    return <p className="view-empty">Channel states are not part of an export.</p>
  }
  if (engine.channels.length === 0) {
    return (
      <p className="view-empty">
        No channel: the engine has no organization to listen to (organizationIds is empty), or has
        not reported its state yet.
      </p>
    )
  }
  return (
    <table className="data-table channels-table">
      <caption>
        Organization channels. Every SUBSCRIBED after the first is a reconnect, and a resync
        refetches the organization's queries.
      </caption>
      <ColumnHeads labels={COLUMNS} />
      <tbody>
        {engine.channels.map((channel) => (
          <tr key={channel.topic}>
            <td className="mono" title={channel.orgId}>
              {channel.topic}
            </td>
            <td>
              <span className={statusClass(channel.status)}>{channel.status}</span>
            </td>
            <td>{channel.subscribedCount}</td>
            <td>{Math.max(0, channel.subscribedCount - 1)}</td>
            <td>{channel.lastResyncAt === undefined ? '—' : formatTime(channel.lastResyncAt)}</td>
            <td className="channel-error">{channel.lastError ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
