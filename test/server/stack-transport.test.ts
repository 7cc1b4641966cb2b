import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { startStack } from '../../server/stack'
import { STACK_CLI, STACK_START_TIMEOUT, startTestStack, within } from './stack-harness'

/** The sync transport switch: startStack's option, `--transport` and REALTIME_TRANSPORT. */

const repository = new URL('../../', import.meta.url).pathname
const children: ChildProcessWithoutNullStreams[] = []

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
})

function runCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [...STACK_CLI, ...args], {
    cwd: repository,
    env: { ...process.env, ...env },
  })
  children.push(child)
  let output = ''
  const append = (chunk: Buffer) => {
    output += chunk.toString()
  }
  child.stdout.on('data', append)
  child.stderr.on('data', append)
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => output, exited }
}

async function settings(stack: Awaited<ReturnType<typeof startStack>>): Promise<string> {
  const result = await stack.database.query<{ transport: string }>(
    'select transport from public.realtime_sync_settings',
  )
  return result.rows[0]!.transport
}

describe('the sync transport of the stack', () => {
  it(
    'sets the database mode at start (default postgres_changes) and reports it',
    async () => {
      const stack = await startTestStack({ transport: 'broadcast' })
      try {
        expect(stack.transport).toBe('broadcast')
        expect(await settings(stack)).toBe('broadcast')
      } finally {
        await stack.close()
      }
      const fallback = await startTestStack()
      try {
        expect(fallback.transport).toBe('postgres_changes')
        expect(await settings(fallback)).toBe('postgres_changes')
      } finally {
        await fallback.close()
      }
    },
    STACK_START_TIMEOUT,
  )

  it('refuses an unknown transport before it listens', async () => {
    await expect(startStack({ port: 0, transport: 'websocket' as never })).rejects.toThrow(
      'transport must be one of postgres_changes, broadcast (got websocket)',
    )
  })

  it('lists --transport in --help, and refuses other values from the flag or REALTIME_TRANSPORT', async () => {
    const help = runCli(['--help'])
    expect(await help.exited).toBe(0)
    expect(help.output()).toMatch(/--transport <t> +how the database tells clients about changes/)
    expect(help.output()).toContain('env REALTIME_TRANSPORT')

    const flag = runCli(['--transport', 'nope'])
    expect(await flag.exited).toBe(2)
    expect(flag.output()).toContain('--transport must be postgres_changes or broadcast (got nope)')

    const env = runCli([], { REALTIME_TRANSPORT: 'pubsub' })
    expect(await env.exited).toBe(2)
    expect(env.output()).toContain('--transport must be postgres_changes or broadcast (got pubsub)')
  })

  it(
    'starts in the mode of the flag, which wins over REALTIME_TRANSPORT, and prints it',
    async () => {
      const cli = runCli(['--port', '0', '--no-seed', '--transport', 'broadcast'], {
        REALTIME_TRANSPORT: 'postgres_changes',
        DATABASE_URL: '',
      })
      await within(STACK_START_TIMEOUT, 'the banner', (resolve, reject) => {
        const poll = setInterval(() => {
          if (cli.output().includes('Ctrl+C stops the stack')) {
            clearInterval(poll)
            resolve(undefined)
          } else if (cli.child.exitCode !== null) {
            clearInterval(poll)
            reject(new Error(`the CLI exited: ${cli.output()}`))
          }
        }, 50)
      })
      expect(cli.output()).toMatch(/Sync transport +broadcast: realtime\.send\(\)/)
      cli.child.kill('SIGINT')
      expect(await cli.exited).toBe(0)
    },
    STACK_START_TIMEOUT,
  )
})
