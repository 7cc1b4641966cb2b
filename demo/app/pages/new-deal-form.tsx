import { type FormEvent, useState } from 'react'
import { useCreateDeal } from '../data/deal-mutations'
import { ErrorText } from '../ui/error-text'
import { MAX_TITLE_LENGTH, parseMoney } from './parse-money'

/** Adds a lead. The id is made here so the row is known before the insert is sent. */
export function NewDealForm({ organizationId }: { organizationId: string }) {
  const create = useCreateDeal()
  const [title, setTitle] = useState('')
  const [value, setValue] = useState('')
  const [invalid, setInvalid] = useState<string | null>(null)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const amount = parseMoney(value)
    if (title.trim() === '') return setInvalid('Give the deal a title.')
    if (amount === undefined) return setInvalid('Value must be a positive number.')
    setInvalid(null)
    create.mutate({
      id: crypto.randomUUID(),
      organization_id: organizationId,
      title: title.trim(),
      stage: 'lead',
      value: amount,
      updated_at: new Date().toISOString(),
    })
    // Cleared at once: the optimistic row already shows it; a failure is reported below.
    setTitle('')
    setValue('')
  }

  return (
    <form className="inline-form" onSubmit={submit} data-testid="new-deal-form">
      <input
        name="new-deal-title"
        aria-label="New deal title"
        placeholder="New deal title"
        maxLength={MAX_TITLE_LENGTH}
        value={title}
        onChange={(event) => setTitle(event.target.value)}
      />
      <input
        name="new-deal-value"
        aria-label="Value in dollars"
        placeholder="Value ($)"
        inputMode="decimal"
        className="input--short"
        value={value}
        onChange={(event) => setValue(event.target.value)}
      />
      <button type="submit" className="button button--primary" data-testid="create-deal">
        New deal
      </button>
      {invalid !== null && <p className="error-text">{invalid}</p>}
      <ErrorText error={create.error} testId="create-deal-error" />
    </form>
  )
}
