import pg from 'pg'
import { startThrowawayPostgres } from '../support/throwaway-postgres'
import { type AdoptionDatabase, describeAdoption, type Sql } from './adoption-suite'

/**
 * Adopting the migrations in an app with a schema of its own, on a real Postgres server (closest
 * to Supabase): the same suite as adoption.test.ts, one database per case.
 */
describeAdoption('adopting the migrations in an existing app (Postgres)', async () => {
  const server = await startThrowawayPostgres()
  const admin = new pg.Client({ connectionString: server.url })
  await admin.connect()
  let databases = 0
  return {
    async freshDatabase(): Promise<AdoptionDatabase> {
      databases += 1
      const name = `adoption_${databases}`
      await admin.query(`create database ${name}`)
      const url = new URL(server.url)
      url.pathname = `/${name}`
      const client = new pg.Client({ connectionString: url.toString() })
      await client.connect()
      const sql: Sql = {
        query: async <T>(text: string, params?: unknown[]) => {
          const result = await client.query(text, params)
          return { rows: result.rows as T[] }
        },
        exec: async (text) => {
          await client.query(text)
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
        close: () => client.end(),
      }
    },
    async close() {
      await admin.end()
      await server.stop()
    },
  }
})
