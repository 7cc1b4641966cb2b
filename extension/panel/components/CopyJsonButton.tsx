import { useEffect, useRef, useState } from 'react'
import { toPrettyJson } from '../store/format'

export interface CopyJsonButtonProps {
  value: unknown
  label?: string
}

/**
 * Copies the value as pretty JSON. DevTools panels may block the async clipboard API: then the
 * JSON is shown selected in a textarea (and a legacy copy is attempted), to copy by hand.
 */
export function CopyJsonButton({ value, label = 'Copy as JSON' }: CopyJsonButtonProps) {
  const [state, setState] = useState<'idle' | 'copied'>('idle')
  const [fallback, setFallback] = useState<string | undefined>()
  const textarea = useRef<HTMLTextAreaElement>(null)

  useEffect(() => {
    const element = textarea.current
    if (fallback === undefined || element === null) return
    element.focus()
    element.select()
    try {
      document.execCommand?.('copy')
    } catch {
      // the selection is there to copy by hand
    }
  }, [fallback])

  const copy = () => {
    const text = toPrettyJson(value)
    const showFallback = () => {
      setState('idle')
      setFallback(text)
    }
    const clipboard = typeof navigator === 'undefined' ? undefined : navigator.clipboard
    if (clipboard?.writeText === undefined) {
      showFallback()
      return
    }
    try {
      clipboard.writeText(text).then(() => {
        setFallback(undefined)
        setState('copied')
      }, showFallback)
    } catch {
      showFallback()
    }
  }

  return (
    <div className="copy-json">
      <button type="button" className="tool-button" onClick={copy}>
        {state === 'copied' ? 'Copied' : label}
      </button>
      {fallback !== undefined && (
        <div className="copy-fallback">
          <p className="detail-note">
            The clipboard is not available to this panel: the JSON below is selected, press Ctrl+C
            (⌘C) to copy it.{' '}
            <button type="button" className="link-button" onClick={() => setFallback(undefined)}>
              Close
            </button>
          </p>
          <textarea readOnly aria-label="JSON to copy" value={fallback} rows={8} ref={textarea} />
        </div>
      )}
    </div>
  )
}
