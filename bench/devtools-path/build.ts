/**
 * What the bench browser loads: our extension from dist/ and the bench pages, built here so that
 * a benchmark never measures code older than the sources.
 */
import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { buildExtension } from '../../demo/build'

const ROOT = path.resolve(import.meta.dirname, '..', '..')
const DIST = path.join(ROOT, 'dist')
const PAGES = path.join(ROOT, 'bench', 'pages')

function newestMtime(entry: string): number {
  const stat = statSync(entry, { throwIfNoEntry: false })
  if (stat === undefined) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = 0
  for (const name of readdirSync(entry)) {
    newest = Math.max(newest, newestMtime(path.join(entry, name)))
  }
  return newest
}

/** Builds the extension (vite build with the repo's config) when dist/ is missing or stale. */
export async function ensureExtensionBuilt(): Promise<string> {
  const built = statSync(path.join(DIST, 'manifest.json'), { throwIfNoEntry: false })?.mtimeMs ?? 0
  const sources = ['src', 'bridge', 'extension', 'manifest.config.ts', 'vite.config.ts']
  const newest = Math.max(...sources.map((s) => newestMtime(path.join(ROOT, s))))
  if (built > newest) return DIST
  const started = performance.now()
  await buildExtension(DIST)
  console.log(`built the extension into dist/ in ${(performance.now() - started).toFixed(0)} ms`)
  return DIST
}

/** Builds every bench/pages/<name> into <outRoot>/<name>: one folder per page, relative URLs. */
export async function buildPages(outRoot: string): Promise<string> {
  const { build } = await import('vite')
  for (const name of readdirSync(PAGES)) {
    await build({
      root: path.join(PAGES, name),
      base: './',
      configFile: false,
      logLevel: 'warn',
      build: { outDir: path.join(outRoot, name), emptyOutDir: true },
    })
  }
  return outRoot
}
