import { type ReactNode, useState } from 'react'
import { formatKey } from '../store/format'
import type { TrailStep } from '../store/trail'

export interface DecisionTrailProps {
  steps: readonly TrailStep[]
  onSelectSeq(seq: number): void
  /** Whether the panel still holds `seq` (a link to a dropped event is shown disabled). */
  canSelect(seq: number): boolean
  /** "Why?" for a query key of the trail (live only): its history in the Queries tab. */
  onWhy?(queryKey: unknown[]): void
  /** The actions on a key of the trail (live only), shown under it once asked for. */
  renderActions?(queryKey: unknown[]): ReactNode
}

const MAX_KEYS_SHOWN = 200

/** The steps of one event's path through the engine, as sentences with links to related events. */
export function DecisionTrail({
  steps,
  onSelectSeq,
  canSelect,
  onWhy,
  renderActions,
}: DecisionTrailProps) {
  /** The key whose actions are open: `${step}:${key}`. */
  const [acting, setActing] = useState<string | undefined>()
  return (
    <ol className="trail" aria-label="Decision trail">
      {steps.map((step, index) => (
        <li key={`${index}-${step.title}`} className={`trail-step trail-${step.tone}`}>
          <div className="trail-title">{step.title}</div>
          <div className="trail-text">{step.text}</div>
          {step.detail !== undefined && <div className="trail-detail">{step.detail}</div>}
          {step.links !== undefined && (
            <div className="trail-links">
              {step.links.map((link) => {
                const held = canSelect(link.seq)
                return (
                  <button
                    key={link.seq}
                    type="button"
                    className="link-button"
                    disabled={!held}
                    title={
                      held ? `Select #${link.seq}` : `#${link.seq} is no longer held by the panel`
                    }
                    onClick={() => onSelectSeq(link.seq)}
                  >
                    {link.label}
                  </button>
                )
              })}
              {step.moreLinks !== undefined && (
                <span className="trail-detail">and {step.moreLinks} more</span>
              )}
            </div>
          )}
          {step.lines !== undefined && (
            <ul className="trail-lines" aria-label={step.title}>
              {step.lines.map((line, i) => (
                <li key={line.seq ?? `line-${i}`}>
                  {line.seq === undefined ? (
                    line.text
                  ) : (
                    <button
                      type="button"
                      className="link-button"
                      disabled={!canSelect(line.seq)}
                      title={
                        canSelect(line.seq)
                          ? `Select #${line.seq}`
                          : `#${line.seq} is no longer held by the panel`
                      }
                      onClick={() => onSelectSeq(line.seq!)}
                    >
                      {line.text}
                    </button>
                  )}
                </li>
              ))}
              {step.links === undefined && step.moreLinks !== undefined && (
                <li className="trail-detail">and {step.moreLinks} more</li>
              )}
            </ul>
          )}
          {step.keys !== undefined && step.keys.length > 0 && (
            <ul className="trail-key-list" aria-label="Query keys">
              {step.keys.slice(0, MAX_KEYS_SHOWN).map((key, i) => (
                <li key={i} className="query-key">
                  {formatKey(key)}
                  {onWhy !== undefined && Array.isArray(key) && (
                    <>
                      {' '}
                      <button
                        type="button"
                        className="link-button"
                        title="This query's history: what each event of its table meant for it"
                        onClick={() => onWhy(key)}
                      >
                        Why?
                      </button>
                    </>
                  )}
                  {renderActions !== undefined && Array.isArray(key) && (
                    <>
                      {' '}
                      <button
                        type="button"
                        className="link-button"
                        aria-expanded={acting === `${index}:${i}`}
                        title="Refetch, invalidate, reset or remove this query in the page"
                        onClick={() =>
                          setActing(acting === `${index}:${i}` ? undefined : `${index}:${i}`)
                        }
                      >
                        Act…
                      </button>
                      {acting === `${index}:${i}` && renderActions(key)}
                    </>
                  )}
                </li>
              ))}
              {step.keys.length > MAX_KEYS_SHOWN && (
                <li className="trail-detail">and {step.keys.length - MAX_KEYS_SHOWN} more</li>
              )}
            </ul>
          )}
        </li>
      ))}
    </ol>
  )
}
