import { type FormEvent, useState } from 'react'
import { useAddNote, useDealActivities } from '../data/activities'
import type { Deal } from '../data/database'
import { ErrorText } from '../ui/error-text'
import { formatTime } from '../ui/format'

const MAX_NOTE_LENGTH = 2_000

export function DealActivitiesPanel({ deal }: { deal: Deal }) {
  const activities = useDealActivities(deal.id)
  const addNote = useAddNote()
  const [note, setNote] = useState('')

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const text = note.trim()
    if (text === '') return
    addNote.mutate({
      id: crypto.randomUUID(),
      organization_id: deal.organization_id,
      deal_id: deal.id,
      kind: 'note',
      note: text,
      created_at: new Date().toISOString(),
    })
    setNote('')
  }

  return (
    <section className="card stack">
      <h2>Activity</h2>
      <form className="inline-form" onSubmit={submit}>
        <input
          name="note"
          aria-label="Note"
          placeholder="Add a note…"
          maxLength={MAX_NOTE_LENGTH}
          value={note}
          onChange={(event) => setNote(event.target.value)}
        />
        <button
          type="submit"
          className="button"
          data-testid="add-note"
          disabled={note.trim() === ''}
        >
          Add note
        </button>
      </form>
      <ErrorText error={addNote.error} testId="add-note-error" />
      <ErrorText error={activities.error} />
      {activities.isPending ? (
        <p className="muted">Loading…</p>
      ) : activities.data?.length === 0 ? (
        <p className="empty">Nothing logged yet.</p>
      ) : (
        <ol className="timeline">
          {activities.data?.map((activity) => (
            <li
              key={activity.id}
              className="timeline__item"
              data-testid="activity"
              data-activity-id={activity.id}
            >
              <span className="kind">{activity.kind ?? 'note'}</span>
              <span className="timeline__note">{activity.note}</span>
              <time className="muted" dateTime={activity.created_at ?? undefined}>
                {formatTime(activity.created_at)}
              </time>
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
