import { type FormEvent, useState } from 'react'
import { useUpdateDisplayName } from '../data/profiles'
import { ErrorText } from '../ui/error-text'

const MAX_NAME_LENGTH = 100

/** Edits the signed-in user's profile (a global table: see useUpdateDisplayName). */
export function DisplayNameForm({ current }: { current: string }) {
  const update = useUpdateDisplayName()
  const [draft, setDraft] = useState<string | null>(null)
  const shown = draft ?? current

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const name = shown.trim()
    if (name === '') return
    update.mutate(name, { onSuccess: () => setDraft(null) })
  }

  return (
    <form className="card stack" onSubmit={submit}>
      <h2>Edit my display name</h2>
      <div className="inline-form">
        <input
          name="display_name"
          aria-label="Display name"
          maxLength={MAX_NAME_LENGTH}
          value={shown}
          onChange={(event) => setDraft(event.target.value)}
        />
        <button
          type="submit"
          className="button button--primary"
          data-testid="save-display-name"
          disabled={update.isPending}
        >
          {update.isPending ? 'Saving…' : 'Save'}
        </button>
      </div>
      <ErrorText error={update.error} testId="save-display-name-error" />
    </form>
  )
}
