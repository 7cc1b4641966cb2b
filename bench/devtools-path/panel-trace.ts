/** The latency run's record, kept in the panel frame: latency.bench.ts splits it into stages. */
import type { Frame } from 'puppeteer-core'
import type { PanelGlobal } from './panel-probes'

/** A batch of consecutive seqs and when it was seen. */
export type SeqRange = [at: number, first: number, last: number]

export interface PanelTrace {
  /** [Date.now(), seq] of every row added to the log's DOM (first time only). */
  rows: [number, number][]
  /** Live batches as the store received them. */
  received: SeqRange[]
  /** [Date.now(), newest seq in the snapshot] at every store notification. */
  notified: [number, number][]
  domRows: number
  height: number
}

/** In the panel frame: the log's DOM (MutationObserver), and the store's receive and notify. */
export function startPanelTrace(panel: Frame): Promise<void> {
  return panel.evaluate(() => {
    const g = globalThis as PanelGlobal & { __benchTrace?: { stop(): PanelTrace } }
    const store = g.__REALTIME_PANEL_STORE__
    const list = document.querySelector('[role="listbox"]')
    if (list === null) throw new Error('the panel shows no event log')
    const seen = new Map<number, number>()
    const record = (node: Node, now: number) => {
      if (!(node instanceof Element)) return
      const rows = node.matches('[role="option"]')
        ? [node]
        : node.querySelectorAll('[role="option"]')
      for (const row of rows) {
        const title = row.querySelector('.cell-time')?.getAttribute('title')
        if (!title?.startsWith('#')) continue
        const seq = Number(title.slice(1))
        if (!seen.has(seq)) seen.set(seq, now)
      }
    }
    const observer = new MutationObserver((mutations) => {
      const now = Date.now()
      for (const mutation of mutations) for (const node of mutation.addedNodes) record(node, now)
    })
    observer.observe(list, { childList: true, subtree: true })
    // Bench instrumentation only: the transport calls store.receive through the instance.
    const received: SeqRange[] = []
    const receive = store.receive.bind(store)
    store.receive = (message) => {
      const now = Date.now()
      if (message.type === 'events' && !message.snapshot) {
        // The batch form (bridge/protocol/event-codec.ts): [format, strings, row…]; a live
        // batch's first row repeats nothing and carries its seq (row[1]), and the rest follow
        // it one by one (the ring's order).
        const rows = JSON.parse(message.data) as [number, string[], ...[number, number][]]
        const first = rows[2]?.[1]
        if (first !== undefined) received.push([now, first, first + rows.length - 3])
      }
      receive(message)
    }
    const notified: [number, number][] = []
    const unsubscribe = store.subscribe(() => {
      const rows = store.getSnapshot().rows
      for (let i = rows.length - 1; i >= 0 && i >= rows.length - 10; i--) {
        const row = rows.at(i)
        if (row?.type !== 'event') continue
        notified.push([Date.now(), row.event.seq])
        return
      }
    })
    g.__benchTrace = {
      stop: () => {
        observer.disconnect()
        unsubscribe()
        Reflect.deleteProperty(store, 'receive')
        return {
          rows: [...seen].map(([seq, at]): [number, number] => [at, seq]),
          received,
          notified,
          domRows: list.querySelectorAll('[role="option"]').length,
          height: list.clientHeight,
        }
      },
    }
  })
}

export function stopPanelTrace(panel: Frame): Promise<PanelTrace> {
  return panel.evaluate(() =>
    (globalThis as unknown as { __benchTrace: { stop(): PanelTrace } }).__benchTrace.stop(),
  )
}
