import { useState } from 'react'
import { UNCONFIRMED_REASONS } from '../../../src/describe-event'
import { REST_PATH } from '../../../bridge/writes/write-tap'
import { formatTime, plural } from '../store/format'
import type { PanelSnapshot, PanelStore } from '../store/panel-store'
import type { FollowedWrite, UnconfirmedSeen, WritesFollowed } from '../store/write-follow'
import {
  engineStep,
  unanswered,
  writeResponse,
  writeTarget,
  writeVerdict,
} from '../store/write-text'
import { ColumnHeads } from './ColumnHeads'
import { useSocketWatch } from './use-socket-watch'

export interface WritesViewProps {
  store: PanelStore
  snapshot: PanelSnapshot
  followed: WritesFollowed
  /** An engine event was picked (its `unconfirmed` verdict): show it in the log. */
  onShowEvent?(seq: number): void
  /** The echo's frame was picked: show it in the Socket tab. */
  onShowFrame?(seq: number): void
}

/**
 * "My change never reached my teammate": every PostgREST write of the page, with or without our
 * engine, and what came of it: its change came back (and how fast), it is still waiting, or it
 * did not, with why and the next step. The writes whose change never came back come first.
 */
export function WritesView({
  store,
  snapshot,
  followed,
  onShowEvent,
  onShowFrame,
}: WritesViewProps) {
  const live = snapshot.mode === 'live'
  useSocketWatch(store, live)
  const { writes, engineOnly } = followed
  const [picked, setPicked] = useState<number | undefined>()
  const faults = writes.filter((w) => writeVerdict(w).tone === 'fault')
  const selected = writes.find((w) => w.seq === picked) ?? faults.at(-1)

  if (writes.length === 0 && engineOnly.length === 0) {
    return (
      <p className="view-empty">
        {live
          ? `No write yet: the page has sent no POST, PATCH, PUT or DELETE to ${REST_PATH} since it loaded (or since the panel last listened). Make a change in the app; each write is followed until its change comes back.`
          : 'This export carries no write records: it was written before writes were recorded, or the page made none.'}
      </p>
    )
  }
  return (
    <div className="writes-view">
      <p className="writes-summary" role="status">
        {plural(writes.length, 'write')} followed
        {writes.length > 0 ? `: ${countsText(writes)}` : ''}
        {engineOnly.length > 0
          ? `; the engine also reported ${plural(engineOnly.length, 'write')} the wire did not show`
          : ''}
        .
      </p>
      {selected !== undefined && (
        <WriteDetail followed={selected} onShowEvent={onShowEvent} onShowFrame={onShowFrame} />
      )}
      {engineOnly.length > 0 && <EngineOnly verdicts={engineOnly} onShowEvent={onShowEvent} />}
      <table className="data-table writes-table" aria-label="Writes">
        <ColumnHeads labels={['Sent', 'Write', 'Response', 'What came of it']} />
        <tbody>
          {writes.map((followed) => {
            const verdict = writeVerdict(followed)
            return (
              <tr
                key={followed.seq}
                className={`write-row write-${verdict.tone}${followed === selected ? ' write-picked' : ''}`}
                onClick={() => setPicked(followed.seq)}
              >
                <td>{formatTime(followed.startedAt)}</td>
                <td className="mono">{writeTarget(followed.write)}</td>
                <td>{writeResponse(followed.write)}</td>
                <td className="cell-verdict">{verdict.summary}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}

function countsText(writes: readonly FollowedWrite[]): string {
  let echoed = 0
  let waiting = 0
  for (const { outcome } of writes) {
    if (outcome.state === 'echoed') echoed++
    else if (outcome.state !== 'failed' && outcome.state !== 'unconfirmed') waiting++
  }
  const missing = unanswered(writes)
  return [
    `${echoed} came back`,
    ...(waiting > 0 ? [`${waiting} waiting or not known`] : []),
    `${missing} got no change back`,
  ].join(', ')
}

/** The picked write (else the newest that got no change back): why, and what to do next. */
function WriteDetail({
  followed,
  onShowEvent,
  onShowFrame,
}: {
  followed: FollowedWrite
  onShowEvent?(seq: number): void
  onShowFrame?(seq: number): void
}) {
  const verdict = writeVerdict(followed)
  const { outcome } = followed
  return (
    <section className={`write-detail write-${verdict.tone}`} aria-label="Write">
      <h3>
        {writeTarget(followed.write)} at {formatTime(followed.startedAt)}: {verdict.summary}
      </h3>
      <p>Response: {writeResponse(followed.write)}.</p>
      {verdict.reason !== undefined && <p className="write-reason">Why: {verdict.reason}.</p>}
      {verdict.step !== undefined && <p className="write-step">Next: {verdict.step}</p>}
      {outcome.state === 'unconfirmed' && outcome.engine === undefined && (
        <p className="detail-note">
          A guess from what the page's sockets show: an engine on the page checks it as this user
          (writeConfirmMs) and says for sure.
        </p>
      )}
      {outcome.state === 'unconfirmed' && outcome.engine?.replayed && (
        <p className="detail-note">
          The engine replayed the row down the live path, so this tab's screens are up to date.
        </p>
      )}
      {outcome.state === 'unconfirmed' && outcome.engine !== undefined && onShowEvent && (
        <button
          type="button"
          className="link-button"
          onClick={() => onShowEvent(outcome.engine!.seq)}
        >
          Show the engine's verdict (#{outcome.engine.seq}) in the log
        </button>
      )}
      {outcome.state === 'echoed' && onShowFrame && (
        <button type="button" className="link-button" onClick={() => onShowFrame(outcome.frameSeq)}>
          Show its change's frame
        </button>
      )}
    </section>
  )
}

/** Writes the engine reported and the wire did not show (markLocalWrite without a recorded request). */
function EngineOnly({
  verdicts,
  onShowEvent,
}: {
  verdicts: readonly UnconfirmedSeen[]
  onShowEvent?(seq: number): void
}) {
  return (
    <ul className="writes-engine-only" aria-label="The engine's unconfirmed writes">
      {verdicts.map((u) => (
        <li key={u.seq} className="write-fault">
          <button
            type="button"
            className="link-button"
            disabled={onShowEvent === undefined}
            onClick={() => onShowEvent?.(u.seq)}
          >
            #{u.seq}
          </button>{' '}
          {formatTime(u.at)}: this tab wrote {u.table} {u.recordId}; no change came back ({u.cause}
          ): {UNCONFIRMED_REASONS[u.cause]}. Next: {engineStep(u.cause, u.table)}
        </li>
      ))}
    </ul>
  )
}
