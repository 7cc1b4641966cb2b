import { isObject } from '../../src/is-object'
import { redactString } from '../protocol/redact'
import { REST_PATH, type WriteMethod, type WriteTapRecord } from './write-tap'

/**
 * A PostgREST write as the panel receives it: what it wrote to and how it ended, with no column
 * value but the ids (the filter's `id=eq.`/`id=in.`, an insert's `id` fields), no token and no
 * header. Built by the bridge from a WriteTapRecord only while a panel listens.
 */
export interface WriteFacts {
  method: WriteMethod
  /** `/rest/v1/<table>`: the table written. */
  table?: string
  /** `/rest/v1/rpc/<fn>`: the function called (which tables it writes, the page cannot see). */
  fn?: string
  /** The rows' ids, when the request names them; empty when it does not (an insert without ids). */
  ids: string[]
  /** More ids than MAX_WRITE_IDS were named. */
  moreIds?: boolean
  /** The HTTP status; 0 when no response came. */
  status: number
  durationMs: number
  /** Rows the response says it covered (its Content-Range), when it says. */
  rows?: number
  /** PostgREST's error (its code and message), or why no response came. */
  error?: { code?: string; message: string }
}

export const MAX_WRITE_IDS = 50
const MAX_ID_CHARS = 200

/** The facts of one raw write. Throws on a record it cannot read (the recorder says why). */
export function writeFacts(raw: WriteTapRecord): WriteFacts {
  const url = new URL(raw.url, 'http://page.invalid')
  const path = url.pathname.slice(url.pathname.indexOf(REST_PATH) + REST_PATH.length)
  const target = decodeURIComponent(path.split('/')[0] ?? '')
  const fn = path.startsWith('rpc/') ? decodeURIComponent(path.slice(4).split('/')[0] ?? '') : ''
  const ids = [...filterIds(url.searchParams), ...(raw.method === 'POST' ? bodyIds(raw.body) : [])]
  const facts: WriteFacts = {
    method: raw.method,
    ...(fn !== '' ? { fn: fn.slice(0, 200) } : { table: target.slice(0, 200) }),
    ids: ids.slice(0, MAX_WRITE_IDS).map((id) => id.slice(0, MAX_ID_CHARS)),
    status: raw.status,
    durationMs: Math.max(0, raw.at - raw.startedAt),
  }
  if (ids.length > MAX_WRITE_IDS) facts.moreIds = true
  const rows = rowsOf(raw)
  if (rows !== undefined) facts.rows = rows
  const error = errorOf(raw)
  if (error !== undefined) facts.error = error
  return facts
}

/** `id=eq.7`, `id=in.(7,8)`, `id=in.("a b",c)`: the ids a filter on the `id` column names. */
function filterIds(params: URLSearchParams): string[] {
  const ids: string[] = []
  for (const value of params.getAll('id')) {
    if (value.startsWith('eq.')) ids.push(unquote(value.slice(3)))
    else if (value.startsWith('in.(') && value.endsWith(')'))
      ids.push(...listItems(value.slice(4, -1)))
  }
  return ids
}

/** PostgREST's list: comma-separated, an item in double quotes may hold commas and `\"`. */
function listItems(list: string): string[] {
  const items: string[] = []
  const pattern = /\s*("(?:[^"\\]|\\.)*"|[^,]*)\s*(?:,|$)/gy
  let match: RegExpExecArray | null
  while (pattern.lastIndex < list.length && (match = pattern.exec(list)) !== null) {
    if (match[0] === '') break
    items.push(unquote(match[1]!))
  }
  return items
}

function unquote(value: string): string {
  return value.startsWith('"') && value.endsWith('"') && value.length >= 2
    ? value.slice(1, -1).replace(/\\(.)/g, '$1')
    : value
}

/** An insert's or upsert's `id` fields; nothing else of its body is read. */
function bodyIds(body: string | undefined): string[] {
  if (body === undefined) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return []
  }
  const rows = Array.isArray(parsed) ? parsed : [parsed]
  const ids: string[] = []
  for (const row of rows) {
    if (!isObject(row)) continue
    const id = row.id
    if (typeof id === 'string' || typeof id === 'number') ids.push(String(id))
  }
  return ids
}

/**
 * The rows the response says the write covered, as PostgREST reports them in Content-Range: an
 * update's range spans the rows it changed (`0-0/*` one, `*` none, with return=minimal too); a
 * count (count=exact) is the total after the slash. Otherwise it does not say.
 */
function rowsOf(raw: WriteTapRecord): number | undefined {
  if (raw.contentRange === undefined || raw.status < 200 || raw.status >= 300) return undefined
  const [span, total] = raw.contentRange.split('/')
  if (total !== undefined && /^\d+$/.test(total)) return Number(total)
  if (raw.method !== 'PATCH') return undefined
  const bounds = /^(\d+)-(\d+)$/.exec(span ?? '')
  if (bounds !== null) return Number(bounds[2]) - Number(bounds[1]) + 1
  return span === '*' ? 0 : undefined
}

function errorOf(raw: WriteTapRecord): WriteFacts['error'] {
  if (raw.failure !== undefined) return { message: redactString(raw.failure) }
  if (raw.status < 400) return undefined
  let code: string | undefined
  let message = `HTTP ${raw.status}`
  try {
    const body: unknown = JSON.parse(raw.errorBody ?? '')
    if (isObject(body)) {
      if (typeof body.code === 'string') code = body.code.slice(0, 50)
      if (typeof body.message === 'string') message = body.message.slice(0, 500)
    }
  } catch {
    if (raw.errorBody) message = raw.errorBody.slice(0, 500)
  }
  return { ...(code === undefined ? {} : { code }), message: redactString(message) }
}
