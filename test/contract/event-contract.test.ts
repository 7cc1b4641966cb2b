/**
 * The event contract's two rules, held by reading our own code: no code branches on the text of
 * a reason (sentences are rendered from facts in src/describe-event.ts, and rewording one must
 * break nothing), and the panel store reads the typed union without `!` or casts on events.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(import.meta.dirname, '../..')

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const file = path.join(dir, name)
    if (statSync(path.join(ROOT, file)).isDirectory()) out.push(...sourceFiles(file))
    else if (/\.tsx?$/.test(name)) out.push(file)
  }
  return out
}

/** Code without its comments, so a comment may say "reason". */
function code(file: string): string {
  return readFileSync(path.join(ROOT, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
}

/** Reading an event's reason: `event.reason`, `e.reason`, `pass.event.reason`, `x?.reason`. */
const READS_EVENT_REASON = /\b(?:event|e|ev|item|pass|served|cause|related|first)\??\.reason\b/
/** Deciding from a sentence: a test, a match or a search applied to a reason. */
const BRANCHES_ON_REASON =
  /reason\)?\s*(?:\?\?\s*'')?\)?\??\.(?:includes|match|startsWith|endsWith|search|indexOf)\(|\.(?:exec|test)\([^)]*\breason\b/

/**
 * Where a reason may be touched: rendered (describe-event), written (the export), kept from an
 * old engine's event (legacy-events); and the socket tap, whose `event.reason` is a WebSocket
 * CloseEvent's (the server's words, not ours).
 */
const ALLOWED = new Set([
  'src/describe-event.ts',
  'extension/shared/export-format.ts',
  'bridge/protocol/legacy-events.ts',
  'bridge/socket/socket-tap.ts',
])

const PRODUCT_DIRS = ['src', 'bridge', 'extension', 'demo', 'server', 'cli', 'wire']

describe('no code of ours decides from the text of a reason', () => {
  it('the detectors catch the reads that the contract replaced', () => {
    // What the panel did before issue 24: it would fail this test.
    expect(BRANCHES_ON_REASON.test(`event.reason?.includes('nothing was missed') === true`)).toBe(
      true,
    )
    expect(BRANCHES_ON_REASON.test("/(\\d+) ms (?:earlier|later)/.exec(event.reason ?? '')")).toBe(
      true,
    )
    expect(READS_EVENT_REASON.test('detail: event.reason,')).toBe(true)
    expect(READS_EVENT_REASON.test('socket.reason')).toBe(false)
  })

  it('no product file outside the renderer, the export and the legacy upgrade reads an event reason', () => {
    const offenders: string[] = []
    for (const dir of PRODUCT_DIRS) {
      for (const file of sourceFiles(dir)) {
        const text = code(file)
        if (BRANCHES_ON_REASON.test(text)) offenders.push(`${file}: branches on a reason`)
        if (!ALLOWED.has(file) && READS_EVENT_REASON.test(text)) {
          offenders.push(`${file}: reads an event's reason`)
        }
      }
    }
    expect(offenders).toEqual([])
  })
})

describe('the panel store reads the typed union as it is', () => {
  it('has no non-null assertion or cast on an event field', () => {
    const offenders: string[] = []
    // change-columns.ts is the one module that takes an event apart field by field into columns
    // and builds it again, as the wire codec (bridge/protocol/event-codec.ts) does: the union
    // cannot type that by name; its round trip is property-tested (test/panel/row-columns.test.ts).
    const codecs = new Set(['extension/panel/store/change-columns.ts'])
    for (const file of sourceFiles('extension/panel/store')) {
      if (codecs.has(file)) continue
      code(file)
        .split('\n')
        .forEach((line, i) => {
          // `event.table!`, `row.event.recordId!`, `(event as …)`, `event as unknown as …`
          if (/\bevent\??\.\w+!/.test(line) || /\b(?:event|e)\s+as\s+/.test(line)) {
            offenders.push(`${file}:${i + 1}: ${line.trim()}`)
          }
        })
    }
    expect(offenders).toEqual([])
  })
})
