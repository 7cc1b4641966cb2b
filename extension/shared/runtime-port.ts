/** The slice of a runtime.Port (chrome or webextension-polyfill) the relays use. */
export interface RuntimePort {
  readonly name: string
  postMessage(message: unknown): void
  disconnect(): void
  onMessage: { addListener(listener: (message: unknown) => void): void }
  onDisconnect: { addListener(listener: () => void): void }
}
