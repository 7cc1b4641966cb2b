import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { build } from 'vite'
import type { TargetBrowser } from '../manifest.config'
import { DEMO_BUILD_DIR } from './vite.config'

const ROOT = path.resolve(import.meta.dirname, '..')
const run = promisify(execFile)

/**
 * The two builds the demo, the browser tests and the browser benchmarks need, with Vite's API:
 * the extension exactly as `npm run build` makes it, and the demo CRM as static files. Errors
 * only (DEMO_BUILD_LOG=verbose shows Vite's output): `npm run build` is where build output is read.
 */
export async function buildExtension(
  outDir = path.join(ROOT, 'dist'),
  browser: TargetBrowser = 'chrome',
): Promise<string> {
  outDir = path.resolve(outDir)
  await asProduction(() =>
    build({
      configFile: path.join(ROOT, 'vite.config.ts'),
      root: ROOT,
      mode: browser === 'firefox' ? 'firefox' : 'production',
      logLevel: process.env.DEMO_BUILD_LOG === 'verbose' ? 'info' : 'error',
      build: { outDir, emptyOutDir: true },
    }),
  )
  return outDir
}

/**
 * The engine as an app installs it (lib/, what `npm pack` ships): the demo imports it by the
 * package's name, through its exports map, the way a user's app does.
 */
export async function buildLibrary(): Promise<void> {
  await run(path.join(ROOT, 'node_modules', '.bin', 'tsup'), ['--silent'], { cwd: ROOT })
}

export async function buildDemoApp(outDir = DEMO_BUILD_DIR): Promise<string> {
  outDir = path.resolve(outDir)
  await buildLibrary()
  await asProduction(() =>
    build({
      configFile: path.join(ROOT, 'demo', 'vite.config.ts'),
      logLevel: process.env.DEMO_BUILD_LOG === 'verbose' ? 'info' : 'error',
      build: { outDir, emptyOutDir: true },
    }),
  )
  return outDir
}

/**
 * Vite builds for the NODE_ENV it finds, and under Vitest that is 'test': React's development
 * build, with file paths of this machine in it. What users load is the production build.
 */
async function asProduction<T>(work: () => Promise<T>): Promise<T> {
  const previous = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    return await work()
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = previous
  }
}
