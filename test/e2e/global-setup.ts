/**
 * Before the browser tests: build the extension, the demo CRM and the e2e page, once per run.
 * What a user loads unpacked is exactly what is tested.
 */
import path from 'node:path'
import { build } from 'vite'
import { buildDemoApp, buildExtension } from '../../demo/build'

export const E2E_PAGE_DIR = path.resolve('test/e2e/.build/page')
/** The extension as `npm run build` makes it, in a folder of its own (benchmarks build dist/). */
export const E2E_EXTENSION_DIR = path.resolve('test/e2e/.build/extension')
/** The demo app as `npm run demo` serves it (a running demo keeps its own folder). */
export const E2E_DEMO_DIR = path.resolve('test/e2e/.build/demo')

export default async function setup() {
  await buildExtension(E2E_EXTENSION_DIR)
  await buildDemoApp(E2E_DEMO_DIR)
  await build({
    configFile: false,
    root: path.resolve('test/e2e/page'),
    base: './',
    logLevel: 'warn',
    build: { outDir: E2E_PAGE_DIR, emptyOutDir: true },
  })
}
