/**
 * The package as an app meets it: `npm pack`, then a fresh Vite + React + TypeScript app in a
 * temporary directory that depends on the tarball and on the peers (from the local npm cache),
 * with the README's "Using the engine" code blocks as its source files, word for word. A README
 * snippet that does not compile, or an exports map that does not resolve, fails here.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { publint } from 'publint'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageSizes } from '../../scripts/package-size'

const run = promisify(execFile)
const ROOT = path.resolve(import.meta.dirname, '../..')
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string
  version: string
  devDependencies: Record<string, string>
}

let work: string
let tarball: string

/** The installed version of one of our dev dependencies: the app gets exactly what we test. */
function installedVersion(name: string): string {
  const manifest = path.join(ROOT, 'node_modules', name, 'package.json')
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
}

async function npm(args: string[], cwd: string) {
  return run('npm', args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env } })
}

/**
 * What `npm pack --json` reports. Its stdout also carries the prepack build's output, coloured
 * when the CI forces colour, and an escape sequence holds a '[' too: the report is the array
 * npm prints from a line of its own.
 */
async function npmPack<T>(args: string[]): Promise<T[]> {
  const { stdout } = await npm(['pack', '--json', ...args], ROOT)
  const start = stdout.search(/^\[$/m)
  if (start < 0) throw new Error(`npm pack printed no JSON report:\n${stdout}`)
  return JSON.parse(stdout.slice(start)) as T[]
}

/** The fenced code blocks of the README's "Using the engine" section, in order. */
function readmeUsageBlocks(): { lang: string; code: string }[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf('## Using the engine')
  const end = readme.indexOf('\n### ', start)
  const section = readme.slice(start, end)
  return [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({
    lang: m[1]!,
    code: m[2]!,
  }))
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'rsd-package-'))
  const [packed] = await npmPack<{ filename: string }>(['--pack-destination', work])
  tarball = path.join(work, packed!.filename)
}, 180_000)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('the npm package', () => {
  it('packs only what an app needs', async () => {
    const [info] = await npmPack<{ files: { path: string }[] }>(['--dry-run'])
    const files = info!.files.map((file) => file.path).sort()
    expect(
      files.every((file) =>
        /^(lib\/|supabase\/migrations\/\d{14}_\w+\.sql$|README\.md$|CHANGELOG\.md$|LICENSE$|package\.json$)/.test(
          file,
        ),
      ),
    ).toBe(true)
    expect(files).toEqual(
      expect.arrayContaining([
        'lib/index.js',
        'lib/index.d.ts',
        'lib/react.js',
        'lib/react.d.ts',
        'lib/describe.js',
        'lib/describe.d.ts',
        'lib/otel.js',
        'lib/otel.d.ts',
        'lib/simulate.js',
        'lib/simulate.d.ts',
        'lib/cli.js',
        'supabase/migrations/20261123000000_realtime_table_events.sql',
        'supabase/migrations/20261207100000_realtime_sync_doctor.sql',
        'LICENSE',
      ]),
    )
    // Machine paths never ship (source maps carry paths relative to the package).
    for (const file of files.filter((name) => name.startsWith('lib/'))) {
      expect(readFileSync(path.join(ROOT, file), 'utf8')).not.toContain(ROOT)
    }
  }, 120_000)

  it('passes publint on the packed tarball, with no message at all', async () => {
    const bytes = readFileSync(tarball)
    const { messages } = await publint({
      pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
      level: 'suggestion',
      strict: true,
    })
    expect(messages).toEqual([])
  })

  it('passes @arethetypeswrong/cli on the packed tarball (ESM-only profile)', async () => {
    // The package is ESM only, on purpose: require() of it is not a supported way in, so the
    // node10 and node16-from-CJS resolutions are not checked; node16 ESM and bundlers are.
    const attw = path.join(ROOT, 'node_modules', '.bin', 'attw')
    const result = await run(attw, [tarball, '--profile', 'esm-only', '--format', 'ascii'], {
      cwd: work,
    }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`attw found problems:\n${error.stdout ?? ''}${error.stderr ?? ''}`)
    })
    // attw exits non-zero on any problem in the checked resolutions; the five entries resolve.
    expect(result.stdout.match(/node16 \(from ESM\): 🟢 \(ESM\)/g)).toHaveLength(5)
    expect(result.stdout.match(/bundler: 🟢/g)?.length).toBeGreaterThanOrEqual(5)
  }, 120_000)

  it('stays within its size budget in an app bundle (min+gz, peers excluded)', async () => {
    for (const size of await packageSizes()) {
      // At start, and what an import() loads on demand (exportLog's writer).
      const within = size.gzipped <= size.budget && size.lazy <= size.lazyBudget
      expect({ entry: size.entry, within }).toEqual({
        entry: size.entry,
        within: true,
      })
    }
  }, 120_000)

  it('installs into a fresh Vite + React + TypeScript app, which type-checks and builds the README code', async () => {
    const app = path.join(work, 'app')
    mkdirSync(path.join(app, 'src'), { recursive: true })
    const peers = [
      '@supabase/supabase-js',
      '@tanstack/query-core',
      '@tanstack/react-query',
      'react',
      'react-dom',
    ]
    // @types/node: supabase-js's declarations name Buffer and NodeJS, and the app checks every
    // library's declarations (skipLibCheck false), ours included.
    const tools = [
      'typescript',
      'vite',
      '@vitejs/plugin-react',
      '@types/react',
      '@types/react-dom',
      '@types/node',
    ]
    writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify(
        {
          name: 'an-app',
          private: true,
          type: 'module',
          dependencies: {
            [pkg.name]: `file:${tarball}`,
            ...Object.fromEntries(peers.map((name) => [name, installedVersion(name)])),
          },
          devDependencies: Object.fromEntries(tools.map((name) => [name, installedVersion(name)])),
        },
        null,
        2,
      ),
    )
    const blocks = readmeUsageBlocks().filter(
      (block) => block.lang === 'tsx' || block.lang === 'ts',
    )
    expect(blocks.map((block) => block.lang)).toEqual(['tsx', 'ts'])
    const sources = blocks.map((block, i) => `usage-${i + 1}.${block.lang}`)
    blocks.forEach((block, i) => writeFileSync(path.join(app, 'src', sources[i]!), block.code))
    writeFileSync(
      path.join(app, 'src', 'main.tsx'),
      `${sources.map((file, i) => `import * as usage${i + 1} from './${file.replace(/\.tsx?$/, '')}'`).join('\n')}\nconsole.log(${sources.map((_, i) => `usage${i + 1}`).join(', ')})\n`,
    )
    writeFileSync(
      path.join(app, 'index.html'),
      '<!doctype html><html><body><div id="root"></div><script type="module" src="/src/main.tsx"></script></body></html>\n',
    )
    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023', 'DOM'],
          module: 'ESNext',
          moduleResolution: 'Bundler',
          jsx: 'react-jsx',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          isolatedModules: true,
        },
        include: ['src'],
      }),
    )
    writeFileSync(
      path.join(app, 'vite.config.ts'),
      "import react from '@vitejs/plugin-react'\nimport { defineConfig } from 'vite'\nexport default defineConfig({ plugins: [react()], build: { target: 'es2022' } })\n",
    )
    // From the local npm cache (npm ci filled it): no network beyond the registry.
    await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], app)
    await run(path.join(app, 'node_modules', '.bin', 'tsc'), ['-p', '.'], { cwd: app }).catch(
      (error: { stdout?: string }) => {
        throw new Error(`the README's code does not type-check:\n${error.stdout ?? ''}`)
      },
    )
    const { stdout } = await run(path.join(app, 'node_modules', '.bin', 'vite'), ['build'], {
      cwd: app,
    })
    expect(stdout).toMatch(/built in/)
    const installed = JSON.parse(
      readFileSync(path.join(app, 'node_modules', pkg.name, 'package.json'), 'utf8'),
    ) as { version: string }
    expect(installed.version).toBe(pkg.version)
    // The database half, as the app's own migrations: `npx realtime-sync-devtools init`.
    const init = await run(
      path.join(app, 'node_modules', '.bin', 'realtime-sync-devtools'),
      ['init'],
      { cwd: app },
    )
    expect(init.stdout).toMatch(/^Wrote \d+ migration\(s\) to supabase\/migrations\/:/)
    expect(readdirSync(path.join(app, 'supabase', 'migrations')).join(' ')).toMatch(
      /^\d{14}_realtime_table_events\.sql \d{14}_realtime_broadcast\.sql \d{14}_realtime_sync_now\.sql \d{14}_realtime_sync_doctor\.sql$/,
    )
    // `doctor` carries its own Postgres client (pg, bundled into lib/cli.js): the app has none,
    // and a closed port is still "cannot connect", exit 2, not a missing module.
    const doctor = await run(
      path.join(app, 'node_modules', '.bin', 'realtime-sync-devtools'),
      ['doctor', '--db-url', 'postgres://postgres@127.0.0.1:1/postgres'],
      { cwd: app },
    ).catch((error: { code: number; stderr: string }) => error)
    expect(doctor).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /^Cannot connect to postgres:\/\/postgres@127\.0\.0\.1:1\/postgres: /,
      ),
    })
  }, 300_000)
})
