import { execFile } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * A real Postgres server of its own for a test file: initdb into a temporary directory, started
 * on a free loopback port, removed at stop(). For what PGlite cannot show: several sessions at
 * once (transactions that overlap and commit out of order). Debian's postgresql package gives
 * the binaries (.ci/run installs it); as root, the server runs as the postgres user, since
 * Postgres refuses to run as root.
 */
export interface ThrowawayPostgres {
  url: string
  stop(): Promise<void>
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = postgresBinaries()
  const dir = mkdtempSync(join(tmpdir(), 'rsd-pg-'))
  const data = join(dir, 'data')
  const asRoot = process.getuid?.() === 0
  const owner = asRoot ? await postgresUser() : undefined
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid)
  const exec = (command: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args])
      : run(join(bin, command), args)
  const port = await freePort()
  await exec('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8'])
  await exec('pg_ctl', [
    '-D',
    data,
    '-w',
    '-l',
    join(dir, 'server.log'),
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off`,
    'start',
  ])
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function postgresBinaries(): string {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : []
  if (versions.length === 0) {
    throw new Error(
      "no Postgres server binaries in /usr/lib/postgresql: install Debian's postgresql package (.ci/run does)",
    )
  }
  return join(root, versions[0]!, 'bin')
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    run('id', ['-u', 'postgres']),
    run('id', ['-g', 'postgres']),
  ])
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}
