/**
 * Before the browser tests: build the extension (dist/) and the e2e page, once per run.
 * What a user loads unpacked is exactly what is tested.
 */
import path from 'node:path'
import { build } from 'vite'

export const E2E_PAGE_DIR = path.resolve('test/e2e/.build/page')
/** The extension as `npm run build` makes it, in a folder of its own (benchmarks build dist/). */
export const E2E_EXTENSION_DIR = path.resolve('test/e2e/.build/extension')

export default async function setup() {
  await build({
    configFile: path.resolve('vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: E2E_EXTENSION_DIR },
  })
  await build({
    configFile: false,
    root: path.resolve('test/e2e/page'),
    base: './',
    logLevel: 'warn',
    build: { outDir: E2E_PAGE_DIR, emptyOutDir: true },
  })
}
