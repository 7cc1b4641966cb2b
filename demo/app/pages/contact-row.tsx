import { type FormEvent, useState } from 'react'
import { useRenameContact } from '../data/contacts'
import type { Contact } from '../data/database'
import { ErrorText } from '../ui/error-text'
import { useFlashOnChange } from '../ui/use-flash-on-change'

const MAX_NAME_LENGTH = 200

/** One contact, renamed in place. */
export function ContactRow({ contact }: { contact: Contact }) {
  const rename = useRenameContact()
  const [draft, setDraft] = useState<string | null>(null)
  const ref = useFlashOnChange<HTMLTableRowElement>(contact.name ?? '')

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const name = draft?.trim() ?? ''
    if (name === '') return
    rename.mutate({ id: contact.id, name })
    setDraft(null)
  }

  return (
    <tr ref={ref} data-testid="contact-row" data-contact-id={contact.id}>
      <td className="cell-title">
        {draft === null ? (
          <span data-testid="contact-name">{contact.name || 'Unnamed contact'}</span>
        ) : (
          <form className="inline-form" onSubmit={submit}>
            <input
              name="contact-name"
              aria-label="Contact name"
              autoFocus
              maxLength={MAX_NAME_LENGTH}
              value={draft}
              onChange={(event) => setDraft(event.target.value)}
              onKeyDown={(event) => event.key === 'Escape' && setDraft(null)}
            />
            <button
              type="submit"
              className="button button--small button--primary"
              data-testid="save-contact"
            >
              Save
            </button>
            <button type="button" className="button button--small" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </form>
        )}
        <ErrorText error={rename.error} />
      </td>
      <td className="cell-muted">{contact.email}</td>
      <td className="cell-actions">
        {draft === null && (
          <button
            type="button"
            className="button button--small button--quiet"
            data-testid="rename-contact"
            onClick={() => setDraft(contact.name ?? '')}
          >
            Rename
          </button>
        )}
      </td>
    </tr>
  )
}
