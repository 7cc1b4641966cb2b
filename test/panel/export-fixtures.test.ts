/**
 * Files of every export version still open: versions 1 to 3 (written by the 0.2.0 engine and
 * panel, test/fixtures/) are upgraded to the typed contract, and the panel explains them from
 * facts; a file of the current version round-trips.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeEvent } from '../../src/describe-event'
import type { SyncEvent } from '../../src/types'
import {
  buildExport,
  EXPORT_VERSION,
  parseExport,
  serializeExport,
} from '../../extension/shared/export-format'

const fixture = (version: number) =>
  readFileSync(path.join(import.meta.dirname, `../fixtures/export-v${version}.json`), 'utf8')

function open(version: number) {
  const result = parseExport(fixture(version))
  if (!result.ok) throw new Error(`v${version} did not import: ${result.error}`)
  return result
}

const bySeq = (events: readonly SyncEvent[], seq: number) => events.find((e) => e.seq === seq)

describe.each([1, 2, 3])('an export of version %i', (version) => {
  it('imports, every event upgraded, none left out', () => {
    const result = open(version)
    const original = JSON.parse(fixture(version)) as { events: unknown[] }
    expect(result.upgradedFrom).toBe(version)
    expect(result.unusable).toBe(0)
    expect(result.file.version).toBe(EXPORT_VERSION)
    expect(result.file.events).toHaveLength(original.events.length)
  })

  it('gives each kind the facts it always has, filled the way the old panel worked them out', () => {
    const { events } = open(version).file
    const duplicate = bySeq(events, 4)
    expect(duplicate).toMatchObject({ kind: 'deduped', relatedSeq: 2, ageMs: 5, match: 'event-id' })
    expect(duplicate).toMatchObject({ windowMs: 2000 })
    expect(bySeq(events, 6)).toMatchObject({
      kind: 'echo',
      relatedSeq: 5,
      ageMs: 40,
      match: 'same-actor',
    })
    // The replayed change that this tab had written, by a teammate: not an echo (0.2.0 said so
    // in its sentence only, which stays).
    expect(bySeq(events, 11)).toMatchObject({ kind: 'received', replayed: true })
    expect(describeEvent(bySeq(events, 11)!)).toMatch(/^not an echo: this tab wrote deals\/d2/)
    const pass = bySeq(events, 13)
    expect(pass?.kind).toBe('invalidated')
    if (pass?.kind !== 'invalidated') return
    expect(pass.trigger).toBe('batch')
    // Each cause's keys: the ones the old engine set on it at flush.
    expect(pass.causes).toEqual([10, 11])
    expect(pass.causeKeys.map((refs) => refs.map((i) => pass.matchedKeys[i]))).toEqual([
      [
        ['deals', 'list'],
        ['deals', 'record', 'd2'],
      ],
      [
        ['deals', 'list'],
        ['deals', 'record', 'd2'],
      ],
    ])
    expect(bySeq(events, 20)).toMatchObject({ kind: 'invalidated', trigger: 'manual' })
  })

  it('shows each event with the sentence its engine wrote', () => {
    const { events } = open(version).file
    expect(describeEvent(bySeq(events, 4)!)).toBe(
      'same event id 101 as #2, delivered again 5 ms later (window 2000 ms)',
    )
    expect(describeEvent(bySeq(events, 8)!)).toBe('table_name is number 42, expected a table name')
  })
})

describe('an export of the current version', () => {
  const events: SyncEvent[] = [
    {
      seq: 1,
      at: 1_000,
      kind: 'received',
      orgId: 'org_acme',
      table: 'deals',
      op: 'UPDATE',
      recordId: 'd1',
      eventId: '101',
      payload: { id: 101, organization_id: 'org_acme' },
    },
    {
      seq: 2,
      at: 1_005,
      kind: 'deduped',
      orgId: 'org_acme',
      table: 'deals',
      op: 'UPDATE',
      recordId: 'd1',
      eventId: '101',
      relatedSeq: 1,
      ageMs: 5,
      match: 'event-id',
      windowMs: 2_000,
      payload: { id: 101, organization_id: 'org_acme' },
    },
    {
      seq: 3,
      at: 1_200,
      kind: 'invalidated',
      batchId: 1,
      trigger: 'batch',
      table: 'deals',
      causes: [1],
      causeKeys: [[0]],
      matchedKeys: [['deals', 'list']],
      markedStale: 0,
    },
  ]
  const file = buildExport({
    page: { url: 'http://localhost/', title: 'app' },
    engine: { name: 'crm', version: '0.3.0', config: undefined },
    dropped: 0,
    events,
    metrics: [],
    now: 2_000,
  })

  it('writes each event with its rendered sentence for people', () => {
    expect(file.version).toBe(EXPORT_VERSION)
    expect(file.events[1]?.reason).toBe(
      'same event id 101 as #1, delivered again 5 ms later (window 2000 ms)',
    )
    expect(file.events.every((event) => typeof event.reason === 'string')).toBe(true)
  })

  it('reads back the same facts', () => {
    const result = parseExport(serializeExport(file))
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.upgradedFrom).toBeUndefined()
    expect(result.file.events.map(({ reason: _, ...facts }) => facts)).toEqual(events)
  })

  it('rejects an event without a fact its kind always has, saying which', () => {
    const broken = JSON.parse(serializeExport(file)) as { events: Record<string, unknown>[] }
    delete broken.events[1]!.relatedSeq
    const result = parseExport(JSON.stringify(broken))
    expect(result.ok).toBe(false)
  })
})
