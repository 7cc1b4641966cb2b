import type { DatabaseClockState } from '../../../src/database-clock'
import { describeChannelNote } from '../../../src/describe-event'
import type { ChannelState } from '../../../src/types'
import { formatDuration, formatTime } from '../store/format'
import type { PanelSnapshot } from '../store/panel-store'
import { ColumnHeads } from './ColumnHeads'

export interface ChannelsViewProps {
  snapshot: PanelSnapshot
}

const COLUMNS = [
  'Topic',
  'Transport',
  'Status',
  'Replication',
  'Subscribed',
  'Reconnects',
  'Last resync',
  'Last note',
]

function statusClass(status: string): string {
  if (status === 'SUBSCRIBED') return 'channel-status status-ok'
  if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') return 'channel-status status-bad'
  if (status === 'CLOSED') return 'channel-status status-off'
  return 'channel-status status-pending'
}

/**
 * After SUBSCRIBED, the server's postgres_changes subscription may not be ready yet: a commit in
 * between is never delivered (the engine replays it once the channel is live).
 */
function replication(channel: ChannelState): { text: string; className: string } {
  switch (channel.replication) {
    case 'waiting': {
      const since =
        channel.subscribedAt === undefined ? '' : ` since ${formatTime(channel.subscribedAt)}`
      return {
        text: `waiting for "Subscribed to PostgreSQL"${since}`,
        className: 'channel-status status-pending',
      }
    }
    case 'ready': {
      // A broadcast topic is live at the join: no delay to speak of.
      const wait =
        channel.transport !== 'broadcast' &&
        channel.liveAt !== undefined &&
        channel.subscribedAt !== undefined
          ? `, ${formatDuration(channel.liveAt - channel.subscribedAt)} after SUBSCRIBED`
          : ''
      return {
        text: `live since ${channel.liveAt === undefined ? '?' : formatTime(channel.liveAt)}${wait}`,
        className: 'channel-status status-ok',
      }
    }
    case 'error':
      return { text: 'the server could not subscribe', className: 'channel-status status-bad' }
    default:
      return { text: '—', className: '' }
  }
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
    <>
      <ClockNote clock={engine.clock} />
      <ChannelsTable channels={engine.channels} />
    </>
  )
}

/**
 * Latencies from commit compare the database's commit time with the page's receive time: say on
 * which clock, and when the page's is off (browsers' often are), by how much.
 */
function ClockNote({ clock }: { clock: DatabaseClockState | undefined }) {
  if (clock === undefined) {
    return (
      <p className="clock-note">
        Latencies are from the commit, on the database's clock; this page's clock has not been
        compared with it yet (no change received).
      </p>
    )
  }
  const off = Math.abs(clock.pageAheadMs)
  const within =
    clock.uncertaintyMs === undefined ? '' : ` (± ${formatDuration(clock.uncertaintyMs)})`
  const how = clock.pageAheadMs >= 0 ? 'ahead of' : 'behind'
  const title = `Estimated from ${clock.samples} database time${clock.samples === 1 ? '' : 's'} (commit times of deliveries, and the database's now() around a replay). Replay windows always use the database's clock, so an offset loses nothing.`
  if (!clock.corrected) {
    return (
      <p className="clock-note" title={title}>
        Latencies are from the commit, on the database's clock: this page's clock is within 1 s of
        it{within}.
      </p>
    )
  }
  return (
    <p className="clock-note clock-off" role="status" title={title}>
      This page's clock is {formatSkew(off)} {how} the database's{within}; latencies are corrected.
    </p>
  )
}

/** 5.0 min, 12.3 s: the offset with one decimal, as a person compares clocks. */
function formatSkew(ms: number): string {
  if (ms >= 7_200_000) return `${(ms / 3_600_000).toFixed(1)} h`
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)} min`
  return `${(ms / 1_000).toFixed(1)} s`
}

function ChannelsTable({ channels }: { channels: readonly ChannelState[] }) {
  return (
    <table className="data-table channels-table">
      <caption>
        Organization channels. A postgres_changes channel is live once the server says "Subscribed
        to PostgreSQL", a broadcast one (the private topic the trigger's realtime.send writes to) at
        its join; every SUBSCRIBED after the first is a reconnect, after which the engine replays
        what the channel missed (or refetches the organization's queries when it cannot).
      </caption>
      <ColumnHeads labels={COLUMNS} />
      <tbody>
        {channels.map((channel) => (
          <tr key={channel.topic}>
            <td className="mono" title={channel.orgId}>
              {channel.topic}
            </td>
            <td>{transportText(channel)}</td>
            <td>
              <span className={statusClass(channel.status)}>{channel.status}</span>
            </td>
            <td>
              <ReplicationCell channel={channel} />
            </td>
            <td>{channel.subscribedCount}</td>
            <td>{Math.max(0, channel.subscribedCount - 1)}</td>
            <td>{channel.lastResyncAt === undefined ? '—' : formatTime(channel.lastResyncAt)}</td>
            <td className="channel-error">
              {channel.lastNote === undefined
                ? ''
                : (describeChannelNote(channel.lastNote, channel.topic) ?? '')}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** An engine older than the transport option sends none: it is postgres_changes. */
function transportText(channel: ChannelState): string {
  return channel.transport === 'broadcast' ? 'broadcast (private)' : 'postgres_changes'
}

function ReplicationCell({ channel }: { channel: ChannelState }) {
  const { text, className } = replication(channel)
  return <span className={className}>{text}</span>
}
