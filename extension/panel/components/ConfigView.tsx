import { type FormEvent, useState } from 'react'
import {
  BATCH_MODE_DESCRIPTIONS,
  BATCH_MODES,
  DEDUP_MODE_DESCRIPTIONS,
  DEDUP_MODES,
  TUNABLE_OPTION_NAMES,
  TUNABLE_OPTIONS,
  type TunableName,
} from '../../../src/options'
import type { CommandStatus, PanelSnapshot, PanelStore } from '../store/panel-store'
import { WhatIfView } from './WhatIfView'

export interface ConfigViewProps {
  store: PanelStore
  snapshot: PanelSnapshot
}

/** The engine's config; the four tunables can be changed live (set-option). */
export function ConfigView({ store, snapshot }: ConfigViewProps) {
  const { engine } = snapshot
  if (engine === undefined) return <p className="view-empty">No engine selected.</p>
  const config = engine.config
  const live = snapshot.mode === 'live'
  return (
    <div className="config-view">
      <p className="detail-note">
        {engine.name} <span className="mono">({engine.id})</span>
        {engine.version ? `, version ${engine.version}` : ''}
        {live ? '' : ': from the imported file, read-only'}
      </p>
      {config === undefined ? (
        <p className="view-empty">The engine has not reported its config yet.</p>
      ) : (
        <table className="data-table config-table">
          <tbody>
            {TUNABLE_OPTION_NAMES.map((name) => (
              <OptionRow
                key={name}
                name={name}
                value={config[name]}
                editable={live}
                status={snapshot.commands[name]}
                onApply={(value) => store.setOption(name, value)}
              />
            ))}
            <CodeOnlyRow
              name="dedupBy"
              value={config.dedupBy}
              help={DEDUP_MODES.map((mode) => `'${mode}' drops ${DEDUP_MODE_DESCRIPTIONS[mode]}`)}
            />
            <CodeOnlyRow
              name="batchMode"
              value={config.batchMode}
              help={BATCH_MODES.map((mode) => `'${mode}': ${BATCH_MODE_DESCRIPTIONS[mode]}`)}
            />
            <CodeOnlyRow
              name="recordScopes"
              value={JSON.stringify(config.recordScopes ?? ['record'])}
              help={[
                'a key [table, scope, id] with one of these scopes refetches only on a change of row id; every other key of the table on every change of it',
              ]}
            />
          </tbody>
        </table>
      )}
      <WhatIfView key={engine.id} store={store} snapshot={snapshot} />
    </div>
  )
}

/** An option set in code (a mode, not a number): shown with what each of its values does. */
function CodeOnlyRow({ name, value, help }: { name: string; value?: string; help: string[] }) {
  return (
    <tr>
      <th scope="row" className="mono">
        {name}
      </th>
      <td className="mono">{value ?? '—'}</td>
      <td colSpan={2} className="option-help">
        {help.join('; ')}. Set in code only.
      </td>
    </tr>
  )
}

interface OptionRowProps {
  name: TunableName
  value: number
  editable: boolean
  status?: CommandStatus
  onApply(value: number): void
}

function OptionRow({ name, value, editable, status, onApply }: OptionRowProps) {
  const [draft, setDraft] = useState('')
  const option = TUNABLE_OPTIONS[name]
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (draft.trim() === '') return
    onApply(Number(draft))
  }
  return (
    <tr>
      <th scope="row" className="mono">
        <label htmlFor={`option-${name}`}>{name}</label>
      </th>
      <td className="mono" aria-label={`${name} current value`}>
        {value.toLocaleString('en-US')}
      </td>
      <td>
        {/* noValidate: the store refuses a value with the options table's own sentence, shown
            next to the field, rather than the browser's tooltip. */}
        {editable && (
          <form className="option-form" onSubmit={submit} noValidate>
            <input
              id={`option-${name}`}
              type="number"
              min={option.min}
              max={option.max}
              step={1}
              placeholder={String(value)}
              value={draft}
              onChange={(event) => setDraft(event.target.value)}
            />
            <button type="submit" className="tool-button" disabled={draft.trim() === ''}>
              Apply
            </button>
            {status?.state === 'pending' && <span className="option-status">applying…</span>}
            {status?.state === 'ok' && (
              <span className="option-status status-ok">applied {status.value}</span>
            )}
            {status?.state === 'error' && (
              <span className="option-status status-bad" role="alert">
                {status.error}
              </span>
            )}
          </form>
        )}
      </td>
      <td className="option-help">
        {option.description} {option.min.toLocaleString('en-US')}–
        {option.max.toLocaleString('en-US')} {option.unit}.
      </td>
    </tr>
  )
}
