import { defineConfig } from 'vitest/config'

// Kept apart from vite.config.ts: the extension build's crx() plugin must not run under Vitest.
export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    environment: 'node',
    testTimeout: 20_000,
  },
})
