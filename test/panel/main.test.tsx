// @vitest-environment jsdom
import { act, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PANEL_PORT } from '../../bridge/protocol'
import type { RuntimePort } from '../../extension/shared/runtime-port'

/** A runtime Port whose other end the test plays. */
function fakePort(name: string) {
  const posted: unknown[] = []
  const port: RuntimePort & { posted: unknown[] } = {
    name,
    posted,
    postMessage: (message) => posted.push(message),
    disconnect: () => {},
    onMessage: { addListener: () => {} },
    onDisconnect: { addListener: () => {} },
  }
  return port
}

const ports: ReturnType<typeof fakePort>[] = []
vi.mock('webextension-polyfill', () => ({
  default: {
    runtime: {
      connect: ({ name }: { name: string }) => {
        const port = fakePort(name)
        ports.push(port)
        return port
      },
    },
  },
}))

beforeEach(() => {
  vi.resetModules()
  ports.length = 0
  document.body.innerHTML = '<div id="root"></div>'
  document.documentElement.removeAttribute('data-theme')
  document.documentElement.className = ''
})
afterEach(() => {
  dispatchEvent(new Event('pagehide'))
  delete (globalThis as { chrome?: unknown }).chrome
  history.replaceState(null, '', '/')
})

describe('panel main', () => {
  it('opened as a tab: the tab id comes from ?tabId=, the theme from the system', async () => {
    history.replaceState(null, '', '/panel.html?tabId=7')
    await act(async () => {
      await import('../../extension/panel/main')
    })
    expect(ports.map((port) => port.name)).toEqual([PANEL_PORT])
    expect(ports[0]?.posted[0]).toEqual({ type: 'panel-hello', tabId: 7 })
    // The store answered page-requested with connect.
    expect(ports[0]?.posted[1]).toMatchObject({ message: { type: 'connect', since: {} } })
    expect(screen.getByRole('heading', { name: 'Waiting for the page…' })).toBeTruthy()
    expect(document.documentElement.hasAttribute('data-theme')).toBe(false)
  })

  it('in DevTools: inspectedWindow.tabId, the DevTools theme, reconnect on navigation', async () => {
    let navigated: (() => void) | undefined
    ;(globalThis as { chrome?: unknown }).chrome = {
      devtools: {
        inspectedWindow: { tabId: 12 },
        panels: { themeName: 'dark' },
        network: { onNavigated: { addListener: (listener: () => void) => (navigated = listener) } },
      },
    }
    await act(async () => {
      await import('../../extension/panel/main')
    })
    expect(document.documentElement.getAttribute('data-theme')).toBe('dark')
    expect(document.documentElement.classList.contains('theme-dark')).toBe(true)
    expect(ports[0]?.posted[0]).toEqual({ type: 'panel-hello', tabId: 12 })
    act(() => navigated?.())
    expect(
      ports[0]?.posted.filter((m) => (m as { type?: string }).type === 'panel-hello'),
    ).toHaveLength(2)
  })

  it('without a tab id says how to open it', async () => {
    await act(async () => {
      await import('../../extension/panel/main')
    })
    expect(screen.getByText(/No tab to inspect/)).toBeTruthy()
    expect(ports).toEqual([])
  })
})
