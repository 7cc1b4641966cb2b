/**
 * The store-ready archives of `npm run package`: what is in them, and `web-ext lint` on the
 * Firefox one. (The Chrome archive, extracted, is what the real-browser tests load.)
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { unzipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pkg from '../../package.json' with { type: 'json' }
import {
  type Archive,
  archiveName,
  extractArchive,
  packageExtension,
} from '../../scripts/package-extension'

const run = promisify(execFile)
const ROOT = path.resolve(import.meta.dirname, '../..')

let work: string
let archives: Archive[]

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'rsd-release-'))
  archives = await packageExtension({
    releaseDir: path.join(work, 'release'),
    buildDir: (browser) => path.join(work, `build-${browser}`),
  })
}, 120_000)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

function unzip(archive: Archive): Record<string, Uint8Array> {
  return unzipSync(readFileSync(archive.file))
}

/** Extracts an archive into a directory of its own, as a user or a store would. */
function extract(archive: Archive): string {
  return extractArchive(archive.file, path.join(work, `extracted-${archive.browser}`))
}

describe('the extension archives', () => {
  it('are named by browser and package version, with the manifest at the root and nothing else', () => {
    expect(archives.map((a) => path.basename(a.file))).toEqual([
      archiveName('chrome'),
      archiveName('firefox'),
    ])
    expect(archiveName('chrome')).toBe(`realtime-sync-devtools-chrome-${pkg.version}.zip`)
    for (const archive of archives) {
      const files = unzip(archive)
      const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json'])) as {
        version: string
        permissions?: unknown
        manifest_version: number
      }
      expect(manifest).toMatchObject({ version: pkg.version, manifest_version: 3 })
      expect(manifest.permissions).toBeUndefined()
      const names = Object.keys(files)
      expect(names.filter((name) => /\.map$|(^|\/)(test|\.vite)\//.test(name))).toEqual([])
      // No machine path (a source map, a dev loader) in any file.
      for (const [name, bytes] of Object.entries(files)) {
        expect({ name, hasPath: new TextDecoder().decode(bytes).includes(ROOT) }).toEqual({
          name,
          hasPath: false,
        })
      }
    }
  })

  it('passes web-ext lint (Firefox) with no error, and no warning but React DOM’s own innerHTML', async () => {
    const dir = extract(archives.find((a) => a.browser === 'firefox')!)
    const webExt = path.join(ROOT, 'node_modules', '.bin', 'web-ext')
    const { stdout } = await run(webExt, ['lint', '--source-dir', dir, '--output', 'json'], {
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout: string }) => ({ stdout: error.stdout }))
    interface Message {
      code: string
      file?: string
      line?: number
      column?: number
    }
    const report = JSON.parse(stdout) as {
      errors: Message[]
      warnings: Message[]
      notices: Message[]
    }
    expect(report.errors).toEqual([])
    expect(report.notices).toEqual([])
    // The two innerHTML assignments are React DOM's handling of the dangerouslySetInnerHTML
    // prop: only markup passed through that prop reaches them, and none of our code passes it
    // (checked below), so no event string can.
    for (const warning of report.warnings) {
      expect(warning.code).toBe('UNSAFE_VAR_ASSIGNMENT')
      const line = readFileSync(path.join(dir, warning.file!), 'utf8').split('\n')[
        warning.line! - 1
      ]!
      const before = line.slice(Math.max(0, warning.column! - 300), warning.column!)
      expect(before).toMatch(/case`dangerouslySetInnerHTML`:.*__html/)
    }
    expect(report.warnings.length).toBeLessThanOrEqual(2)
  }, 120_000)

  it('none of our code sets innerHTML or passes dangerouslySetInnerHTML', () => {
    const offenders: string[] = []
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name)
        if (entry.isDirectory()) walk(file)
        else if (/\.(ts|tsx)$/.test(entry.name)) {
          const text = readFileSync(file, 'utf8')
          if (
            /dangerouslySetInnerHTML|\.innerHTML\s*=|outerHTML\s*=|insertAdjacentHTML/.test(text)
          ) {
            offenders.push(path.relative(ROOT, file))
          }
        }
      }
    }
    for (const folder of ['src', 'bridge', 'wire', 'extension']) walk(path.join(ROOT, folder))
    expect(offenders).toEqual([])
  })
})
