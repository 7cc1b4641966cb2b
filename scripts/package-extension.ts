/**
 * `npm run package`: the extension as store-ready archives, built exactly as `npm run build`
 * and `npm run build:firefox` build it, zipped with the manifest at the archive's root:
 *   release/realtime-sync-devtools-chrome-<version>.zip
 *   release/realtime-sync-devtools-firefox-<version>.zip
 * The version is package.json's (the manifest takes it from there too).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { unzipSync, zipSync } from 'fflate'
import { buildExtension } from '../demo/build'
import type { TargetBrowser } from '../manifest.config'
import pkg from '../package.json' with { type: 'json' }

const ROOT = path.resolve(import.meta.dirname, '..')

export const BROWSERS: readonly TargetBrowser[] = ['chrome', 'firefox']

export interface PackageOptions {
  /** Where the archives go (default release/). */
  releaseDir?: string
  /** Where each build goes first (default dist/ and dist-firefox/, as npm run build does). */
  buildDir?: (browser: TargetBrowser) => string
}

export interface Archive {
  browser: TargetBrowser
  file: string
  bytes: number
  files: string[]
}

export function archiveName(browser: TargetBrowser): string {
  return `realtime-sync-devtools-${browser}-${pkg.version}.zip`
}

export async function packageExtension(options: PackageOptions = {}): Promise<Archive[]> {
  const releaseDir = path.resolve(options.releaseDir ?? path.join(ROOT, 'release'))
  const buildDir =
    options.buildDir ??
    ((browser: TargetBrowser) => path.join(ROOT, browser === 'chrome' ? 'dist' : 'dist-firefox'))
  mkdirSync(releaseDir, { recursive: true })
  const archives: Archive[] = []
  for (const browser of BROWSERS) {
    const dir = await buildExtension(buildDir(browser), browser)
    const entries = filesOf(dir)
    const zip = zipSync(
      Object.fromEntries(entries.map((file) => [file, readFileSync(path.join(dir, file))])),
      { level: 9, mtime: new Date('2026-01-01T00:00:00Z') },
    )
    const file = path.join(releaseDir, archiveName(browser))
    writeFileSync(file, zip)
    archives.push({ browser, file, bytes: zip.byteLength, files: entries })
  }
  return archives
}

/** Extracts an archive into `dir` (emptied first), as a user or a store unpacks it. */
export function extractArchive(archive: string, dir: string): string {
  rmSync(dir, { recursive: true, force: true })
  for (const [name, bytes] of Object.entries(unzipSync(readFileSync(archive)))) {
    const file = path.join(dir, name)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, bytes)
  }
  return dir
}

/**
 * The build's files, relative and sorted. Source maps (they would carry build paths) and
 * crxjs's dev-only files are left out; the production build makes neither, this makes sure.
 */
function filesOf(dir: string, prefix = ''): string[] {
  const out: string[] = []
  for (const name of readdirSync(path.join(dir, prefix)).sort()) {
    const relative = prefix === '' ? name : `${prefix}/${name}`
    if (statSync(path.join(dir, relative)).isDirectory()) out.push(...filesOf(dir, relative))
    else if (!name.endsWith('.map') && relative !== '.vite/manifest.json') out.push(relative)
  }
  return out
}

if (process.argv[1] === import.meta.filename) {
  for (const archive of await packageExtension()) {
    console.log(
      `${path.relative(ROOT, archive.file)}  ${(archive.bytes / 1024).toFixed(0)} KiB, ${archive.files.length} files`,
    )
  }
}
