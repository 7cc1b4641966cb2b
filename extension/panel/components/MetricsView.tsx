import { useMemo } from 'react'
import { emptyMinute } from '../../../src/minute-metrics'
import type { MetricName, MinuteMetrics } from '../../../src/types'
import { formatCount, formatMinute, formatMs } from '../store/format'
import {
  denseMinutes,
  divergences,
  MAX_EVENTS_PER_PASS,
  MIN_PROCESSED_RATIO,
  MIN_RECEIVED,
  MINUTE_MS,
} from '../store/metrics'
import type { PanelSnapshot } from '../store/panel-store'
import { ColumnHeads } from './ColumnHeads'
import { MetricsChart, minuteRows } from './MetricsChart'

const TABLE_MINUTES = 15
/** Until this many minutes are held, the chart draws rates by the second. */
const FIRST_MINUTES = 3

/** The table's count columns, header and cell from one list so they cannot drift apart. */
const COUNT_COLUMNS: readonly (readonly [string, MetricName])[] = [
  ['Received', 'received'],
  ['Processed', 'processed'],
  ['Deduped', 'deduped'],
  ['Echo', 'echo'],
  ['Malformed', 'malformed'],
  ['Invalidations', 'invalidations'],
  ['Keys invalidated', 'keysInvalidated'],
  ['Refetches', 'refetches'],
  ['Identical data', 'unchangedRefetches'],
  ['Refetch errors', 'refetchErrors'],
]
const HEADS = ['Minute', ...COUNT_COLUMNS.map(([label]) => label), 'Refetch p50 / p95']

/** p50 / p95 of a minute's refetches, or a dash. */
function refetchTimes(m: MinuteMetrics): string {
  return m.refetchP50Ms === undefined || m.refetchP95Ms === undefined
    ? '—'
    : `${formatMs(m.refetchP50Ms)} / ${formatMs(m.refetchP95Ms)}`
}

/**
 * The current minute as it fills, by the second: what a session's first minutes are about, where
 * a per-minute chart has one point.
 */
function ThisMinute({ minute, elapsedMs }: { minute: MinuteMetrics; elapsedMs: number }) {
  const tiles: [string, string][] = [
    ['received', formatCount(minute.received)],
    ['processed', formatCount(minute.processed)],
    ['deduped + echo', formatCount(minute.deduped + minute.echo)],
    ['invalidation passes', formatCount(minute.invalidations)],
    ['refetches', formatCount(minute.refetches)],
    ['identical data', formatCount(minute.unchangedRefetches)],
    ['refetch p50 / p95', refetchTimes(minute)],
  ]
  return (
    <section className="this-minute" aria-label="This minute">
      <h3>
        This minute ({formatMinute(minute.minute)}, {Math.floor(elapsedMs / 1_000)} s so far)
      </h3>
      <dl>
        {tiles.map(([label, value]) => (
          <div key={label} className="stat-tile">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  )
}

export interface MetricsViewProps {
  snapshot: PanelSnapshot
}

/** Per-minute received / processed / deduped / echo / invalidations, and the tuning warning. */
export function MetricsView({ snapshot }: MetricsViewProps) {
  const { engine } = snapshot
  const metrics = engine?.metrics
  const live = snapshot.mode === 'live'
  const minutes = useMemo(() => denseMinutes(metrics ?? []), [metrics])
  const minuteChartRows = useMemo(() => minuteRows(minutes), [minutes])
  const currentMinute = snapshot.builtAt - (snapshot.builtAt % MINUTE_MS)
  const warnings = useMemo(
    () => divergences(metrics ?? [], engine?.config, live ? currentMinute : undefined),
    [metrics, engine?.config, live, currentMinute],
  )
  if (engine === undefined) return <p className="view-empty">No engine selected.</p>
  const recent = minutes.slice(-TABLE_MINUTES).reverse()
  const bySecond = live && minutes.length <= FIRST_MINUTES && engine.rates.length >= 2
  const thisMinute = live
    ? (metrics?.find((m) => m.minute === currentMinute) ?? emptyMinute(currentMinute))
    : undefined
  return (
    <div className="metrics-view">
      {warnings.length > 0 ? (
        warnings.map((warning) => (
          <div key={warning.kind} className="divergence-warning" role="alert">
            <strong>{warning.title}</strong>
            <p>{warning.text}</p>
            <p>
              <span className="advice-label">What to tune: </span>
              {warning.advice}
            </p>
          </div>
        ))
      ) : (
        <p
          className="detail-note"
          title={`The panel warns when processed falls below ${MIN_PROCESSED_RATIO * 100}% of received (too many events filtered) or when one invalidation pass serves more than ${MAX_EVENTS_PER_PASS} events on average (batching too aggressive), once a minute has ${MIN_RECEIVED} events or more.`}
        >
          No divergence in the {live ? 'current and last minute' : 'last two minutes of the log'}.
        </p>
      )}
      {thisMinute !== undefined && (
        <ThisMinute minute={thisMinute} elapsedMs={snapshot.builtAt - currentMinute} />
      )}
      {bySecond ? (
        // A session's first minutes: a per-minute chart would be a point or two.
        <MetricsChart rows={engine.rates} unit="second" />
      ) : minutes.length > 0 ? (
        <MetricsChart rows={minuteChartRows} unit="minute" />
      ) : null}
      {minutes.length === 0 ? (
        <p className="view-empty">No metrics yet: the engine has not counted any event.</p>
      ) : (
        <>
          <table className="data-table metrics-table">
            <caption>Per minute{live ? ' (the current minute updates live)' : ''}</caption>
            <ColumnHeads labels={HEADS} />
            <tbody>
              {recent.map((m) => (
                <tr key={m.minute}>
                  <th scope="row">
                    {formatMinute(m.minute)}
                    {live && m.minute === currentMinute ? ' (live)' : ''}
                  </th>
                  {COUNT_COLUMNS.map(([, metric]) => (
                    <td key={metric}>{formatCount(m[metric])}</td>
                  ))}
                  <td>{refetchTimes(m)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  )
}
