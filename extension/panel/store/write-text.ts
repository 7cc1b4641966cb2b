import type { WriteFacts } from '../../../bridge/writes/write-records'
import type { UnconfirmedCause } from '../../../src/types'
import { UNCONFIRMED_REASONS, UNCONFIRMED_STEPS } from '../../../src/describe-event'
import { formatDuration, plural } from './format'
import type { FollowedWrite, WireGuess } from './write-follow'

/**
 * The Writes tab's sentences, rendered from a followed write's facts: what the write was, what
 * came of it, and for a write whose change never came back, why and what to do next.
 */

const DOCTOR = 'select * from realtime_sync_doctor();'

/** `PATCH deals 7f3e…` / `POST rpc close_deal`: the write in a few words. */
export function writeTarget(write: WriteFacts): string {
  const target = write.fn === undefined ? (write.table ?? '?') : `rpc ${write.fn}()`
  const ids =
    write.ids.length === 0
      ? ''
      : ` ${write.ids.slice(0, 3).join(', ')}${write.ids.length > 3 || write.moreIds ? ` and ${plural(write.ids.length - 3, 'more')}` : ''}`
  return `${write.method} ${target}${ids}`
}

/** The response, as the page saw it: `204 in 42 ms, 1 row` / `403 42501: new row violates…`. */
export function writeResponse(write: WriteFacts): string {
  const status = write.status === 0 ? 'no response' : String(write.status)
  const rows = write.rows === undefined ? '' : `, ${plural(write.rows, 'row')}`
  const error =
    write.error === undefined
      ? ''
      : `: ${write.error.code === undefined ? '' : `${write.error.code} `}${write.error.message}`
  return `${status} in ${Math.round(write.durationMs)} ms${rows}${error}`
}

export interface WriteVerdict {
  /** One line for the list. */
  summary: string
  /** Why, in a sentence (a write whose change did not come back). */
  reason?: string
  /** The next step a user can follow: the advisor's check to run and what mends it. */
  step?: string
  tone: 'ok' | 'waiting' | 'fault'
}

export function writeVerdict(followed: FollowedWrite): WriteVerdict {
  const { outcome, write } = followed
  switch (outcome.state) {
    case 'failed':
      return {
        summary: 'failed: nothing was written, so no change comes back',
        reason: UNCONFIRMED_REASONS['write-failed'],
        step: failedStep(write),
        tone: 'fault',
      }
    case 'echoed':
      return {
        summary: `its change came back in ${formatDuration(outcome.echoMs)}${outcome.recordId === undefined ? '' : ` (${outcome.table} ${outcome.recordId})`}`,
        tone: 'ok',
      }
    case 'waiting':
      return {
        summary: `waiting for its change (${formatDuration(outcome.leftMs)} left of writeConfirmMs)`,
        tone: 'waiting',
      }
    case 'quiet-call':
      return {
        summary:
          'no change followed it within writeConfirmMs: a function may write no row (the page cannot see which it writes)',
        tone: 'waiting',
      }
    case 'unknown':
      return {
        summary:
          'no change of it among the frames held: the page keeps its newest frames, and older ones were let go',
        tone: 'waiting',
      }
    case 'unconfirmed': {
      if (outcome.engine !== undefined) {
        const { cause, seq } = outcome.engine
        return {
          summary: `no change came back: the engine says ${cause} (#${seq})`,
          reason: UNCONFIRMED_REASONS[cause],
          step: engineStep(cause, write.table),
          tone: 'fault',
        }
      }
      const table = write.table ?? 'the table'
      return {
        summary: `no change came back: likely ${outcome.guess}`,
        reason: GUESS_REASONS[outcome.guess](table),
        step: GUESS_STEPS[outcome.guess](table),
        tone: 'fault',
      }
    }
  }
}

/**
 * The engine's next step for a cause, with the table the write names in its fix: the engine's
 * sentence says `public.<table>`, the page's write knows which table it was.
 */
export function engineStep(cause: UnconfirmedCause, table: string | undefined): string {
  const step: string = UNCONFIRMED_STEPS[cause]
  return table === undefined ? step : step.replaceAll('<table>', table)
}

function failedStep(write: WriteFacts): string {
  const code = write.error?.code
  if (code === '42501') {
    return `A row-level security policy of ${write.table ?? 'the table'} refused this user (42501): see its insert and update policies; once the write succeeds, its change comes back.`
  }
  return write.status === 0
    ? 'The request got no response (the network, or the app aborted it): retry it; nothing reached the database.'
    : UNCONFIRMED_STEPS['write-failed']
}

const GUESS_REASONS: Record<WireGuess, (table: string) => string> = {
  'no-row-changed': (table) =>
    `the response says it changed no row: its filter matched nothing, or a row-level security policy of ${table} hid the row from this user (an update or delete that RLS filters out succeeds and changes nothing)`,
  'no-live-channel': () =>
    'no channel of the page was joined and open while it waited, so a change may have been sent while none listened',
  'table-not-tracked': (table) =>
    `changes of other tables arrive on the page's channels, never one of ${table}: ${table} is not tracked (no trigger writes its changes to realtime_table_events)`,
  'row-not-delivered': (table) =>
    `other rows of ${table} arrive, not this one: its row was traced to no organization (a junction table's route), or the write changed no row`,
  'nothing-arrives': () =>
    "no change at all has arrived on the page's channels: realtime_table_events is not in the supabase_realtime publication, or this user cannot read it (row-level security), or the table is not tracked",
}

const GUESS_STEPS: Record<WireGuess, (table: string) => string> = {
  'no-row-changed': (table) =>
    `Re-run the write with .select() to see which rows it returns, and check the update and delete policies of ${table} for this user.`,
  'no-live-channel': () =>
    "See the Socket tab: the organization's channel must be joined (reply ok) and stay open; the app subscribes to it once the user is known.",
  'table-not-tracked': (table) =>
    `Run ${DOCTOR} and see check table-tracked. The fix: select public.realtime_track_table('public.${table}');`,
  'row-not-delivered': () =>
    `Run ${DOCTOR} and see checks route-valid and untraceable-table (a junction table's route to its organization).`,
  'nothing-arrives': (table) =>
    `Run ${DOCTOR} and see checks events-in-publication (the fix: alter publication supabase_realtime add table public.realtime_table_events;), events-select-policy and table-tracked for ${table}.`,
}

/** The banner's count: writes whose change did not come back (failed ones included). */
export function unanswered(writes: readonly FollowedWrite[]): number {
  let n = 0
  for (const { outcome } of writes)
    if (outcome.state === 'failed' || outcome.state === 'unconfirmed') n++
  return n
}
