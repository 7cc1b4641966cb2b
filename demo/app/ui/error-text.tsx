import { errorMessage } from './format'

/** A failed query or mutation, as text (never HTML: messages can echo user input). */
export function ErrorText({ error, testId }: { error: unknown; testId?: string }) {
  if (error === null || error === undefined) return null
  return (
    <p className="error-text" role="alert" data-testid={testId}>
      {errorMessage(error)}
    </p>
  )
}
