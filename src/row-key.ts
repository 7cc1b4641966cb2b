/**
 * A row's key in the maps of this tab's writes (echo detection, write confirmations): one string
 * per received event, built once and shared, so following writes costs a lookup, not a key.
 */
export function rowKey(table: string, recordId: string): string {
  return `${table}\u0001${recordId}`
}
