import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { UserStore } from '../auth/user-store'
import { seedDemoWorld } from '../seed/demo-world'
import { applySchema, schemaFiles } from './apply-schema'
import { openPgliteDatabase, pgliteOf } from './pglite-database'

/**
 * A PGlite data directory with the schema and the demo world already applied, dumped to a file
 * and reused: starting PGlite from it takes well under a second, a fresh cluster several.
 * The file name is a hash of every input (SQL files, seed module, PGlite version), so any
 * change to them prepares a new one. Used by the tests and benchmarks; the CLI starts fresh.
 */

const DEFAULT_CACHE_DIR = new URL('../../node_modules/.cache/realtime-sync-stack/', import.meta.url)

export async function preparedPgliteSnapshot(cacheDir: URL = DEFAULT_CACHE_DIR): Promise<Blob> {
  const file = new URL(`pglite-${await inputsHash()}.tar`, cacheDir)
  try {
    return new Blob([await readFile(file)])
  } catch {
    // Not prepared yet (or unreadable): prepare it below.
  }
  const db = await openPgliteDatabase()
  try {
    await applySchema(db)
    await seedDemoWorld(db, new UserStore(db))
    await db.query('select realtime_stack.sync_capture_triggers()')
    const dump = await pgliteOf(db)!.dumpDataDir('none')
    const bytes = new Uint8Array(await dump.arrayBuffer())
    await mkdir(cacheDir, { recursive: true })
    // Written aside and renamed: parallel test workers never read a half-written file.
    const temporary = new URL(`${file.pathname.split('/').pop()}.${process.pid}.tmp`, cacheDir)
    await writeFile(temporary, bytes)
    await rename(temporary, file)
    // Snapshots of earlier inputs are dead weight (tens of MB each).
    const name = file.pathname.split('/').pop()
    for (const entry of await readdir(cacheDir)) {
      if (/^pglite-[0-9a-f]{16}\.tar$/.test(entry) && entry !== name) {
        await rm(new URL(entry, cacheDir), { force: true })
      }
    }
    return new Blob([bytes])
  } finally {
    await db.close()
  }
}

async function inputsHash(): Promise<string> {
  const hash = createHash('sha256')
  for (const file of schemaFiles({ supabaseShim: true })) hash.update(file.name).update(file.sql)
  hash.update(await readFile(new URL('../seed/demo-world.ts', import.meta.url)))
  hash.update(await readFile(new URL('../auth/user-store.ts', import.meta.url)))
  const pglite = await readFile(
    new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url),
    'utf8',
  )
  hash.update((JSON.parse(pglite) as { version: string }).version)
  return hash.digest('hex').slice(0, 16)
}
