import { crx } from '@crxjs/vite-plugin'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import { createManifest, type TargetBrowser } from './manifest.config'

/**
 * `npm run build` → dist/ (Chrome, load unpacked); `npm run build:firefox` → dist-firefox/.
 * `npm run dev` runs crxjs's dev mode with HMR for the panel.
 */
export default defineConfig(({ mode }) => {
  const browser: TargetBrowser = mode === 'firefox' ? 'firefox' : 'chrome'
  return {
    plugins: [react(), crx({ manifest: createManifest(browser), browser })],
    build: {
      outDir: browser === 'firefox' ? 'dist-firefox' : 'dist',
      emptyOutDir: true,
      // The panel page is opened from code (devtools.panels.create), so crxjs cannot find it.
      rollupOptions: { input: { panel: 'extension/panel/panel.html' } },
    },
    server: { port: 5174, strictPort: true },
  }
})
