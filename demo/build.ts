import path from 'node:path'
import { build } from 'vite'
import { DEMO_BUILD_DIR } from './vite.config'

const ROOT = path.resolve(import.meta.dirname, '..')

/**
 * The two builds the demo, the browser tests and the browser benchmarks need, with Vite's API:
 * the extension exactly as `npm run build` makes it, and the demo CRM as static files.
 */
export async function buildExtension(outDir = path.join(ROOT, 'dist')): Promise<string> {
  outDir = path.resolve(outDir)
  await build({
    configFile: path.join(ROOT, 'vite.config.ts'),
    root: ROOT,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  })
  return outDir
}

export async function buildDemoApp(outDir = DEMO_BUILD_DIR): Promise<string> {
  outDir = path.resolve(outDir)
  await build({
    configFile: path.join(ROOT, 'demo', 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  })
  return outDir
}
