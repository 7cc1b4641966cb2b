import path from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

/** The demo CRM (demo/app) as static files; `npm run demo` and the browser tests serve them. */
export const DEMO_APP_ROOT = path.resolve(import.meta.dirname, 'app')
export const DEMO_BUILD_DIR = path.resolve(import.meta.dirname, '.build/app')

export default defineConfig({
  root: DEMO_APP_ROOT,
  base: './',
  plugins: [react()],
  build: { outDir: DEMO_BUILD_DIR, emptyOutDir: true },
})
