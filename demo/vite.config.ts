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
  // One bundle (React, TanStack Query, supabase-js: ~530 kB) served from this machine: splitting
  // it would only add requests.
  build: { outDir: DEMO_BUILD_DIR, emptyOutDir: true, chunkSizeWarningLimit: 1_000 },
})
