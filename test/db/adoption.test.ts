import { PGlite } from '@electric-sql/pglite'
import { type AdoptionDatabase, describeAdoption, type Sql } from './adoption-suite'

/** Adopting the migrations in an app with a schema of its own, on PGlite: a fresh one per case. */
describeAdoption('adopting the migrations in an existing app (PGlite)', async () => ({
  async freshDatabase(): Promise<AdoptionDatabase> {
    const db = new PGlite()
    const sql = (target: Pick<PGlite, 'query' | 'exec'>): Sql => ({
      query: (text, params) => target.query(text, params),
      exec: async (text) => {
        await target.exec(text)
      },
    })
    return {
      ...sql(db),
      transaction: (fn) => db.transaction((tx) => fn(sql(tx))),
      close: () => db.close(),
    }
  },
  async close() {},
}))
