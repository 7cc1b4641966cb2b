/**
 * The page's PostgREST writes, observed from the MAIN world at document_start, with or without
 * our engine: supabase-js resolves `fetch` when a client is made, so a wrapper installed before
 * the page's scripts sees every request. Only writes are kept (POST, PATCH, PUT, DELETE to
 * `/rest/v1/<table>`, and `/rest/v1/rpc/<fn>` calls), raw, in a bounded ring: while no panel
 * listens nothing is parsed, copied or posted, and a request that is not a write costs one
 * string test. The bridge reads the ring (write-records.ts) when a panel asks for it.
 */
import type { TapRing } from '../socket/socket-tap'

export type WriteMethod = 'POST' | 'PATCH' | 'PUT' | 'DELETE'

/** One write, raw, as the tap saw it settle: its URL and body never leave the page as they are. */
export interface WriteTapRecord {
  kind: 'write'
  /** When its response (or its failure) came: the ring stays in time order. */
  at: number
  startedAt: number
  method: WriteMethod
  url: string
  /** The request's body when it was a string of at most MAX_KEPT_BODY characters (an insert's ids). */
  body?: string
  /** The HTTP status; 0 when no response came (the network, an abort). */
  status: number
  contentRange?: string
  /** A failed response's body, cut to MAX_ERROR_BODY characters (PostgREST's error object). */
  errorBody?: string
  /** Why no response came. */
  failure?: string
}

/** The REST API's path in a Supabase URL. */
export const REST_PATH = '/rest/v1/'
/** A longer body (a bulk insert) is not kept: its ids are then unknown. */
export const MAX_KEPT_BODY = 16_384
export const MAX_ERROR_BODY = 4_096
/** Writes the page keeps (a kept body is at most MAX_KEPT_BODY: a few MB at worst). */
export const WRITE_RING_SIZE = 300

const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PATCH', 'PUT', 'DELETE'])

/** What the tap needs of `window`: its fetch, replaceable. */
export interface WriteTapWindow {
  fetch: typeof fetch
}

/**
 * Replaces `win.fetch` with a wrapper that records the page's PostgREST writes in `ring` and
 * otherwise changes nothing: the same promise settles with the same response, a rejection
 * stays the page's to handle. Returns the uninstall.
 */
export function installWriteTap(
  win: WriteTapWindow,
  ring: TapRing<WriteTapRecord>,
  now: () => number = () => performance.now() + performance.timeOrigin,
): () => void {
  const original = win.fetch
  const tapped = function fetch(
    this: unknown,
    input: RequestInfo | URL,
    init?: RequestInit,
  ): Promise<Response> {
    const result = original.call(win, input, init)
    const url = typeof input === 'string' ? input : urlOf(input)
    if (url === undefined || !url.includes(REST_PATH)) return result
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
    if (!WRITE_METHODS.has(method)) return result
    follow(result, {
      kind: 'write',
      at: 0,
      startedAt: now(),
      method: method as WriteMethod,
      url,
      ...keptBody(init?.body),
      status: 0,
    })
    return result
  }

  const follow = (result: Promise<Response>, record: WriteTapRecord) => {
    // A branch of the page's own promise: registered first, so a failed response is cloned
    // before the page reads its body; its rejection is handled here and still reaches the page.
    result.then(
      (response) => {
        record.status = response.status
        const range = response.headers.get('content-range')
        if (range !== null) record.contentRange = range
        if (response.ok) return settle(record)
        readErrorBody(response).then((text) => {
          if (text !== undefined) record.errorBody = text
          settle(record)
        })
      },
      (error: unknown) => {
        record.failure = failureText(error)
        settle(record)
      },
    )
  }
  const settle = (record: WriteTapRecord) => {
    record.at = now()
    ring.push(record)
  }

  win.fetch = tapped as typeof fetch
  return () => {
    if (win.fetch === tapped) win.fetch = original
  }
}

function urlOf(input: RequestInfo | URL): string | undefined {
  if (input instanceof URL) return input.href
  if (typeof Request !== 'undefined' && input instanceof Request) return input.url
  return undefined
}

function keptBody(body: unknown): { body?: string } {
  return typeof body === 'string' && body.length <= MAX_KEPT_BODY ? { body } : {}
}

/** A failed response's text from a clone (the page reads the original); never rejects. */
async function readErrorBody(response: Response): Promise<string | undefined> {
  try {
    return (await response.clone().text()).slice(0, MAX_ERROR_BODY)
  } catch {
    return undefined
  }
}

function failureText(error: unknown): string {
  try {
    return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(
      0,
      500,
    )
  } catch {
    return 'unprintable error'
  }
}
