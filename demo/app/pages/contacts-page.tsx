import { useOrganizations } from '../boot/organization-context'
import { useContactList } from '../data/contacts'
import { ErrorText } from '../ui/error-text'
import { ContactRow } from './contact-row'

export function ContactsPage() {
  const { current } = useOrganizations()
  const contacts = useContactList(current.id)
  return (
    <section className="stack">
      <div className="page-header">
        <h1>Contacts</h1>
        <span className="muted">{current.name}</span>
      </div>
      {contacts.isPending ? (
        <p className="muted">Loading contacts…</p>
      ) : contacts.isError ? (
        <ErrorText error={contacts.error} />
      ) : contacts.data.length === 0 ? (
        <p className="empty">No contacts in this organization.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="contact-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Email</th>
                <th className="cell-actions" aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {contacts.data.map((contact) => (
                <ContactRow key={contact.id} contact={contact} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
