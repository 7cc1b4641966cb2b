import { useState } from 'react'
import { useRealtimeSync } from 'realtime-sync-devtools/react'
import { downloadText } from '../ui/download-text'
import { errorMessage } from '../ui/format'

/**
 * "Report a problem": downloads this window's realtime log, written by the engine as the DevTools
 * panel exports it (sync.exportLog(): tokens, keys and JWTs redacted), for a bug report; a
 * developer imports the file into the panel (Import JSON) and reads the session as if live.
 */
export function ReportProblemButton() {
  const sync = useRealtimeSync()
  const [busy, setBusy] = useState(false)
  const [failure, setFailure] = useState<string | null>(null)
  const report = async () => {
    if (sync === null) return
    setBusy(true)
    setFailure(null)
    try {
      const { fileName, text } = await sync.exportLog()
      downloadText(fileName, text)
    } catch (error) {
      setFailure(errorMessage(error))
    } finally {
      setBusy(false)
    }
  }
  return (
    <>
      <button
        type="button"
        className="button button--quiet"
        data-testid="report-problem"
        disabled={sync === null || busy}
        title="Download this window's realtime log (tokens redacted) to attach to a bug report"
        onClick={() => void report()}
      >
        Report a problem
      </button>
      {failure !== null && (
        <span className="error-text" role="alert">
          Could not write the log: {failure}
        </span>
      )}
    </>
  )
}
