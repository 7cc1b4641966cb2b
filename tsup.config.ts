import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { defineConfig, type Options } from 'tsup'

/**
 * The library an app installs (`npm pack` runs it): src/ as ESM with bundled declarations, one
 * file per entry (`.`, `./react`, `./describe`, the sentences for engine.print, `./otel`, the
 * OpenTelemetry instruments, and `./simulate`, the engine's pipeline replayed over a recorded log
 * with other settings) and a shared chunk, so both entries use one engine. The
 * peers (supabase-js, TanStack Query, React; @opentelemetry/api, whose types alone `./otel`
 * uses) stay imports; nothing of bridge/, extension/, server/ or demo/ is reachable from src/.
 *
 * lib/react.js starts with "use client": React Server Components (Next.js App Router) may import
 * the provider and hooks from a server component. Only that entry: lib/index.js and the shared
 * chunk stay server-safe. The directive is added after the build, as the tree-shaking pass drops
 * module-level directives (and a banner would mark every output).
 */
export default defineConfig([
  library('lib'),
  {
    // `npx realtime-sync-devtools init` and `doctor` (cli/): Node only, one file beside the
    // library, reading the package's supabase/migrations/. doctor's Postgres client, `pg`, is
    // bundled in (a devDependency here), so an app that installs the package gets no dependency
    // for it; pg is CommonJS, and its require() of Node's modules needs a real require in ESM.
    // pg-native (pg's optional native binding) and pg-cloudflare (Workers only) are not bundled:
    // pg loads them only when asked.
    entry: { cli: 'cli/bin.ts' },
    outDir: 'lib',
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    tsconfig: 'tsconfig.lib.json',
    noExternal: ['pg'],
    external: ['pg-native', 'pg-cloudflare'],
    splitting: false,
    banner: {
      js: "import { createRequire as __cliCreateRequire } from 'node:module'\nconst require = __cliCreateRequire(import.meta.url)",
    },
    clean: false,
  },
])

/** The library's build into `outDir` (test/package/server-import.test.ts builds a copy). */
export function library(outDir: string): Options {
  return {
    entry: {
      index: 'src/index.ts',
      react: 'src/react/index.ts',
      describe: 'src/describe-event.ts',
      otel: 'src/otel/index.ts',
      simulate: 'src/simulate.ts',
    },
    outDir,
    format: ['esm'],
    target: 'es2022',
    platform: 'neutral',
    dts: { compilerOptions: { composite: false } },
    tsconfig: 'tsconfig.lib.json',
    splitting: true,
    treeshake: true,
    sourcemap: true,
    // tsup builds both configs at once into lib/: the CLI's file is not the library's to clean.
    clean: ['!cli.js'],
    onSuccess: () => prependDirective(path.join(outDir, 'react.js'), '"use client";'),
  }
}

/** Puts `directive` on the first line of `file`, its source map shifted by that one line. */
async function prependDirective(file: string, directive: string): Promise<void> {
  const code = await readFile(file, 'utf8')
  if (code.startsWith(directive)) return
  await writeFile(file, `${directive}\n${code}`)
  const mapFile = `${file}.map`
  const map = JSON.parse(await readFile(mapFile, 'utf8')) as { mappings: string }
  map.mappings = `;${map.mappings}`
  await writeFile(mapFile, JSON.stringify(map))
}
