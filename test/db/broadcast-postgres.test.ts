import pg from 'pg'
import { supabaseSchemaFiles } from '../../server/db/apply-schema'
import { startThrowawayPostgres } from '../support/throwaway-postgres'
import { describeBroadcast, type Sql, type SqlDatabase } from './broadcast-suite'

/**
 * Broadcast from Database on a real Postgres server (what DATABASE_URL points the stack at, and
 * closest to Supabase): the same suite as broadcast.test.ts.
 */
describeBroadcast('Broadcast from Database (Postgres)', async (): Promise<SqlDatabase> => {
  const server = await startThrowawayPostgres()
  const client = new pg.Client({ connectionString: server.url })
  await client.connect()
  const warnings: string[] = []
  client.on('notice', (notice) => {
    if (notice.severity === 'WARNING') warnings.push(notice.message ?? '')
  })
  const sql: Sql = {
    query: async <T>(text: string, params?: unknown[]) => {
      const result = await client.query(text, params)
      return { rows: result.rows as T[], affectedRows: result.rowCount ?? undefined }
    },
  }
  return {
    ...sql,
    async transaction(fn) {
      await client.query('begin')
      try {
        const result = await fn(sql)
        await client.query('commit')
        return result
      } catch (error) {
        await client.query('rollback')
        throw error
      }
    },
    async applySchema() {
      for (const file of supabaseSchemaFiles({ supabaseShim: true })) await client.query(file.sql)
    },
    warnings: () => warnings,
    async close() {
      await client.end()
      await server.stop()
    },
  }
})
