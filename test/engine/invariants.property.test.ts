import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SyncPipeline } from '../../src/sync-pipeline'
import { testConfig } from '../support/engine-config'
import { changePayload } from '../support/events'
import { ManualScheduler } from '../support/manual-scheduler'
import { createQueryWorld } from '../support/query-world'

const TABLES = ['deals', 'contacts', 'deal_contacts'] as const
const IDS = ['1', '2', '3', '4', '5'] as const
const ME = 'user-alice'

const queryKeyArb = fc.oneof(
  fc.constantFrom(...TABLES).map((t) => [t, 'list'] as unknown[]),
  fc
    .tuple(fc.constantFrom(...TABLES), fc.integer({ min: 0, max: 3 }))
    .map(([t, p]) => [t, 'list', { page: p }]),
  fc.constantFrom(...TABLES).map((t) => [t] as unknown[]),
  fc.constantFrom(...TABLES).map((t) => [t, 'stats'] as unknown[]),
  fc.tuple(fc.constantFrom(...TABLES), fc.constantFrom(...IDS)).map(([t, id]) => [t, 'record', id]),
  fc
    .tuple(fc.constantFrom(...TABLES), fc.constantFrom(...IDS))
    .map(([t, id]) => [t, 'record', Number(id)]),
)

const changeArb = fc.record({
  table: fc.constantFrom(...TABLES),
  recordId: fc.constantFrom(...IDS),
  gapMs: fc.integer({ min: 0, max: 400 }),
  actor: fc.constantFrom(ME, 'user-bob', null),
})

function pipelineWith(world: ReturnType<typeof createQueryWorld>, scheduler: ManualScheduler) {
  return new SyncPipeline({
    queryClient: world.queryClient,
    scheduler,
    userId: ME,
    config: testConfig(),
    globalTables: new Set(),
    isOrganizationQuery: () => true,
  })
}

function matches(key: unknown[], table: string, recordId: string): boolean {
  if (key[0] !== table) return false
  return key[1] !== 'record' || key.length < 3 || String(key[2]) === recordId
}

describe('invariants (property-based)', () => {
  it('after a flush, every query a change matches is invalidated, and no record query of another id is', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(queryKeyArb, { selector: (k) => JSON.stringify(k), maxLength: 25 }),
        fc.array(changeArb, { maxLength: 30 }),
        (keys, changes) => {
          const scheduler = new ManualScheduler()
          const world = createQueryWorld()
          const pipeline = pipelineWith(world, scheduler)
          for (const key of keys) world.cached(key)
          for (const change of changes) {
            pipeline.receive(
              'org_acme',
              changePayload({
                table_name: change.table,
                record_id: change.recordId,
                actor_id: change.actor,
              }),
            )
            scheduler.advance(change.gapMs)
          }
          scheduler.advance(200)
          for (const key of keys) {
            const expected = changes.some((c) => matches(key, c.table, c.recordId))
            expect(world.isStale(key), JSON.stringify(key)).toBe(expected)
          }
          pipeline.stop()
          world.dispose()
        },
      ),
      { numRuns: 200 },
    )
  })

  it('a change with a new identity is never dropped; a redelivery within the window always is', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ redeliver: fc.boolean(), gapMs: fc.integer({ min: 0, max: 50 }) }), {
          maxLength: 40,
        }),
        (steps) => {
          const scheduler = new ManualScheduler()
          const world = createQueryWorld()
          const pipeline = pipelineWith(world, scheduler)
          const delivered: ReturnType<typeof changePayload>[] = []
          let expectedDeduped = 0
          for (const step of steps) {
            // Every step happens within 40 × 50 ms = 2 s of the first: inside the dedup window.
            const previous = delivered.at(-1)
            if (step.redeliver && previous) {
              pipeline.receive('org_acme', previous)
              expectedDeduped++
            } else {
              const payload = changePayload({ record_id: '1' })
              delivered.push(payload)
              pipeline.receive('org_acme', payload)
            }
            scheduler.advance(Math.min(step.gapMs, 1_999 / Math.max(1, steps.length)))
          }
          const kinds = pipeline.log.read().map((e) => e.kind)
          expect(kinds.filter((k) => k === 'deduped')).toHaveLength(expectedDeduped)
          expect(kinds.filter((k) => k === 'received')).toHaveLength(delivered.length)
          pipeline.stop()
          world.dispose()
        },
      ),
      { numRuns: 200 },
    )
  })

  it("a teammate's change is never dropped as an echo, whatever this tab wrote", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...IDS), { maxLength: 10 }),
        fc.array(changeArb, { maxLength: 20 }),
        (written, changes) => {
          const scheduler = new ManualScheduler()
          const world = createQueryWorld()
          const pipeline = pipelineWith(world, scheduler)
          for (const id of written) pipeline.markLocalWrite('deals', id)
          for (const [i, change] of changes.entries()) {
            const event = pipeline.ingest({
              orgId: 'org_acme',
              table: change.table,
              op: 'UPDATE',
              recordId: change.recordId,
              eventId: undefined,
              actorId: change.actor,
              commitTimestamp: `2026-11-23T12:00:00.${String(i).padStart(3, '0')}Z`,
              row: {},
            })
            const mine =
              change.actor === ME && change.table === 'deals' && written.includes(change.recordId)
            expect(event.kind).toBe(mine ? 'echo' : 'received')
          }
          pipeline.stop()
          world.dispose()
        },
      ),
      { numRuns: 200 },
    )
  })
})
