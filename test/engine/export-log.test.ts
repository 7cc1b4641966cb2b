/**
 * engine.exportLog(): the log a user's session leaves for a bug report, written as the DevTools
 * panel's Export JSON writes it, validated by the shipped JSON Schema, and read back by the
 * panel's store as if it had been recorded live.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import Ajv from 'ajv'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { PanelStore } from '../../extension/panel/store/panel-store'
import { EXPORT_SCHEMA_FILE } from '../../extension/shared/export-json-schema'
import { describeEvent } from '../../src/describe-event'
import { EXPORT_FORMAT, EXPORT_VERSION, writeExport } from '../../src/export-log'
import { createRealtimeSync } from '../../src/realtime-sync'
import { redact } from '../../src/redact'
import { REDACTED } from '../../src/redact-text'
import type { SyncEvent } from '../../src/types'
import { FakeTransport } from '../panel/support/fake-transport'
import { changePayload } from '../support/events'
import { FakeSupabase, settle } from '../support/fake-supabase'
import { ManualScheduler } from '../support/manual-scheduler'
import { createQueryWorld } from '../support/query-world'

const schema = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../..', EXPORT_SCHEMA_FILE), 'utf8'),
) as object

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLWFsaWNlIiwicm9sZSI6ImF1dGhlbnRpY2F0ZWQifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1oZXJlXzEyMw'
const UUID = '3f6c2a4e-9b1d-4c7e-8a2f-5d9e1b3c7a10'
const URL_WITH_TOKEN = `http://localhost:5173/#access_token=${JWT}&type=bearer`

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

/**
 * An engine on a page whose url carries a token, after a session: channels up, a teammate's
 * changes (one with a token in its row), this tab's write and its echo, a malformed payload
 * with a credential in it, the passes and their refetches.
 */
async function session(options: { bufferSize?: number } = {}) {
  const supabase = new FakeSupabase()
  const scheduler = new ManualScheduler()
  const world = createQueryWorld()
  const page = { location: { href: URL_WITH_TOKEN }, document: { title: 'Team CRM' } }
  const sync = createRealtimeSync({
    supabase,
    queryClient: world.queryClient,
    organizationIds: ['org_acme'],
    userId: 'user-alice',
    scheduler,
    devtoolsHost: page,
    name: 'demo-crm',
    ...options,
  })
  cleanups.push(
    () => sync.stop(),
    () => world.dispose(),
  )
  await settle()
  supabase.subscribeAll()
  await settle()
  // On screen once live (the query world's data carries the real clock's time, not the test's).
  world.active(['deals', 'list'])
  const channel = supabase.channelFor('org_acme')
  channel.deliver(changePayload({ record_id: UUID }))
  const withToken = changePayload({ record_id: 'd2' })
  channel.deliver({ ...withToken, new: { ...withToken.new, note: `Bearer ${JWT}` } })
  sync.markLocalWrite('deals', 'd3')
  channel.deliver(changePayload({ record_id: 'd3', actor_id: 'user-alice' }))
  channel.deliver({ schema: 'public', new: { access_token: JWT, id: 'x' } })
  scheduler.advance(200)
  await settle()
  return { sync, scheduler, world }
}

const validate = new Ajv({ strict: true }).compile(schema)

describe('engine.exportLog()', () => {
  it('validates against the export format’s JSON Schema', async () => {
    const { sync } = await session()
    for (const redact of [true, false]) {
      const ok = validate(JSON.parse((await sync.exportLog({ redact })).text))
      expect(validate.errors ?? []).toEqual([])
      expect(ok).toBe(true)
    }
  })

  it('is the file the panel exports of the same engine, byte for byte', async () => {
    const { sync, scheduler } = await session()
    const { events, dropped } = sync.readEvents()
    // The panel, fed what the page bridge sends it of this engine.
    const transport = new FakeTransport()
    const store = new PanelStore({ transport, scheduler })
    transport.pageRequested()
    const engine = { id: sync.id, name: sync.name, version: sync.version }
    transport.hello('S1', { url: URL_WITH_TOKEN, title: 'Team CRM', engines: [engine] })
    transport.state(
      'S1',
      {
        config: sync.getConfig(),
        metrics: sync.getMetrics(),
        dropped,
        lastSeq: events.at(-1)!.seq,
      },
      sync.id,
    )
    transport.events('S1', events, { engineId: sync.id, snapshot: true })
    scheduler.advance(16)
    expect(store.getSnapshot().engine).toMatchObject({ name: 'demo-crm', held: events.length })

    for (const redact of [true, false]) {
      const panel = store.exportLog({ redact })!
      const own = await sync.exportLog({ redact })
      expect(own.fileName).toBe(panel.fileName)
      expect(own.text).toBe(panel.text)
    }
    // Each event with the sentence the panel shows for it.
    const { file } = await sync.exportLog()
    expect(file.events.map((e) => e.reason)).toEqual(
      events.map((e) => describeEvent(e).replaceAll(JWT, REDACTED)),
    )
  })

  it('has the format, the version, the page, the engine and all the ring holds', async () => {
    const { sync, scheduler } = await session()
    const { file, fileName } = await sync.exportLog()
    const at = new Date(scheduler.now()).toISOString()
    expect(fileName).toBe(`realtime-sync-demo-crm-${at.slice(0, 19).replace(/:/g, '-')}Z.json`)
    expect(file).toMatchObject({
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exportedAt: at,
      page: {
        url: `http://localhost:5173/#access_token=${REDACTED}&type=bearer`,
        title: 'Team CRM',
      },
      engine: { name: 'demo-crm', version: sync.version, config: sync.getConfig() },
      dropped: 0,
      metrics: sync.getMetrics(),
    })
    expect(file).not.toHaveProperty('socket')
    const kinds = new Set(file.events.map((e) => e.kind))
    for (const kind of ['channel', 'received', 'write', 'echo', 'malformed', 'invalidated']) {
      expect(kinds).toContain(kind)
    }
    expect(file.events.map((e) => e.seq)).toEqual(sync.getEvents().map((e) => e.seq))
  })

  it('replaces tokens, keys and JWTs by default, as the panel does; redact: false keeps them', async () => {
    const { sync } = await session()
    const { text, file } = await sync.exportLog()
    expect(text).not.toContain(JWT)
    const noted = file.events.find(
      (e): e is Extract<SyncEvent, { kind: 'received' }> =>
        e.kind === 'received' && e.recordId === 'd2',
    )!
    expect(noted.payload).toMatchObject({ note: `Bearer ${REDACTED}`, record_id: 'd2' })
    const malformed = file.events.find((e) => e.kind === 'malformed')!
    expect(JSON.stringify(malformed)).toContain(`"access_token":"${REDACTED}"`)
    // Ids stay: they are what a bug report is about.
    expect(file.events.some((e) => 'recordId' in e && e.recordId === UUID)).toBe(true)

    const raw = (await sync.exportLog({ redact: false })).text
    expect(raw).toContain(`Bearer ${JWT}`)
    expect(raw).toContain(URL_WITH_TOKEN)
    // The engine's own events are never touched by an export.
    expect(JSON.stringify(sync.getEvents())).toContain(JWT)
  })

  it('holds no more than the ring: what fell off is counted in `dropped`', async () => {
    const { sync, scheduler } = await session({ bufferSize: 100 })
    for (let i = 0; i < 300; i++) sync.markLocalWrite('deals', `w${i}`)
    scheduler.advance(200)
    const { file } = await sync.exportLog()
    expect(file.events).toHaveLength(100)
    expect(file.dropped).toBe(sync.readEvents().dropped)
    expect(file.dropped).toBeGreaterThan(0)
    expect(file.events.at(-1)!.seq).toBe(sync.readEvents().lastSeq)
  })

  it('imports into the panel, shown as the engine logged it', async () => {
    const { sync } = await session()
    const { text, fileName } = await sync.exportLog()
    const store = new PanelStore({
      transport: new FakeTransport(),
      scheduler: new ManualScheduler(),
    })
    expect(store.importText(fileName, text)).toEqual({ ok: true })
    const snapshot = store.getSnapshot()
    expect(snapshot.mode).toBe('imported')
    const held = sync.getEvents()
    expect(snapshot.imported).toMatchObject({ fileName, events: held.length, title: 'Team CRM' })
    expect(snapshot.imported?.upgradedFrom).toBeUndefined()
    expect(snapshot.engine).toMatchObject({ name: 'demo-crm', held: held.length, ringDropped: 0 })
    const rows = snapshot.rows
    const shown: SyncEvent[] = []
    for (let i = 0; i < rows.length; i++) {
      const row = rows.at(i)!
      expect(row.type).toBe('event')
      if (row.type === 'event') shown.push(row.event)
    }
    // Each row as the engine logged it, its payloads redacted, with its sentence.
    expect(shown.map((e) => e.seq)).toEqual(held.map((e) => e.seq))
    expect(shown.map(describeEvent)).toEqual(
      held.map((e) => describeEvent(e).replaceAll(JWT, REDACTED)),
    )
  })
})

describe('the writer', () => {
  it("replaces the page URL's secret-named parameters, a short refresh token included", () => {
    const input = {
      page: {
        url: `https://app.test/deals?apikey=abc&tab=2#access_token=${JWT}&refresh_token=Zg2b8d7F0aOxr1sCkz2mFQ&token_type=bearer`,
        title: 'Deals',
      },
      engine: { name: 'app', version: '0', config: undefined },
      dropped: 0,
      events: [],
      metrics: [],
      now: 0,
    }
    expect(writeExport(input).file.page.url).toBe(
      `https://app.test/deals?apikey=${REDACTED}&tab=2#access_token=${REDACTED}&refresh_token=${REDACTED}&token_type=bearer`,
    )
    expect(writeExport({ ...input, redact: false }).file.page.url).toBe(input.page.url)
  })

  const secretKeys = ['access_token', 'pa ss-word', 'Authorization', 'apikey', 'client_secret']
  const secrets = [JWT, 'sk_live_51HqJx2abcdefGHIJKLmnop', `token=${'a1B2c3D4'.repeat(5)}`]
  const value = fc.letrec((tie) => ({
    leaf: fc.oneof(
      fc.jsonValue({ maxDepth: 0 }),
      fc.constantFrom(...secrets, UUID),
      fc.string().map((glue) => `${glue}${JWT}${glue}`),
    ),
    node: fc.oneof(
      { depthSize: 'small' },
      tie('leaf'),
      fc.array(tie('node'), { maxLength: 4 }),
      fc.dictionary(
        fc.oneof(fc.string(), fc.constantFrom(...secretKeys, '__proto__')),
        tie('node'),
        {
          maxKeys: 4,
        },
      ),
    ),
  })).node

  it('writes each event as the whole log redacted at once would (only the ones with a secret copied)', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 6 }), fc.boolean(), (payloads, redacting) => {
        const events = payloads.map((payload, i): SyncEvent => ({
          seq: i + 1,
          at: 0,
          kind: 'malformed',
          input: 'change',
          problem: 'invalid-value',
          payload,
        }))
        const { file } = writeExport({
          page: { url: '', title: '' },
          engine: { name: 'app', version: '1', config: undefined },
          dropped: 0,
          events,
          metrics: [],
          now: 0,
          redact: redacting,
        })
        // As the panel wrote it before: each event with its sentence, the whole redacted at once.
        const described = events.map((event) => ({ ...event, reason: describeEvent(event) }))
        const expected = JSON.parse(
          JSON.stringify(redacting ? redact(described) : described),
        ) as unknown
        expect(file.events).toEqual(expected)
      }),
      { numRuns: 300 },
    )
  })
})
