import type { IncomingMessage, ServerResponse } from 'node:http'
import { type Caller, resolveCaller } from '../auth/caller'
import { type Catalog, EXPOSED_SCHEMAS, type TableInfo } from '../db/catalog'
import { asPostgresError, type Database, type Queryable } from '../db/database'
import { asIdentity } from '../db/session-identity'
import { BodyTooLargeError, parseJson, readBody, send, sendJson } from '../http/http-io'
import { fromPostgresError, type RestError, restError } from './postgrest-errors'
import {
  parseRestQuery,
  type RestQuery,
  resolveColumns,
  unknownBodyColumn,
} from './postgrest-query'
import {
  countStatement,
  deleteStatement,
  insertStatement,
  readStatement,
  type Statement,
  updateStatement,
} from './postgrest-sql'
import { isObject } from '../../src/is-object'
import { callFunction } from './postgrest-rpc'

export interface RestContext {
  db: Database
  catalog: Catalog
  jwtSecret: string
  maxBodyBytes: number
}

const SINGLE_OBJECT = 'application/vnd.pgrst.object+json'

interface Preferences {
  representation: boolean
  count: boolean
  resolution: 'merge' | 'ignore' | undefined
}

/** Thrown inside the transaction to roll it back and answer with `error`. */
class RestFailure extends Error {
  constructor(readonly error: RestError) {
    super(error.message)
  }
}

/**
 * `/rest/v1/<table>`: the PostgREST subset supabase-js uses, every statement run in one
 * transaction as the caller (role + JWT claims), so grants and RLS decide what it reads and
 * writes, exactly as on Supabase.
 */
export async function handleRest(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  url: URL,
  context: RestContext,
): Promise<void> {
  const resolved = resolveCaller(request.headers, context.jwtSecret)
  if (!resolved.ok) return sendJson(response, resolved.status, resolved.body, resolved.headers)
  const caller = resolved.caller

  if (path === '') return sendJson(response, 200, openApiStub(context.catalog))
  if (path.startsWith('rpc/')) {
    try {
      const failed = await callFunction(
        response,
        context.db,
        caller,
        decodeURIComponent(path.slice('rpc/'.length)),
        request.method ?? 'GET',
      )
      return failed === undefined ? undefined : fail(response, failed)
    } catch (error) {
      const postgres = asPostgresError(error)
      if (postgres !== undefined) return fail(response, fromPostgresError(postgres, caller.role))
      if (error instanceof URIError) {
        return fail(response, restError(400, 'PGRST100', 'malformed function name'))
      }
      throw error
    }
  }
  let name: string
  try {
    name = decodeURIComponent(path)
  } catch {
    return fail(response, restError(400, 'PGRST100', 'malformed table name'))
  }

  const method = request.method ?? 'GET'
  const profile = headerValue(
    request.headers[method === 'GET' || method === 'HEAD' ? 'accept-profile' : 'content-profile'],
  )
  if (profile !== undefined && !EXPOSED_SCHEMAS.includes(profile)) {
    return fail(
      response,
      restError(
        406,
        'PGRST106',
        `The schema must be one of the following: ${EXPOSED_SCHEMAS.join(', ')}`,
      ),
    )
  }
  let table = name.includes('/') ? undefined : await context.catalog.find('public', name)
  if (table === undefined) {
    const closest = context.catalog.closestTable('public', name)
    return fail(
      response,
      restError(
        404,
        'PGRST205',
        `Could not find the table 'public.${name}' in the schema cache`,
        null,
        closest === undefined ? null : `Perhaps you meant the table 'public.${closest.name}'`,
      ),
    )
  }

  const parsed = parseRestQuery(url.searchParams)
  if (!parsed.ok) return fail(response, parsed.error)
  const query = parsed.value
  let unknown = resolveColumns(table, query)
  if (unknown !== undefined && (await context.catalog.refreshIfStale())) {
    // A column added since the catalog was read (PostgREST reloads its schema cache the same way).
    table = context.catalog.cached('public', name) ?? table
    unknown = resolveColumns(table, query)
  }
  if (unknown !== undefined) return fail(response, unknown)

  const accept = headerValue(request.headers.accept) ?? ''
  const single = accept.includes(SINGLE_OBJECT)
  const stripNulls = accept.includes('nulls=stripped')
  const preferences = parsePrefer(headerValue(request.headers.prefer))

  try {
    switch (method) {
      case 'GET':
      case 'HEAD':
        return await read(response, context, caller, table, query, {
          head: method === 'HEAD',
          single,
          stripNulls,
          count: preferences.count,
        })
      case 'POST':
      case 'PATCH':
      case 'DELETE': {
        if (query.limit !== undefined || query.offset !== undefined) {
          return fail(
            response,
            restError(
              400,
              'PGRST100',
              'limit and offset on writes are not supported by the local stack',
            ),
          )
        }
        const body = method === 'DELETE' ? undefined : await readJsonBody(request, context)
        if (body !== undefined && !body.ok) return fail(response, body.error)
        return await write(response, context, caller, table, query, {
          method,
          body: body?.value,
          single,
          stripNulls,
          preferences,
        })
      }
      default:
        return fail(response, restError(405, 'PGRST117', `Unsupported HTTP method: ${method}`))
    }
  } catch (error) {
    if (error instanceof RestFailure) return fail(response, error.error)
    const postgres = asPostgresError(error)
    if (postgres !== undefined) return fail(response, fromPostgresError(postgres, caller.role))
    throw error
  }
}

async function read(
  response: ServerResponse,
  context: RestContext,
  caller: Caller,
  table: TableInfo,
  query: RestQuery,
  options: { head: boolean; single: boolean; stripNulls: boolean; count: boolean },
): Promise<void> {
  const { body, n, total } = await asIdentity(context.db, caller, async (tx) => {
    const result = await run(tx, readStatement(table, query, { stripNulls: options.stripNulls }))
    let total: number | undefined
    if (options.count) {
      const counted = await tx.query<{ total: number }>(...spread(countStatement(table, query)))
      total = counted.rows[0]?.total
    }
    return { ...result, total }
  })
  if (options.single && n !== 1) return fail(response, notSingle(n))
  const offset = query.offset ?? 0
  const range = n === 0 ? '*' : `${offset}-${offset + n - 1}`
  const headers: Record<string, string> = {
    'Content-Type': `${options.single ? SINGLE_OBJECT : 'application/json'}; charset=utf-8`,
    'Content-Range': `${range}/${total ?? '*'}`,
  }
  const partial = total !== undefined && n < total && (query.limit !== undefined || offset > 0)
  const status = partial ? 206 : 200
  send(
    response,
    status,
    options.head ? undefined : options.single ? unwrapSingle(body) : body,
    headers,
  )
}

interface WriteRequest {
  method: 'POST' | 'PATCH' | 'DELETE'
  body: unknown
  single: boolean
  stripNulls: boolean
  preferences: Preferences
}

async function write(
  response: ServerResponse,
  context: RestContext,
  caller: Caller,
  table: TableInfo,
  query: RestQuery,
  request: WriteRequest,
): Promise<void> {
  const options = { returning: request.preferences.representation, stripNulls: request.stripNulls }
  let statement: Statement | undefined
  if (request.method === 'POST') {
    const rows = Array.isArray(request.body) ? request.body : [request.body]
    if (!rows.every(isObject)) {
      return fail(
        response,
        restError(
          400,
          'PGRST102',
          'Empty or invalid json: expected an object or an array of objects',
        ),
      )
    }
    const columns = query.columns ?? Object.keys(rows[0] ?? {})
    for (const row of rows) {
      for (const key of Object.keys(row)) {
        if (!table.columnsByName.has(key)) return fail(response, unknownBodyColumn(table, key))
      }
      if (query.columns === undefined && !sameKeys(row, columns)) {
        return fail(response, restError(400, 'PGRST102', 'All object keys must match'))
      }
    }
    let onConflict: { columns: string[]; action: 'merge' | 'ignore' } | undefined
    if (request.preferences.resolution !== undefined) {
      const target = query.onConflict ?? table.primaryKey.map((column) => column.name)
      if (target.length === 0) {
        return fail(
          response,
          restError(400, 'PGRST100', `${table.name} has no primary key: give on_conflict`),
        )
      }
      onConflict = { columns: target, action: request.preferences.resolution }
    }
    if (rows.length > 0) {
      statement = insertStatement(table, query, JSON.stringify(rows), {
        ...options,
        columns,
        onConflict,
      })
    }
  } else if (request.method === 'PATCH') {
    if (!isObject(request.body)) {
      return fail(response, restError(400, 'PGRST102', 'Empty or invalid json: expected an object'))
    }
    const columns = Object.keys(request.body)
    for (const key of columns) {
      if (!table.columnsByName.has(key)) return fail(response, unknownBodyColumn(table, key))
    }
    if (columns.length > 0) {
      statement = updateStatement(table, query, JSON.stringify(request.body), columns, options)
    }
  } else {
    statement = deleteStatement(table, query, options)
  }

  const { body, n } =
    statement === undefined
      ? { body: '[]', n: 0 }
      : await asIdentity(context.db, caller, async (tx) => {
          const result = await run(tx, statement)
          // PostgREST rolls a write back when the object it was asked to return is not one row.
          if (request.single && result.n !== 1) throw new RestFailure(notSingle(result.n))
          return result
        })
  if (request.single && n !== 1) return fail(response, notSingle(n))

  // As PostgREST: an update's range covers the rows it changed (`0-0/*`; `*/*` for none, even
  // with return=minimal); an insert's and a delete's range is always `*`.
  const span = request.method === 'PATCH' && n > 0 ? `0-${n - 1}` : '*'
  const headers: Record<string, string> = {
    'Content-Range': `${span}/${request.preferences.count ? n : '*'}`,
  }
  const applied = [
    ...(request.preferences.representation ? ['return=representation'] : []),
    ...(request.preferences.count ? ['count=exact'] : []),
  ]
  if (applied.length > 0) headers['Preference-Applied'] = applied.join(', ')
  if (!request.preferences.representation) {
    return send(response, request.method === 'POST' ? 201 : 204, undefined, headers)
  }
  headers['Content-Type'] = `${request.single ? SINGLE_OBJECT : 'application/json'}; charset=utf-8`
  send(
    response,
    request.method === 'POST' ? 201 : 200,
    request.single ? unwrapSingle(body) : body,
    headers,
  )
}

async function run(tx: Queryable, statement: Statement): Promise<{ body: string; n: number }> {
  const result = await tx.query<{ body: string; n: number }>(...spread(statement))
  return { body: result.rows[0]?.body ?? '[]', n: result.rows[0]?.n ?? 0 }
}

function spread(statement: Statement): [string, (string | null)[]] {
  return [statement.sql, statement.params]
}

async function readJsonBody(
  request: IncomingMessage,
  context: RestContext,
): Promise<{ ok: true; value: unknown } | { ok: false; error: RestError }> {
  const type = headerValue(request.headers['content-type'])
  if (type !== undefined && !/^application\/json\b/i.test(type)) {
    return { ok: false, error: restError(415, 'PGRST107', `Content-Type not acceptable: ${type}`) }
  }
  let raw: Buffer
  try {
    raw = await readBody(request, context.maxBodyBytes)
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      return {
        ok: false,
        error: restError(413, 'PGRST102', `Request body larger than ${error.limit} bytes`),
      }
    }
    throw error
  }
  const value = parseJson(raw)
  if (value === undefined) {
    return { ok: false, error: restError(400, 'PGRST102', 'Empty or invalid json') }
  }
  return { ok: true, value }
}

function parsePrefer(header: string | undefined): Preferences {
  const preferences: Preferences = { representation: false, count: false, resolution: undefined }
  for (const part of (header ?? '').split(',')) {
    const [key, value] = part
      .trim()
      .split('=')
      .map((text) => text.trim())
    if (key === 'return') preferences.representation = value === 'representation'
    else if (key === 'count')
      preferences.count = value === 'exact' || value === 'planned' || value === 'estimated'
    else if (key === 'resolution') {
      preferences.resolution =
        value === 'merge-duplicates'
          ? 'merge'
          : value === 'ignore-duplicates'
            ? 'ignore'
            : undefined
    }
  }
  return preferences
}

function notSingle(n: number): RestError {
  return restError(
    406,
    'PGRST116',
    'Cannot coerce the result to a single JSON object',
    `The result contains ${n} rows`,
  )
}

/** `[{...}]` → `{...}`: json_agg of one row, without parsing it. */
function unwrapSingle(body: string): string {
  return body.slice(1, -1).trim()
}

function fail(response: ServerResponse, error: RestError): void {
  sendJson(response, error.status, {
    code: error.code,
    details: error.details,
    hint: error.hint,
    message: error.message,
  })
}

function openApiStub(catalog: Catalog): Record<string, unknown> {
  const paths: Record<string, unknown> = {}
  for (const table of catalog.tables()) {
    if (EXPOSED_SCHEMAS.includes(table.schema)) paths[`/${table.name}`] = {}
  }
  return { swagger: '2.0', info: { title: 'local stack (PostgREST subset)' }, paths }
}

function sameKeys(row: Record<string, unknown>, columns: string[]): boolean {
  const keys = Object.keys(row)
  return keys.length === columns.length && keys.every((key) => columns.includes(key))
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const single = Array.isArray(value) ? value[0] : value
  return single === undefined || single.length === 0 ? undefined : single
}
