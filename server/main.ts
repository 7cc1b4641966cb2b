/**
 * `npm run stack`: the local Supabase-compatible stack in one process.
 *
 *   npm run stack                          PGlite in memory, port 54321, demo world seeded
 *   npm run stack -- --data-dir .stack-data   keep the data between runs
 *   DATABASE_URL=postgres://... npm run stack use a real Postgres server instead of PGlite
 *   npm run stack -- --transport broadcast    the database sends changes with realtime.send()
 *
 * Flags win over environment variables; `--help` lists both.
 */
import { parseArgs } from 'node:util'
import { DEV_JWT_SECRET } from './auth/api-keys'
import { DEMO_PASSWORD, DEMO_USERS } from './seed/demo-world'
import { type Stack, type StackOptions, startStack, transportFromFlag } from './stack'
import { sortRows } from '../cli/doctor'
import { errorMessage } from '../src/error-message'
import { REALTIME_SOCKET_PATH } from '../wire/phoenix'

const HELP = `Usage: npm run stack -- [options]

  --port <n>            port (env STACK_PORT; default 54321, 0 = any free port)
  --host <address>      interface to listen on (env STACK_HOST; default 127.0.0.1)
  --data-dir <dir>      keep PGlite's data in <dir> between runs (env STACK_DATA_DIR;
                        default: in memory)
  --database-url <url>  use this Postgres server instead of PGlite (env DATABASE_URL)
  --jwt-secret <s>      HS256 secret, at least 32 characters (env JWT_SECRET;
                        default: the Supabase CLI's development secret)
  --jwt-expiry <s>      access token lifetime in seconds (env JWT_EXPIRY; default 3600)
  --replication-delay-ms <n>
                        after a join's reply, wait this long before commits reach the
                        channel and "Subscribed to PostgreSQL" is sent, as hosted Supabase
                        can (env REPLICATION_DELAY_MS; default 0)
  --transport <t>       how the database tells clients about changes: postgres_changes
                        (realtime_table_events) or broadcast (realtime.send to the private
                        topic org:<id>) (env REALTIME_TRANSPORT; default postgres_changes)
  --no-seed             do not insert the demo world
  --no-dev-tokens       do not serve POST /dev/v1/token
  -h, --help            this text
`

function options(): StackOptions {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      'jwt-secret': { type: 'string' },
      'jwt-expiry': { type: 'string' },
      'replication-delay-ms': { type: 'string' },
      transport: { type: 'string' },
      'no-seed': { type: 'boolean' },
      'no-dev-tokens': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help === true) {
    process.stdout.write(HELP)
    process.exit(0)
  }
  const env = process.env
  const port = integer('--port', values.port ?? env.STACK_PORT, 54321, 0, 65535)
  const expiry = integer(
    '--jwt-expiry',
    values['jwt-expiry'] ?? env.JWT_EXPIRY,
    3600,
    10,
    31_536_000,
  )
  const replicationDelayMs = integer(
    '--replication-delay-ms',
    values['replication-delay-ms'] ?? env.REPLICATION_DELAY_MS,
    0,
    0,
    600_000,
  )
  const databaseUrl = values['database-url'] ?? env.DATABASE_URL
  const dataDir = values['data-dir'] ?? env.STACK_DATA_DIR
  if (databaseUrl !== undefined && dataDir !== undefined) {
    throw new Error('give either --data-dir (PGlite) or --database-url (Postgres), not both')
  }
  const jwtSecret = values['jwt-secret'] ?? env.JWT_SECRET
  const transport = transportFromFlag(values.transport ?? env.REALTIME_TRANSPORT)
  return {
    port,
    host: values.host ?? env.STACK_HOST ?? '127.0.0.1',
    ...(dataDir === undefined || dataDir === '' ? {} : { dataDir }),
    ...(databaseUrl === undefined || databaseUrl === '' ? {} : { databaseUrl }),
    ...(jwtSecret === undefined || jwtSecret === '' ? {} : { jwtSecret }),
    jwtExpirySeconds: expiry,
    replicationDelayMs,
    transport,
    seed: values['no-seed'] !== true,
    devTokens: values['no-dev-tokens'] !== true,
    log: (line) => console.log(line),
  }
}

function integer(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined || text === '') return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max} (got ${text})`)
  }
  return value
}

function banner(stack: Stack, options: StackOptions): string {
  const ws = stack.url.replace(/^http/, 'ws')
  const database =
    options.databaseUrl !== undefined
      ? 'Postgres server (DATABASE_URL)'
      : options.dataDir !== undefined
        ? 'PGlite, data kept in the --data-dir directory'
        : 'PGlite in memory (data is lost on exit; --data-dir keeps it)'
  const secretNote =
    stack.jwtSecret === DEV_JWT_SECRET
      ? 'the Supabase CLI development secret'
      : 'from --jwt-secret / JWT_SECRET'
  const delay =
    (options.replicationDelayMs ?? 0) > 0
      ? `\n  Replication delay ${options.replicationDelayMs} ms after SUBSCRIBED (--replication-delay-ms)`
      : ''
  const transportNote =
    stack.transport === 'broadcast'
      ? 'broadcast: realtime.send() to the private topic org:<id> (--transport)'
      : 'postgres_changes on realtime_table_events (--transport broadcast switches)'
  const users = Object.values(DEMO_USERS)
    .map((user) => `    ${user.email.padEnd(20)} ${user.organizations.join(', ')}`)
    .join('\n')
  return `
Local Supabase-compatible stack ready
  Database          ${database}
  API URL           ${stack.url}
  REST              ${stack.url}/rest/v1
  Realtime          ${ws}${REALTIME_SOCKET_PATH}
  Sync transport    ${transportNote}
  Auth              ${stack.url}/auth/v1   (email + password)
  Dev tokens        POST ${stack.url}/dev/v1/token  {"email": "..."}  (service_role key)
  JWT secret        ${stack.jwtSecret}   (${secretNote}; development only)
  anon key          ${stack.anonKey}
  service_role key  ${stack.serviceRoleKey}${delay}${advice(stack)}

  Demo users, password "${DEMO_PASSWORD}":
${users}

Ctrl+C stops the stack.
`
}

/**
 * What `realtime_sync_doctor()` found not ok at start, one line a finding and the fix of each
 * error; nothing when all is ok.
 */
function advice(stack: Stack): string {
  const rows = sortRows(stack.doctor.filter((row) => row.status !== 'ok'))
  if (rows.length === 0) return ''
  const lines = rows.map((row) => {
    const line = `    ${row.status.toUpperCase().padEnd(5)} ${row.check}${row.subject === null ? '' : ` ${row.subject}`}: ${row.detail}`
    if (row.status !== 'error' || row.fix === null) return line
    const fix = row.fix
      .split('\n')
      .map((part, i) => `${i === 0 ? '      fix: ' : '           '}${part}`)
    return [line, ...fix].join('\n')
  })
  return `\n\n  Database advisor (select * from realtime_sync_doctor()), not ok:\n${lines.join('\n')}`
}

async function main(): Promise<void> {
  let stackOptions: StackOptions
  try {
    stackOptions = options()
  } catch (error) {
    console.error(`${errorMessage(error)}\n\n${HELP}`)
    process.exit(2)
  }
  let stack: Stack
  try {
    stack = await startStack(stackOptions)
  } catch (error) {
    console.error(`The stack did not start: ${errorMessage(error)}`)
    process.exit(1)
  }
  console.log(banner(stack, stackOptions))

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) {
      console.error(`${signal} again: exiting without waiting`)
      process.exit(1)
    }
    stopping = true
    console.log(`${signal}: closing connections and the database...`)
    stack.close().then(
      () => {
        console.log('stopped')
        process.exit(0)
      },
      (error: unknown) => {
        console.error(`error while stopping: ${errorMessage(error)}`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

void main()
