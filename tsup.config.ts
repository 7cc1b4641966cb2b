import { defineConfig } from 'tsup'

/**
 * The library an app installs (`npm pack` runs it): src/ as ESM with bundled declarations, one
 * file per entry (`.` and `./react`) and a shared chunk, so both entries use one engine. The
 * peers (supabase-js, TanStack Query, React) stay imports; nothing of bridge/, extension/,
 * server/ or demo/ is reachable from src/.
 */
export default defineConfig([
  {
    entry: { index: 'src/index.ts', react: 'src/react/index.ts' },
    outDir: 'lib',
    format: ['esm'],
    target: 'es2022',
    platform: 'neutral',
    dts: { compilerOptions: { composite: false } },
    tsconfig: 'tsconfig.lib.json',
    splitting: true,
    treeshake: true,
    sourcemap: true,
    clean: true,
  },
  {
    // `npx realtime-sync-devtools init` (cli/): Node only, one file beside the library, reading
    // the package's supabase/migrations/.
    entry: { cli: 'cli/bin.ts' },
    outDir: 'lib',
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    tsconfig: 'tsconfig.lib.json',
    clean: false,
  },
])
