/**
 * Before the browser tests: the extension's Chrome and Firefox archives as `npm run package`
 * makes them, extracted the way a user loads them unpacked (so what a user installs is exactly
 * what is tested), the demo CRM and the e2e page, once per run.
 */
import path from 'node:path'
import { build } from 'vite'
import { buildDemoApp } from '../../demo/build'
import { extractArchive, packageExtension } from '../../scripts/package-extension'

export const E2E_PAGE_DIR = path.resolve('test/e2e/.build/page')
/** The Chrome archive, extracted (benchmarks build dist/). */
export const E2E_EXTENSION_DIR = path.resolve('test/e2e/.build/extension')
/** The Firefox archive, extracted (loaded into Firefox by firefox.test.ts). */
export const E2E_FIREFOX_EXTENSION_DIR = path.resolve('test/e2e/.build/extension-firefox')
/** The demo app as `npm run demo` serves it (a running demo keeps its own folder). */
export const E2E_DEMO_DIR = path.resolve('test/e2e/.build/demo')
const RELEASE_DIR = path.resolve('test/e2e/.build/release')

export default async function setup() {
  const archives = await packageExtension({
    releaseDir: RELEASE_DIR,
    buildDir: (browser) => path.join(RELEASE_DIR, `build-${browser}`),
  })
  extractArchive(archives.find((archive) => archive.browser === 'chrome')!.file, E2E_EXTENSION_DIR)
  extractArchive(
    archives.find((archive) => archive.browser === 'firefox')!.file,
    E2E_FIREFOX_EXTENSION_DIR,
  )
  await buildDemoApp(E2E_DEMO_DIR)
  await build({
    configFile: false,
    root: path.resolve('test/e2e/page'),
    base: './',
    logLevel: 'warn',
    build: { outDir: E2E_PAGE_DIR, emptyOutDir: true },
  })
}
