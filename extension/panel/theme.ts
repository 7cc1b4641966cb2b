/**
 * The DevTools theme: `chrome.devtools.panels.themeName` is 'dark' or 'default'. Outside DevTools
 * (the panel opened as a tab) there is none, and panel.css follows prefers-color-scheme.
 */
export type PanelTheme = 'light' | 'dark' | undefined

interface DevtoolsGlobal {
  chrome?: { devtools?: { panels?: { themeName?: unknown } } }
}

export function devtoolsTheme(global: object = globalThis): PanelTheme {
  const name = (global as DevtoolsGlobal).chrome?.devtools?.panels?.themeName
  if (name === 'dark') return 'dark'
  if (name === 'default' || name === 'light') return 'light'
  return undefined
}

/** Sets data-theme (and a matching class, which panel.css selects on) on the root element. */
export function applyTheme(root: HTMLElement, theme: PanelTheme): void {
  root.classList.remove('theme-light', 'theme-dark')
  if (theme === undefined) {
    root.removeAttribute('data-theme')
    return
  }
  root.setAttribute('data-theme', theme)
  root.classList.add(`theme-${theme}`)
}
