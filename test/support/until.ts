/**
 * Resolves once `condition` holds, checking every 5 ms: for tests over real sockets, whose frames
 * arrive when the network delivers them (the test's own clock still drives every timer).
 */
export function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (condition()) {
        clearInterval(poll)
        resolve()
      }
    }, 5)
  })
}
