/**
 * The Realtime panel page. In DevTools the inspected tab comes from
 * chrome.devtools.inspectedWindow.tabId; opened as a plain tab (tests) from `?tabId=N`.
 */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import browser from 'webextension-polyfill'
import 'uplot/dist/uPlot.min.css'
import { systemScheduler } from '../../src/scheduler'
import type { RuntimePort } from '../shared/runtime-port'
import { App } from './components/App'
import { createPanelConnection } from './panel-connection'
import './panel.css'
import { EVENT_CAPS } from './store/engine-log'
import { createPanelStore } from './store/panel-store'
import { applyTheme, devtoolsTheme } from './theme'

interface DevtoolsApi {
  inspectedWindow?: { tabId?: unknown }
  network?: { onNavigated?: { addListener(listener: (url: string) => void): void } }
}

const devtools = (globalThis as { chrome?: { devtools?: DevtoolsApi } }).chrome?.devtools

function inspectedTabId(): number | undefined {
  const fromDevtools = devtools?.inspectedWindow?.tabId
  if (typeof fromDevtools === 'number') return fromDevtools
  const param = new URLSearchParams(location.search).get('tabId')
  const id = param === null ? Number.NaN : Number(param)
  return Number.isInteger(id) && id >= 0 ? id : undefined
}

applyTheme(document.documentElement, devtoolsTheme())

/** The events-per-engine cap the user picked last (the status line's "keep N per engine"). */
const EVENT_CAP_KEY = 'realtime-sync-devtools:event-cap'

function savedEventCap(): number | undefined {
  try {
    const saved = Number(localStorage.getItem(EVENT_CAP_KEY))
    return (EVENT_CAPS as readonly number[]).includes(saved) ? saved : undefined
  } catch {
    return undefined // storage unavailable: the default
  }
}

const container = document.getElementById('root')
if (container === null) throw new Error('panel.html has no #root')
const root = createRoot(container)
const tabId = inspectedTabId()

if (tabId === undefined) {
  root.render(
    <p className="view-empty">
      No tab to inspect: open this panel from DevTools (Realtime tab), or pass ?tabId=N.
    </p>,
  )
} else {
  const transport = createPanelConnection({
    tabId,
    connect: (name) => browser.runtime.connect({ name }) as unknown as RuntimePort,
    scheduler: systemScheduler,
  })
  const store = createPanelStore({
    transport,
    scheduler: systemScheduler,
    maxEventsPerEngine: savedEventCap(),
    onMaxEvents: (cap) => {
      try {
        localStorage.setItem(EVENT_CAP_KEY, String(cap))
      } catch {
        // storage unavailable: the cap holds for this session
      }
    },
  })
  // Diagnostics for the browser tests and benchmarks (an extension page: no page can read it).
  Object.defineProperty(globalThis, '__REALTIME_PANEL_STORE__', {
    value: store,
    configurable: true,
  })
  // A navigation of the inspected tab: reach its new page at once instead of waiting for retries.
  devtools?.network?.onNavigated?.addListener(() => transport.reconnectPage())
  addEventListener('pagehide', () => {
    root.unmount()
    store.dispose()
    transport.close()
  })
  root.render(
    <StrictMode>
      <App store={store} />
    </StrictMode>,
  )
}
