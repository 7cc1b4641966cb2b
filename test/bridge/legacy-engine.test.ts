/**
 * An app still on the 0.2.0 package: its engine logs events in the old form (a sentence in
 * `reason`, a change's keys set on it at flush). The page bridge, which the extension injects,
 * upgrades them as it streams, so the new panel accepts every one and explains it from facts.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startPageBridge } from '../../bridge/page-bridge'
import { envelope, parseEventBatch, type ToPage, type ToPanel } from '../../bridge/protocol'
import { type DevtoolsEngine, registerEngine } from '../../src/devtools-registry'
import { describeEvent } from '../../src/describe-event'
import type { SyncEvent } from '../../src/types'
import { FakeWindow } from '../support/fake-ports'
import { ManualScheduler } from '../support/manual-scheduler'

const stops: (() => unknown)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})

/** The events a 0.2.0 engine logged (the v3 export fixture was written from one). */
const OLD_EVENTS = (
  JSON.parse(
    readFileSync(path.join(import.meta.dirname, '../fixtures/export-v3.json'), 'utf8'),
  ) as { events: Record<string, unknown>[] }
).events

/** A registered engine of 0.2.0: the facade as that version had it, serving old events. */
function oldEngine(): DevtoolsEngine {
  const events = OLD_EVENTS as unknown as SyncEvent[]
  const lastSeq = events.length
  return {
    id: 'crm#1',
    name: 'crm',
    version: '0.2.0',
    getConfig: () => ({
      dedupWindowMs: 2000,
      echoWindowMs: 3000,
      batchMs: 200,
      bufferSize: 10_000,
      writeConfirmMs: 0,
      dedupBy: 'event',
      batchMode: 'trailing',
    }),
    setOption: () => {
      throw new Error('not in this test')
    },
    readEvents: (since = 0) => ({
      events: events.filter((event) => event.seq > since),
      dropped: 0,
      lastSeq,
    }),
    getMetrics: () => [],
    getChannels: () => [],
    subscribe: () => () => {},
    subscribeEvents: () => () => {},
    clear: () => {},
    print: () => {},
  }
}

describe('an engine of 0.2.0 on the page', () => {
  it('streams its events upgraded to the typed contract: every one accepted, facts filled', () => {
    const page = new FakeWindow()
    const host = {}
    const bridge = startPageBridge({
      window: page,
      host,
      scheduler: new ManualScheduler(),
      session: 'load-1',
      warn: () => {},
    })
    stops.push(() => bridge.stop())
    stops.push(registerEngine(oldEngine(), host))
    page.postMessage(envelope('to-page', { type: 'connect', since: {} } satisfies ToPage))

    const batches = page.posted
      .map((m) => (m as { direction: string; message: ToPanel }).message)
      .filter((m): m is Extract<ToPanel, { type: 'events' }> => m.type === 'events')
    const parsed = batches.map((batch) => parseEventBatch(batch.data))
    expect(parsed.map((p) => p.rejected)).toEqual(batches.map(() => 0))
    const events = parsed.flatMap((p) => p.events)
    expect(events.map((e) => e.seq)).toEqual(OLD_EVENTS.map((e) => e.seq))

    const duplicate = events.find((e) => e.seq === 4)
    expect(duplicate).toMatchObject({ kind: 'deduped', relatedSeq: 2, ageMs: 5, match: 'event-id' })
    // Its engine's own sentence, as it wrote it.
    expect(describeEvent(duplicate!)).toBe(
      'same event id 101 as #2, delivered again 5 ms later (window 2000 ms)',
    )
    const pass = events.find((e) => e.seq === 13)
    expect(pass?.kind).toBe('invalidated')
    if (pass?.kind !== 'invalidated') return
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
    // A logged change no longer carries its pass's keys.
    expect(events.find((e) => e.seq === 2)).not.toHaveProperty('matchedKeys')
  })
})
