import { type FormEvent, useState } from 'react'
import type { Deal } from '../data/database'
import { useSaveDeal } from '../data/deal-mutations'
import { DEAL_STAGES } from '../data/query-keys'
import { ErrorText } from '../ui/error-text'
import { Field } from '../ui/field'
import { MAX_TITLE_LENGTH, parseMoney } from './parse-money'

interface Draft {
  title: string
  stage: string
  value: string
  /** The deal's updated_at when editing began: tells a teammate's change apart from ours. */
  base: string | null
}

function draftOf(deal: Deal): Draft {
  return {
    title: deal.title ?? '',
    stage: deal.stage ?? 'lead',
    value: deal.value === null ? '' : String(deal.value),
    base: deal.updated_at,
  }
}

/**
 * The form shows the live deal until you type; from then on it shows your draft, and says so
 * if someone else saves the deal meanwhile (saving then overwrites their change).
 */
export function DealEditForm({ deal }: { deal: Deal }) {
  const save = useSaveDeal()
  const [draft, setDraft] = useState<Draft | null>(null)
  const [invalid, setInvalid] = useState<string | null>(null)
  const shown = draft ?? draftOf(deal)
  const changedUnderYou = draft !== null && draft.base !== deal.updated_at
  // The column is free text: a stage set elsewhere stays selectable rather than vanishing.
  const known: readonly string[] = DEAL_STAGES
  const stages = known.includes(shown.stage) ? known : [shown.stage, ...known]

  const edit = (field: 'title' | 'stage' | 'value', value: string) =>
    setDraft({ ...shown, [field]: value })

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const value = parseMoney(shown.value)
    if (shown.title.trim() === '') return setInvalid('Give the deal a title.')
    if (value === undefined) return setInvalid('Value must be a positive number.')
    setInvalid(null)
    save.mutate(
      {
        ...deal,
        title: shown.title.trim(),
        stage: shown.stage,
        value,
        updated_at: new Date().toISOString(),
      },
      { onSuccess: () => setDraft(null) },
    )
  }

  return (
    <form className="card stack" onSubmit={submit} data-testid="deal-form">
      <h2>Edit deal</h2>
      <Field label="Title">
        <input
          name="title"
          required
          maxLength={MAX_TITLE_LENGTH}
          value={shown.title}
          onChange={(event) => edit('title', event.target.value)}
        />
      </Field>
      <div className="field-row">
        <Field label="Stage">
          <select
            name="stage"
            value={shown.stage}
            onChange={(event) => edit('stage', event.target.value)}
          >
            {stages.map((stage) => (
              <option key={stage} value={stage}>
                {stage}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Value ($)">
          <input
            name="value"
            inputMode="decimal"
            value={shown.value}
            onChange={(event) => edit('value', event.target.value)}
          />
        </Field>
      </div>
      {changedUnderYou && (
        <p className="notice" data-testid="deal-changed-notice">
          Someone else just saved this deal. Saving now replaces their change with yours.
        </p>
      )}
      {invalid !== null && <p className="error-text">{invalid}</p>}
      <ErrorText error={save.error} testId="save-deal-error" />
      <div className="actions">
        <button
          type="submit"
          className="button button--primary"
          data-testid="save-deal"
          disabled={save.isPending}
        >
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
        {draft !== null && (
          <button type="button" className="button" onClick={() => setDraft(null)}>
            Discard changes
          </button>
        )}
      </div>
    </form>
  )
}
