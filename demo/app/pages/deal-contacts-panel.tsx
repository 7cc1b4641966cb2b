import { useState } from 'react'
import { useContactList } from '../data/contacts'
import { useDealContacts, useLinkContact, useUnlinkContact } from '../data/deal-contacts'
import type { Deal } from '../data/database'
import { ErrorText } from '../ui/error-text'

/**
 * The deal's contacts, from the junction table, named by a client-side join with the
 * organization's contact list (two cached queries, both kept fresh by the engine).
 */
export function DealContactsPanel({ deal }: { deal: Deal }) {
  const links = useDealContacts(deal.id)
  const contacts = useContactList(deal.organization_id)
  const link = useLinkContact()
  const unlink = useUnlinkContact()
  const [selected, setSelected] = useState('')

  const linkedIds = new Set(links.data?.map((row) => row.contact_id))
  const byId = new Map(contacts.data?.map((contact) => [contact.id, contact]))
  const available = contacts.data?.filter((contact) => !linkedIds.has(contact.id)) ?? []
  // A contact someone else linked meanwhile is no longer a valid choice.
  const choice = available.some((contact) => contact.id === selected) ? selected : ''

  return (
    <section className="card stack">
      <h2>Contacts</h2>
      <ErrorText error={links.error ?? contacts.error} />
      {links.isPending ? (
        <p className="muted">Loading…</p>
      ) : linkedIds.size === 0 ? (
        <p className="empty">No contact on this deal yet.</p>
      ) : (
        <ul className="list">
          {[...linkedIds].map((contactId) => {
            const contact = byId.get(contactId)
            return (
              <li
                key={contactId}
                className="list__item"
                data-testid="deal-contact"
                data-contact-id={contactId}
              >
                <span className="list__main">
                  <span>{contact?.name || 'Unnamed contact'}</span>
                  {contact?.email && <span className="muted"> · {contact.email}</span>}
                </span>
                <button
                  type="button"
                  className="button button--small button--quiet"
                  data-testid="remove-contact"
                  aria-label={`Remove ${contact?.name ?? 'contact'} from this deal`}
                  onClick={() => unlink.mutate({ dealId: deal.id, contactId })}
                >
                  Remove
                </button>
              </li>
            )
          })}
        </ul>
      )}
      <div className="inline-form">
        <select
          data-testid="add-contact-select"
          aria-label="Contact to add"
          value={choice}
          onChange={(event) => setSelected(event.target.value)}
        >
          <option value="">
            {available.length === 0 ? 'No other contacts' : 'Choose a contact…'}
          </option>
          {available.map((contact) => (
            <option key={contact.id} value={contact.id}>
              {contact.name || contact.email || contact.id}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="button"
          data-testid="add-contact"
          disabled={choice === ''}
          onClick={() => {
            link.mutate({ dealId: deal.id, contactId: choice })
            setSelected('')
          }}
        >
          Add contact
        </button>
      </div>
      <ErrorText error={link.error ?? unlink.error} testId="deal-contacts-error" />
    </section>
  )
}
