import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import Ajv from 'ajv'
import { describe, expect, it } from 'vitest'
import { PanelStore } from '../../extension/panel/store/panel-store'
import {
  buildExport,
  EXPORT_FORMAT,
  EXPORT_VERSION,
  exportFileName,
  MAX_IMPORT_BYTES,
  parseExport,
  serializeExport,
} from '../../extension/shared/export-format'
import { EXPORT_SCHEMA_FILE, exportJsonSchema } from '../../extension/shared/export-json-schema'
import { REDACTED, redact, redactString } from '../../bridge/protocol/redact'
import { ManualScheduler } from '../support/manual-scheduler'
import { FakeTransport } from './support/fake-transport'
import { engineState, events, invalidated, minute, received, T0 } from './support/sync-events'

const schemaText = readFileSync(resolve(import.meta.dirname, '../..', EXPORT_SCHEMA_FILE), 'utf8')
const schemaFile = JSON.parse(schemaText) as Record<string, unknown>

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLWFsaWNlIiwicm9sZSI6ImF1dGhlbnRpY2F0ZWQifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1oZXJlXzEyMw'
const UUID = '3f6c2a4e-9b1d-4c7e-8a2f-5d9e1b3c7a10'
const HEX_ID = '9f86d081884c7d659a2feaa0c55ad015'

function connectedStore() {
  const transport = new FakeTransport()
  const scheduler = new ManualScheduler()
  const store = new PanelStore({ transport, scheduler })
  transport.pageRequested()
  transport.connectReply(
    'S1',
    [
      ...events(1, 3),
      invalidated(
        4,
        [1, 2, 3],
        [
          ['deals', 'list'],
          ['deals', 'record', 'd1'],
        ],
      ),
      received(5, {
        recordId: UUID,
        payload: {
          id: 5,
          record_id: UUID,
          nested: { session: { access_token: JWT, note: `Bearer ${JWT}`, user: UUID } },
        },
      }),
    ],
    {
      dropped: 2,
      metrics: [minute(T0 - (T0 % 60_000), { received: 5, processed: 5, invalidations: 1 })],
    },
  )
  scheduler.advance(16)
  return { store, transport, scheduler }
}

describe('the JSON Schema', () => {
  it('is the one generated from the valibot schema (npm run schema)', () => {
    expect(schemaFile).toEqual(exportJsonSchema())
  })

  it('validates an export from the panel (ajv)', () => {
    const { store } = connectedStore()
    const result = store.exportLog()!
    const validate = new Ajv({ strict: true }).compile(schemaFile)
    const ok = validate(JSON.parse(result.text))
    expect(validate.errors ?? []).toEqual([])
    expect(ok).toBe(true)
  })

  it('rejects what import rejects', () => {
    const validate = new Ajv().compile(schemaFile)
    const { store } = connectedStore()
    const file = JSON.parse(store.exportLog()!.text)
    file.events[0].kind = 'exploded'
    expect(validate(file)).toBe(false)
    expect(parseExport(JSON.stringify(file)).ok).toBe(false)
  })
})

describe('export', () => {
  it('leaves the config out when the engine never sent its state', () => {
    const transport = new FakeTransport()
    const scheduler = new ManualScheduler()
    const store = new PanelStore({ transport, scheduler })
    transport.pageRequested()
    transport.hello('S1')
    transport.events('S1', events(1, 2), { snapshot: true })
    scheduler.advance(16)
    const { file, text } = store.exportLog()!
    expect(file.engine.config).toBeUndefined()
    expect(JSON.parse(text).engine).not.toHaveProperty('config')
    expect(parseExport(text)).toMatchObject({ ok: true })
  })

  it('has the DESIGN.md shape: all events held for the selected engine, config, metrics', () => {
    const { store, scheduler } = connectedStore()
    const { file, fileName } = store.exportLog()!
    const at = new Date(scheduler.now()).toISOString()
    expect(fileName).toBe(`realtime-sync-app-${at.slice(0, 19).replace(/:/g, '-')}Z.json`)
    expect(file).toMatchObject({
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exportedAt: at,
      page: { url: 'http://localhost:5173/deals', title: 'Team CRM' },
      engine: { name: 'app', version: '0.1.0', config: engineState().config },
      dropped: 2,
    })
    expect(file.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5])
    expect(file.metrics).toHaveLength(1)
  })

  it("writes each event's facts and, for people, its sentence (reason) rendered from them", () => {
    const { store } = connectedStore()
    const { file } = store.exportLog()!
    expect(file.events[0]).toMatchObject({
      kind: 'received',
      orgId: 'org_acme',
      op: 'UPDATE',
      recordId: 'd1',
      reason: 'received UPDATE deals/d1: queued for the next invalidation batch',
    })
    expect(file.events[3]).toMatchObject({
      kind: 'invalidated',
      trigger: 'batch',
      causes: [1, 2, 3],
      causeKeys: [
        [0, 1],
        [0, 1],
        [0, 1],
      ],
      markedStale: 0,
      reason:
        'batch #1: 3 events coalesced → 2 queries invalidated, 0 inactive ones only marked stale',
    })
    // The panel's own events stay as the engine logged them: no reason written onto them.
    const held = store.getSnapshot().rows
    for (let i = 0; i < held.length; i++) {
      const row = held.at(i)!
      if (row.type === 'event') expect(row.event).not.toHaveProperty('reason')
    }
  })

  it('"export filtered" writes only the rows the filters show', () => {
    const { store } = connectedStore()
    store.setFilters({ kinds: ['invalidated'] })
    expect(store.exportLog({ filtered: true })!.file.events.map((e) => e.seq)).toEqual([4])
    expect(store.exportLog()!.file.events).toHaveLength(5)
  })

  it('redacts tokens in nested payloads by default, and leaves ids alone', () => {
    const { store } = connectedStore()
    const event = store.exportLog()!.file.events[4]!
    if (event.kind !== 'received') throw new Error(`#5 is ${event.kind}`)
    expect(event.recordId).toBe(UUID)
    expect(event.payload).toEqual({
      id: 5,
      record_id: UUID,
      nested: { session: { access_token: REDACTED, note: `Bearer ${REDACTED}`, user: UUID } },
    })
    const raw = store.exportLog({ redact: false })!.file.events[4]!
    expect(JSON.stringify(raw)).toContain(JWT)
  })

  it('one event per line, parseable as a whole', () => {
    const { store } = connectedStore()
    const { text, file } = store.exportLog()!
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(file)))
    const lines = text.split('\n')
    expect(lines.filter((line) => line.startsWith('    {"seq":'))).toHaveLength(5)
  })

  it('makes a safe file name', () => {
    expect(exportFileName('my app/../x', Date.UTC(2026, 10, 23, 16, 23, 18, 774))).toBe(
      'realtime-sync-my-app-x-2026-11-23T16-23-18Z.json',
    )
  })
})

describe('redaction heuristic', () => {
  it.each([
    [JWT, REDACTED],
    [`Bearer ${JWT}`, `Bearer ${REDACTED}`],
    ['sk_live_51HqJx2abcdefGHIJKLmnop', REDACTED],
    ['sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz', REDACTED],
    ['sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH', REDACTED],
    ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', REDACTED],
    [`apikey=${'a1B2c3D4'.repeat(5)}`, `apikey=${REDACTED}`],
    [
      `https://app.test/#access_token=${JWT}&type=bearer`,
      `https://app.test/#access_token=${REDACTED}&type=bearer`,
    ],
  ])('%s is redacted', (input, output) => {
    expect(redactString(input)).toBe(output)
  })

  it.each([
    UUID,
    HEX_ID,
    `record ${HEX_ID}`,
    '2026-11-23T12:00:00.000Z',
    'user-alice',
    'eyJ-not-a-token',
    'org:org_acme subscribed again (time 2)',
    'same event id 1001 as #1, delivered again 300 ms later',
  ])('%s is kept', (input) => {
    expect(redactString(input)).toBe(input)
  })

  it('redacts the values of credential-named keys, whatever their type', () => {
    expect(
      redact({
        access_token: 'short',
        refresh_token: 'abc',
        apikey: 12345,
        Authorization: 'Basic dXNlcjpwYXNz',
        password: 'hunter2',
        client_secret: { a: 1 },
        'x-api-key': 'k',
        keep: { id: UUID, token_count: 3, secret_santa: null },
      }),
    ).toEqual({
      access_token: REDACTED,
      refresh_token: REDACTED,
      apikey: REDACTED,
      Authorization: REDACTED,
      password: REDACTED,
      client_secret: REDACTED,
      'x-api-key': REDACTED,
      keep: { id: UUID, token_count: 3, secret_santa: null },
    })
  })

  it('never mutates its input and keeps "__proto__" as data', () => {
    const input = JSON.parse(`{"__proto__": {"polluted": "${JWT}"}, "a": ["${JWT}"]}`)
    const output = redact(input)
    expect(input.a[0]).toBe(JWT)
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype)
    expect(Object.hasOwn(output, '__proto__')).toBe(true)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('import', () => {
  it('round-trips: export → import → export gives the same events', () => {
    const { store } = connectedStore()
    const first = store.exportLog({ redact: false })!
    expect(store.importText('log.json', first.text)).toEqual({ ok: true })
    const snapshot = store.getSnapshot()
    expect(snapshot.mode).toBe('imported')
    expect(snapshot.imported).toMatchObject({ fileName: 'log.json', events: 5 })
    expect(snapshot.engine).toMatchObject({ name: 'app', held: 5, ringDropped: 2 })
    const again = store.exportLog({ redact: false })!
    expect(again.file.events).toEqual(first.file.events)
    expect(again.file.metrics).toEqual(first.file.metrics)
    expect(again.file.page).toEqual(first.file.page)
    expect(again.file.engine).toEqual(first.file.engine)
    store.closeImport()
    expect(store.getSnapshot().mode).toBe('live')
  })

  it('keeps every event of a log spanning page loads (seqs restart)', () => {
    const file = buildExport({
      page: { url: 'http://x', title: 'x' },
      engine: { name: 'app', version: '1', config: engineState().config },
      dropped: 0,
      events: [...events(7, 9), ...events(1, 2)],
      metrics: [],
      now: T0,
    })
    const { store } = connectedStore()
    store.importText('preserved.json', serializeExport(file))
    const rows = store.getSnapshot().rows
    const kinds = Array.from({ length: rows.length }, (_, i) => {
      const row = rows.at(i)!
      return row.type === 'event' ? row.event.seq : row.marker
    })
    expect(kinds).toEqual([7, 8, 9, 'restart', 1, 2])
    expect(store.exportLog()!.file.events.map((e) => e.seq)).toEqual([7, 8, 9, 1, 2])
  })

  it.each([
    ['{oops', /^not valid JSON: /],
    ['[]', /^not a Realtime DevTools export: the file is not a JSON object$/],
    ['{"format":"har"}', /^not a Realtime DevTools export: "format" is "har"/],
    [
      `{"format":"${EXPORT_FORMAT}","version":5}`,
      /^unsupported export version 5 \(this panel reads versions 1, 2, 3, 4\)/,
    ],
    [
      `{"format":"${EXPORT_FORMAT}","version":1}`,
      /^exportedAt: missing \(and \d+ more problems\)$/,
    ],
  ])('refuses %s with a clear message', (text, message) => {
    const result = parseExport(text)
    expect(result.ok).toBe(false)
    expect(!result.ok && result.error).toMatch(message)
  })

  it('imports a version 1 file (0.2.0: no refetch events, no refetch metrics)', () => {
    const v1 = {
      format: EXPORT_FORMAT,
      version: 1,
      exportedAt: '2026-11-30T10:00:00.000Z',
      page: { url: 'http://localhost:5173/', title: 'CRM' },
      engine: { name: 'app', version: '0.2.0', config: engineState().config },
      dropped: 0,
      events: [received(1)],
      metrics: [
        {
          minute: T0,
          received: 1,
          processed: 1,
          deduped: 0,
          echo: 0,
          malformed: 0,
          invalidations: 0,
          keysInvalidated: 0,
        },
      ],
    }
    const result = parseExport(JSON.stringify(v1))
    expect(result.ok && result.file.events).toEqual([received(1)])
    expect(result.ok && result.file.metrics[0]).toMatchObject({ refetches: 0, refetchErrors: 0 })
  })

  it('names the field at fault deep inside the events', () => {
    const { store } = connectedStore()
    const file = JSON.parse(store.exportLog()!.text)
    file.events[3].causes[1] = -4
    expect(parseExport(JSON.stringify(file))).toEqual({
      ok: false,
      error: 'events[3].causes[1]: Invalid value: Expected >=1 but received -4',
    })
  })

  it('a failed import changes nothing but the message', () => {
    const { store } = connectedStore()
    const before = store.getSnapshot()
    const result = store.importText('broken.json', '{"format": "realtime-sync-devtools.log"')
    expect(result.ok).toBe(false)
    const after = store.getSnapshot()
    expect(after.mode).toBe('live')
    expect(after.rows.length).toBe(before.rows.length)
    expect(after.rows.at(0)).toBe(before.rows.at(0))
    expect(after.engine).toEqual(before.engine)
    expect(after.importError).toMatch(
      /^Import of broken.json failed: not valid JSON: .*Nothing was changed\.$/,
    )
  })

  it('refuses a file over the size cap before parsing it', () => {
    expect(parseExport(' '.repeat(MAX_IMPORT_BYTES + 1))).toEqual({
      ok: false,
      error: 'the file is larger than 100 MB',
    })
  })
})
