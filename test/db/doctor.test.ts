import { PGlite } from '@electric-sql/pglite'
import { describeDoctor } from './doctor-suite'
import { applySchema } from './pglite'

/** The database advisor on PGlite (the local stack's and most tests' database). */
describeDoctor('realtime_sync_doctor() (PGlite)', async () => {
  const db = new PGlite()
  return {
    query: (sql, params) => db.query(sql, params),
    exec: async (sql) => {
      await db.exec(sql)
    },
    rolledBack: async (fn) => {
      let result: Awaited<ReturnType<typeof fn>> | undefined
      await db.transaction(async (tx) => {
        result = await fn({ query: (sql, params) => tx.query(sql, params) })
        await tx.rollback()
      })
      return result as Awaited<ReturnType<typeof fn>>
    },
    applySchema: () => applySchema(db),
    close: () => db.close(),
  }
})
