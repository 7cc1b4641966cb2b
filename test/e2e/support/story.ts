import { it } from 'vitest'

/**
 * The steps of one user story, run in order in one browser, each building on the state the
 * ones before it left (the panel open, a row selected, the worker restarted). Once a step
 * fails, the later ones fail at once with its name, instead of each waiting out its timeout
 * against a browser in an unknown state: the first red line is the one to read.
 */
export function storySteps(): (
  name: string,
  body: () => Promise<void>,
  timeoutMs?: number,
) => void {
  let failed: string | undefined
  return (name, body, timeoutMs) => {
    it(
      name,
      async ({ onTestFailed }) => {
        if (failed !== undefined) {
          throw new Error(`not run: this step builds on "${failed}", which failed`)
        }
        // onTestFailed also fires when the step times out, which a try/catch would not see.
        onTestFailed(() => {
          failed ??= name
        })
        await body()
      },
      timeoutMs,
    )
  }
}
