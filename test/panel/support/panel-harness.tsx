import { act, cleanup, render } from '@testing-library/react'
import { App } from '../../../extension/panel/components/App'
import { PanelStore } from '../../../extension/panel/store/panel-store'
import { ManualScheduler } from '../../support/manual-scheduler'
import { FakeTransport } from './fake-transport'

/**
 * jsdom has no layout: the virtualized log would measure a 0 px viewport and render no row.
 * Give every element a size (the log's rows are 20 px, so 400 px shows 20 rows + overscan),
 * and scroll containers the height of their content.
 */
export function stubLayout(height = 400, width = 1000): () => void {
  const proto = HTMLElement.prototype
  const saved = ['clientHeight', 'clientWidth', 'offsetHeight', 'offsetWidth', 'scrollHeight'].map(
    (name) => [name, Object.getOwnPropertyDescriptor(proto, name)] as const,
  )
  for (const [name, size] of [
    ['clientHeight', height],
    ['offsetHeight', height],
    ['clientWidth', width],
    ['offsetWidth', width],
  ] as const) {
    Object.defineProperty(proto, name, { configurable: true, get: () => size })
  }
  // A scroll container is as tall as its content (the virtualizer's sizer sets its height).
  Object.defineProperty(proto, 'scrollHeight', {
    configurable: true,
    get(this: HTMLElement) {
      const child = this.firstElementChild as HTMLElement | null
      return Math.max(height, Number.parseFloat(child?.style.height ?? '') || 0)
    },
  })
  return () => {
    for (const [name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(proto, name, descriptor)
      else delete (proto as unknown as Record<string, unknown>)[name]
    }
  }
}

/** The panel rendered with a fake transport and a manual clock. */
export function renderPanel(options: { maxEventsPerEngine?: number } = {}) {
  const transport = new FakeTransport()
  const scheduler = new ManualScheduler()
  const store = new PanelStore({ transport, scheduler, ...options })
  const downloads: { fileName: string; text: string }[] = []
  const view = render(
    <App store={store} onDownload={(fileName, text) => downloads.push({ fileName, text })} />,
  )
  /** Runs page-side messages, then lets the store's notification fire. */
  const page = (send: (transport: FakeTransport) => void) =>
    act(() => {
      send(transport)
      scheduler.advance(16)
    })
  return { transport, scheduler, store, view, downloads, page }
}

export { cleanup }
