import { plural } from '../store/format'
import type { WritesFollowed } from '../store/write-follow'
import { unanswered, writeTarget, writeVerdict } from '../store/write-text'

export interface WritesBannerProps {
  followed: WritesFollowed
  onShowWrites(): void
}

/**
 * Above every tab: the page wrote and no change came back. The question a user opens the panel
 * with ("my change never reached my teammate") answered before they read a row of the log.
 */
export function WritesBanner({ followed, onShowWrites }: WritesBannerProps) {
  const { writes, engineOnly } = followed
  const count = unanswered(writes) + engineOnly.length
  if (count === 0) return null
  const newest = [...writes].reverse().find((w) => writeVerdict(w).tone === 'fault')
  const newestEngine = engineOnly.at(-1)
  const what =
    newest !== undefined
      ? `${writeTarget(newest.write)}: ${writeVerdict(newest).summary}`
      : newestEngine !== undefined
        ? `${newestEngine.table} ${newestEngine.recordId}: ${newestEngine.cause}`
        : ''
  return (
    <div className="writes-banner" role="alert">
      <strong>
        {plural(count, "of the page's writes", "of the page's writes")} got no change back
      </strong>
      {what !== '' ? ` (newest: ${what})` : ''}: teammates' screens may not show{' '}
      {count === 1 ? 'it' : 'them'}.{' '}
      <button type="button" className="link-button" onClick={onShowWrites}>
        Why, and what to do
      </button>
    </div>
  )
}
