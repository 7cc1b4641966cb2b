// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SIMULATION_LIMITS } from '../../src/simulate'
import type { SyncEvent } from '../../src/types'
import { fakeEngineFile, ORG } from '../support/fake-engine'
import { settle } from '../support/fake-supabase'
import { cleanup, renderPanel, stubLayout } from './support/panel-harness'

/** The Config tab's "What if" section, on a log the real engine recorded. */
const setup = fakeEngineFile()

let restoreLayout: () => void
beforeEach(() => {
  restoreLayout = stubLayout()
})
afterEach(() => {
  cleanup()
  restoreLayout()
})

/** Three changes each delivered twice 1 s apart: the default 2 s window dropped the second. */
async function recordedSession() {
  const t = setup()
  t.world.active(['deals', 'list'])
  t.world.active(['deals', 'record', 'd1'])
  await settle()
  await t.goLive()
  for (const id of ['d1', 'd2', 'd3']) {
    const row = t.supabase.commit(
      { organization_id: ORG, record_id: id, actor_id: 'user-bob' },
      { createdAt: t.iso() },
    )
    t.advance(1_000)
    t.supabase.channelFor(ORG).deliver({
      schema: 'public',
      table: 'realtime_table_events',
      eventType: 'INSERT',
      commit_timestamp: row.created_at,
      new: { ...row },
      old: {},
      errors: null,
    })
    t.advance(3_000)
  }
  await settle()
  return { events: t.sync.getEvents(), config: t.sync.getConfig() }
}

async function panelOnSession() {
  const { events, config } = await recordedSession()
  const panel = renderPanel()
  panel.page((t) => {
    t.pageRequested()
    t.connectReply('S1', events, { config: { ...config, recordScopes: ['record'] } })
  })
  fireEvent.click(screen.getByRole('tab', { name: 'Config' }))
  return { ...panel, events }
}

/** Types the settings, runs the simulation and waits for its result. */
async function simulateWith(values: Record<string, string>) {
  for (const [name, value] of Object.entries(values)) {
    fireEvent.change(screen.getByLabelText(`Simulated ${name}`), { target: { value } })
  }
  fireEvent.click(screen.getByRole('button', { name: 'Simulate' }))
  expect(screen.getByText('simulating…')).toBeTruthy()
  await waitFor(() => expect(screen.queryByText('simulating…')).toBeNull())
}

const cell = (label: string) => screen.getByLabelText(label).textContent

describe('What if the settings were different?', () => {
  it('shows recorded and simulated side by side, the events that change, and its limits', async () => {
    const { events } = await panelOnSession()
    expect(screen.getByLabelText('Simulated dedupWindowMs').getAttribute('placeholder')).toBe(
      '2000',
    )
    await simulateWith({ dedupWindowMs: '500' })
    expect(screen.getByText(/^6 changes of \d+ events replayed, as held at/)).toBeTruthy()
    expect([cell('Received recorded'), cell('Received simulated')]).toEqual(['6', '6'])
    expect([cell('Deduped recorded'), cell('Deduped simulated')]).toEqual(['3', '0'])
    expect([cell('Processed recorded'), cell('Processed simulated')]).toEqual(['3', '6'])
    expect([cell('Passes recorded'), cell('Passes simulated')]).toEqual(['3', '6'])
    const duplicates = events.filter(
      (e): e is Extract<SyncEvent, { kind: 'deduped' }> => e.kind === 'deduped',
    )
    const changes = within(
      screen.getByRole('list', { name: 'Events whose verdict would change' }),
    ).getAllByRole('listitem')
    expect(changes.map((item) => item.textContent)).toEqual(
      duplicates.map((e, i) =>
        expect.stringMatching(
          new RegExp(
            `^#${e.seq} deals d${i + 1}: deduped → received \\(would be processed, in simulated pass \\d+\\)$`,
          ),
        ),
      ),
    )
    const limits = within(
      screen.getByRole('list', { name: 'What the simulation cannot know' }),
    ).getAllByRole('listitem')
    expect(limits.map((item) => item.textContent)).toContain(SIMULATION_LIMITS.unknowable)
  })

  it('says when nothing would change, and merged passes', async () => {
    await panelOnSession()
    await simulateWith({})
    expect(
      screen.getByText('No event’s verdict or pass would change.'.replace('’', "'")),
    ).toBeTruthy()
    await simulateWith({ batchMs: '10000', batchMode: 'trailing' })
    expect(cell('Passes simulated')).toBe('1')
    expect(
      within(screen.getByRole('list', { name: 'Passes that would merge' })).getByText(
        /^Simulated pass 1 serves what recorded passes #\d+, #\d+, #\d+ served \(3 changes, 2 keys\)$/,
      ),
    ).toBeTruthy()
  })

  it('refuses a setting the engine refuses, with its sentence', async () => {
    await panelOnSession()
    await simulateWith({ dedupWindowMs: '700000' })
    expect(screen.getByRole('alert').textContent).toBe(
      'dedupWindowMs must be a whole number from 0 to 600,000 (got 700000)',
    )
  })

  it('runs on an imported file', async () => {
    const { store } = await panelOnSession()
    const exported = store.exportLog()!
    act(() => {
      store.importText('session.json', exported.text)
    })
    await simulateWith({ dedupWindowMs: '500' })
    expect(
      screen.getByText(/^6 changes of \d+ events replayed from the imported file\.$/),
    ).toBeTruthy()
    expect(cell('Deduped simulated')).toBe('0')
  })
})
