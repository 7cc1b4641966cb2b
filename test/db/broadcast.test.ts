import { PGlite } from '@electric-sql/pglite'
import { describeBroadcast, type Sql, type SqlDatabase } from './broadcast-suite'
import { applySchema } from './pglite'

/** Broadcast from Database on PGlite (the local stack's and most tests' database). */
describeBroadcast('Broadcast from Database (PGlite)', async (): Promise<SqlDatabase> => {
  const db = new PGlite()
  const warnings: string[] = []
  const onNotice = (notice: { severity?: string; message?: string }) => {
    if (notice.severity === 'WARNING') warnings.push(notice.message ?? '')
  }
  const sql = (target: Pick<PGlite, 'query'>): Sql => ({
    query: (text, params) => target.query(text, params, { onNotice }),
  })
  return {
    ...sql(db),
    transaction: (fn) => db.transaction((tx) => fn(sql(tx))),
    applySchema: () => applySchema(db),
    warnings: () => warnings,
    close: () => db.close(),
  }
})
