import { spawn } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../../server/stack'
import { STACK_CLI, STACK_START_TIMEOUT } from './stack-harness'

/**
 * The stack runs the database advisor (realtime_sync_doctor()) at start: Stack.doctor, and the
 * banner of `npm run stack` lists what is not ok (on PGlite, only the retention warning: no
 * pg_cron).
 */

const repository = new URL('../../', import.meta.url).pathname
let stack: Stack | undefined

afterAll(async () => {
  await stack?.close()
})

describe('the stack and the advisor', () => {
  it(
    'Stack.doctor: every check ran, no error',
    async () => {
      stack = await startStack({ port: 0, seed: false })
      const rows = stack.doctor
      expect(rows.filter((row) => row.status === 'error')).toEqual([])
      expect(
        rows.some((row) => row.check === 'table-tracked' && row.subject === 'public.deals'),
      ).toBe(true)
      expect(rows.filter((row) => row.status === 'warn').map((row) => row.check)).toEqual([
        'events-retention',
      ])
    },
    STACK_START_TIMEOUT,
  )

  it(
    "npm run stack's banner lists what is not ok, and only that",
    async () => {
      const child = spawn(process.execPath, [...STACK_CLI, '--port', '0'], { cwd: repository })
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
      try {
        await new Promise<void>((resolve, reject) => {
          child.on('exit', (code) => reject(new Error(`the stack exited (${code}):\n${output}`)))
          child.stdout.on('data', () => {
            if (output.includes('Ctrl+C stops the stack.')) resolve()
          })
        })
      } finally {
        child.kill('SIGKILL')
      }
      const section = output.slice(
        output.indexOf('  Database advisor'),
        output.indexOf('  Demo users'),
      )
      expect(section.trimEnd().split('\n')).toEqual([
        '  Database advisor (select * from realtime_sync_doctor()), not ok:',
        expect.stringMatching(
          /^ {4}WARN {2}events-retention public\.realtime_table_events: pg_cron is not installed/,
        ),
      ])
    },
    STACK_START_TIMEOUT,
  )
})
