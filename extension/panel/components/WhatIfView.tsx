import { type FormEvent, useEffect, useRef, useState } from 'react'
import { BATCH_MODES, DEDUP_MODES } from '../../../src/options'
import type { SimulationResult } from '../../../src/simulate'
import { formatTime } from '../store/format'
import type { PanelSnapshot, PanelStore } from '../store/panel-store'
import {
  changeText,
  COUNT_ROWS,
  difference,
  mergedPassTexts,
  numberLimits,
  recordedSettings,
  runWhatIf,
  WHAT_IF_NUMBERS,
  type WhatIfDraft,
  type WhatIfRun,
} from '../store/what-if'

export interface WhatIfViewProps {
  store: PanelStore
  snapshot: PanelSnapshot
}

/** At most this many changed events are listed (the counts cover all of them). */
const MAX_LISTED = 200

/**
 * "What if the settings were different?": the shown log (live as held, or imported) replayed
 * through the engine's own pipeline with the settings typed here, side by side with what
 * happened (simulate(), src/simulate.ts).
 */
export function WhatIfView({ store, snapshot }: WhatIfViewProps) {
  const [draft, setDraft] = useState<WhatIfDraft>({})
  const [run, setRun] = useState<WhatIfRun | undefined>()
  const [running, setRunning] = useState(false)
  const latest = useRef(0)
  const mounted = useRef(false)
  useEffect(() => {
    mounted.current = true
    return () => {
      mounted.current = false
    }
  }, [])
  const config = snapshot.engine?.config
  const recorded = recordedSettings(config)
  const submit = (event: FormEvent) => {
    event.preventDefault()
    const id = ++latest.current
    setRunning(true)
    const events = store.shownLog()?.events() ?? []
    void runWhatIf(events, config, draft, snapshot.builtAt).then((done) => {
      // A later run, or the view closed, wins.
      if (!mounted.current || latest.current !== id) return
      setRun(done)
      setRunning(false)
    })
  }
  const set = (name: keyof WhatIfDraft, value: string) => setDraft({ ...draft, [name]: value })
  return (
    <section className="what-if" aria-labelledby="what-if-title">
      <h3 id="what-if-title">What if the settings were different?</h3>
      <p className="detail-note">
        Replays the changes of this log, in order and at their recorded times, through the
        engine&apos;s own pipeline with these settings, against the queries the log shows, and
        compares with what happened. Empty: the recorded value.
      </p>
      <form className="option-form what-if-form" onSubmit={submit} noValidate>
        {WHAT_IF_NUMBERS.map((name) => (
          <span key={name} className="what-if-setting">
            <span className="mono">{name}</span>
            <input
              type="number"
              aria-label={`Simulated ${name}`}
              step={1}
              {...numberLimits(name)}
              placeholder={String(recorded[name])}
              value={draft[name] ?? ''}
              onChange={(event) => set(name, event.target.value)}
            />
          </span>
        ))}
        <ChoiceSetting
          name="batchMode"
          choices={BATCH_MODES}
          value={draft.batchMode ?? recorded.batchMode}
          onChange={(value) => set('batchMode', value)}
        />
        <ChoiceSetting
          name="dedupBy"
          choices={DEDUP_MODES}
          value={draft.dedupBy ?? recorded.dedupBy}
          onChange={(value) => set('dedupBy', value)}
        />
        <button type="submit" className="tool-button" disabled={running}>
          Simulate
        </button>
        {running && <span className="option-status">simulating…</span>}
      </form>
      {run?.ok === false && (
        <p className="status-bad" role="alert">
          {run.error}
        </p>
      )}
      {run?.ok === true && (
        <WhatIfResult
          result={run.result}
          events={run.events}
          at={run.at}
          live={snapshot.mode === 'live'}
        />
      )}
    </section>
  )
}

function WhatIfResult({
  result,
  events,
  at,
  live,
}: {
  result: SimulationResult
  events: number
  at: number
  live: boolean
}) {
  const merged = mergedPassTexts(result)
  const listed = result.changed.slice(0, MAX_LISTED)
  return (
    <div className="what-if-result">
      <p className="detail-note">
        {result.counts.received.toLocaleString('en-US')} changes of {events.toLocaleString('en-US')}{' '}
        events replayed
        {live ? `, as held at ${formatTime(at)}` : ' from the imported file'}.
      </p>
      <table className="data-table what-if-table">
        <caption>Recorded and simulated</caption>
        <thead>
          <tr>
            <th scope="col" />
            <th scope="col">Recorded</th>
            <th scope="col">Simulated</th>
            <th scope="col">Difference</th>
          </tr>
        </thead>
        <tbody>
          {COUNT_ROWS.map(({ field, label }) => (
            <tr key={field}>
              <th scope="row">{label}</th>
              <td className="cell-num" aria-label={`${label} recorded`}>
                {result.recorded[field].toLocaleString('en-US')}
              </td>
              <td className="cell-num" aria-label={`${label} simulated`}>
                {result.counts[field].toLocaleString('en-US')}
              </td>
              <td className="cell-num">
                {difference(result.recorded[field], result.counts[field])}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {result.changed.length === 0 ? (
        <p className="detail-note">No event&apos;s verdict or pass would change.</p>
      ) : (
        <>
          <p className="detail-note">
            {result.changed.length.toLocaleString('en-US')}{' '}
            {result.changed.length === 1 ? 'event' : 'events'} would change
            {result.changed.length > listed.length ? ` (the first ${listed.length} listed)` : ''}:
          </p>
          <ul className="what-if-changes mono" aria-label="Events whose verdict would change">
            {listed.map((change) => (
              <li key={change.seq}>{changeText(change)}</li>
            ))}
          </ul>
        </>
      )}
      {merged.length > 0 && (
        <ul className="what-if-passes" aria-label="Passes that would merge">
          {merged.slice(0, MAX_LISTED).map((text) => (
            <li key={text}>{text}</li>
          ))}
        </ul>
      )}
      <ul className="what-if-limits detail-note" aria-label="What the simulation cannot know">
        {result.limits.map((limit) => (
          <li key={limit}>{limit}</li>
        ))}
      </ul>
    </div>
  )
}

/** A setting picked from the engine's own list of its values (batchMode, dedupBy). */
function ChoiceSetting({
  name,
  choices,
  value,
  onChange,
}: {
  name: string
  choices: readonly string[]
  value: string
  onChange(value: string): void
}) {
  return (
    <span className="what-if-setting">
      <span className="mono">{name}</span>
      <select
        aria-label={`Simulated ${name}`}
        value={value}
        onChange={(event) => onChange(event.target.value)}
      >
        {choices.map((choice) => (
          <option key={choice}>{choice}</option>
        ))}
      </select>
    </span>
  )
}
