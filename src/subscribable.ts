/**
 * A set of listeners, as query-core's Subscribable: `subscribe` returns the unsubscribe, and
 * `hasListeners()` lets a hot path skip the work nobody listens to.
 */
export class Subscribable<TListener extends (...args: never[]) => void> {
  protected readonly listeners = new Set<TListener>()

  subscribe = (listener: TListener): (() => void) => {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  hasListeners(): boolean {
    return this.listeners.size > 0
  }
}
