import pg from 'pg'
import { supabaseSchemaFiles } from '../../server/db/apply-schema'
import { startThrowawayPostgres } from '../support/throwaway-postgres'
import { describeDoctor } from './doctor-suite'

/**
 * The database advisor on a real Postgres server (Debian's, as in CI; what DATABASE_URL points
 * the stack at): the same suite as doctor.test.ts.
 */
describeDoctor('realtime_sync_doctor() (Postgres)', async () => {
  const server = await startThrowawayPostgres()
  const client = new pg.Client({ connectionString: server.url })
  await client.connect()
  return {
    query: async <T>(sql: string, params?: unknown[]) => ({
      rows: (await client.query(sql, params)).rows as T[],
    }),
    exec: async (sql) => {
      await client.query(sql)
    },
    rolledBack: async (fn) => {
      await client.query('begin')
      try {
        return await fn({
          query: async <T>(sql: string, params?: unknown[]) => ({
            rows: (await client.query(sql, params)).rows as T[],
          }),
        })
      } finally {
        await client.query('rollback')
      }
    },
    applySchema: async () => {
      for (const file of supabaseSchemaFiles({ supabaseShim: true })) await client.query(file.sql)
    },
    close: async () => {
      await client.end()
      await server.stop()
    },
  }
})
