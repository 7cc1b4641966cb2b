/**
 * The sentences of the event contract: one function per kind turns an event's facts into the
 * words people read. The engine logs facts only; engine.print(limit, describeEvent), the panel
 * and the export all word them here, so a sentence can be reworded without breaking anything:
 * no code reads one.
 *
 * Its own package entry ('realtime-sync-devtools/describe'), so an app's bundle pays for the
 * words only when it prints them.
 */
import type { DataChanges } from './data-diff'
import { plural } from './plural'
import type {
  ChannelEvent,
  ChannelNoteFacts,
  DedupedEvent,
  EchoEvent,
  InvalidatedEvent,
  MalformedEvent,
  ReceivedEvent,
  RefetchedEvent,
  ResyncEvent,
  SyncEvent,
  UnconfirmedCause,
  UnconfirmedEvent,
} from './types'

/**
 * What the engine did with an event and why, as one sentence. An event from an older engine's
 * export carries the sentence that engine wrote (`reason`): shown as it was.
 */
export function describeEvent(event: SyncEvent): string {
  if (event.reason !== undefined) return event.reason
  switch (event.kind) {
    case 'received':
      return describeReceived(event)
    case 'deduped':
      return describeDuplicate(event)
    case 'echo':
      return describeEcho(event)
    case 'invalidated':
      return describePass(event)
    case 'resync':
      return describeResync(event)
    case 'malformed':
      return describeMalformed(event)
    case 'channel':
      return describeChannel(event)
    case 'write':
      return `this tab wrote ${event.table}/${event.recordId} (markLocalWrite): its echo is dropped`
    case 'refetched':
      return describeRefetch(event)
    case 'unconfirmed':
      return describeUnconfirmed(event)
  }
}

/** Why a write never came back, and the next step, in words a user can follow. */
export function describeUnconfirmed(event: UnconfirmedEvent): string {
  const write = `this tab's write of ${rowOf(event)} (#${event.relatedSeq}) came back as no change event within ${seconds(event.ageMs)}`
  return `${write}: ${UNCONFIRMED_REASONS[event.cause]}${event.error === undefined ? '' : ` (${event.error})`}. ${UNCONFIRMED_STEPS[event.cause]}`
}

/** What each cause means. */
export const UNCONFIRMED_REASONS = {
  'write-failed': 'the write failed, so there was nothing to deliver',
  'no-live-channel':
    "no channel of the user's organizations was live the whole time, so a change may have been sent while none listened",
  'events-unreadable':
    'reading realtime_table_events as this user was refused, so Realtime, which applies the same row-level security, cannot deliver its rows either',
  'not-delivered':
    'realtime_table_events holds its row (the trigger works) but Realtime did not deliver it; the engine replayed the row, so the screen is up to date',
  'no-event-row':
    'realtime_table_events holds no row for it: the table is not tracked, or its row was traced to no organization',
} as const satisfies Record<UnconfirmedCause, string>

/** The next step for each cause: the advisor's check to run and what mends it. */
export const UNCONFIRMED_STEPS = {
  'write-failed':
    "See the mutation's error (often a row-level security policy on the table); once it succeeds, its change comes back.",
  'no-live-channel':
    'See the Channels tab: the channel must be SUBSCRIBED and live. The engine replays what was missed once it is.',
  'events-unreadable':
    'Run select * from realtime_sync_doctor(); as service_role: check events-select-policy (members must be able to read realtime_table_events), and is_organization_member() for this user.',
  'not-delivered':
    'Run select * from realtime_sync_doctor();: check events-in-publication (alter publication supabase_realtime add table public.realtime_table_events;), and, in broadcast mode, broadcast-policies.',
  'no-event-row':
    "Run select * from realtime_sync_doctor();: check table-tracked for this table (select public.realtime_track_table('public.<table>');), route-valid and untraceable-table for a junction table.",
} as const satisfies Record<UnconfirmedCause, string>

function rowOf(event: { table: string; recordId: string }): string {
  return `${event.table}/${event.recordId}`
}

export function describeReceived(event: ReceivedEvent): string {
  const what = `${event.replayed ? 'replayed' : 'received'} ${event.op} ${rowOf(event)}: queued for the next invalidation batch`
  if (event.match !== 'other-actor') return what
  return `${what}; not an echo: this tab wrote ${rowOf(event)} ${event.ageMs ?? '?'} ms earlier (#${event.relatedSeq ?? '?'}), but the actor is ${event.actorId ?? 'not a signed-in user'}, not the current user`
}

export function describeDuplicate(event: DedupedEvent): string {
  const { relatedSeq, ageMs, windowMs } = event
  switch (event.match) {
    case 'same-row':
      return `row rule (dedupBy: 'row'): ${rowOf(event)} already changed ${ageMs} ms earlier (#${relatedSeq}), inside the ${windowMs} ms window`
    case 'event-id':
      return `same event id ${event.eventId ?? '?'} as #${relatedSeq}, delivered again ${ageMs} ms later (window ${windowMs} ms)`
    default:
      return `same table, record, commit time and operation as #${relatedSeq}, ${ageMs} ms earlier (no event id; window ${windowMs} ms)`
  }
}

export function describeEcho(event: EchoEvent): string {
  const wrote = `this tab wrote ${rowOf(event)} ${event.ageMs} ms earlier (#${event.relatedSeq})`
  return event.match === 'no-actor-column'
    ? `${wrote}; no actor_id column, so the row rule applies`
    : `${wrote} and the actor is the current user`
}

export function describePass(event: InvalidatedEvent): string {
  const result = `${plural(event.matchedKeys.length, 'query', 'queries')} invalidated, ${plural(event.markedStale, 'inactive one', 'inactive ones')} only marked stale`
  switch (event.trigger) {
    case 'write':
      return `refresh after this tab's write of ${listRows(event.writes ?? [])} → ${result}`
    case 'manual':
      return `manual: invalidateGlobal('${event.table ?? '?'}') → ${result}`
    case 'batch': {
      const causes = `${plural(event.causes.length, 'event')} coalesced`
      return event.leading
        ? `batch #${event.batchId}, flushed at once (no pass in the last ${event.batchMs ?? '?'} ms): ${causes} → ${result}`
        : `batch #${event.batchId}: ${causes} → ${result}`
    }
  }
}

/** "deals/d1", "deals/d1, contacts/c2", "deals/d1, deals/d2, deals/d3 and 7 more". */
export function listRows(rows: readonly (readonly [string, string])[]): string {
  const shown = rows
    .slice(0, 3)
    .map(([table, id]) => `${table}/${id}`)
    .join(', ')
  return rows.length > 3 ? `${shown} and ${rows.length - 3} more` : shown
}

/** "during a 12.0 s gap", or the first subscription's window. */
export function describeGap(event: ResyncEvent): string {
  return event.first
    ? `since the oldest loaded data of ${event.orgId} (${seconds(event.gapMs)} before the channel was live)`
    : `during a ${seconds(event.gapMs)} gap`
}

export function describeResync(event: ResyncEvent): string {
  const topic = event.channel.topic
  const gap = describeGap(event)
  if (event.fallback !== undefined || event.replayed !== true) {
    return `${topic} live: changes made ${gap} cannot be replayed (${describeFallback(event)}), so every query of ${event.orgId} is refetched`
  }
  const reread = event.rereadCount
    ? ` (${plural(event.rereadCount, 'event')} re-read and already seen)`
    : ''
  const count = event.replayedCount ?? 0
  if (count === 0) return `${topic} live: nothing was missed ${gap}: 0 refetches${reread}`
  const ids =
    event.firstId === event.lastId ? `id ${event.firstId}` : `ids ${event.firstId}–${event.lastId}`
  return `${topic} live: replayed ${plural(count, 'event')} (${ids}) missed ${gap}${reread}`
}

export function describeFallback(event: ResyncEvent): string {
  switch (event.fallback) {
    case 'replay-off':
      return 'replay is off (replay: false)'
    case 'no-reader':
      return 'the supabase client cannot read realtime_table_events (no from())'
    case 'past-retention':
      return `it reaches past the ${seconds(event.retentionMs ?? 0)} that realtime_table_events keeps`
    case 'read-failed':
      return `reading realtime_table_events failed: ${event.error ?? 'no error given'}`
    case 'over-max-replay':
      return `more than maxReplay (${event.maxReplay ?? '?'}) events were missed`
    default:
      return 'the engine did not say why'
  }
}

const MALFORMED_INPUT_NAMES = {
  change: 'a delivered change',
  broadcast: 'a broadcast message',
  'subscribe-status': 'a subscribe status',
  'system-message': 'a system message',
} as const

/** What each part a malformed value is checked for should hold. */
const EXPECTED: Readonly<Record<string, string>> = {
  payload: 'an object',
  new: 'a realtime_table_events row',
  table_name: 'a table name',
  event_type: 'INSERT, UPDATE or DELETE',
  organization_id: 'a string',
  record_id: 'an id',
  id: 'an id',
  actor_id: 'a user id or null',
  message: 'an object',
  status: 'a string',
}

export function describeMalformed(event: MalformedEvent): string {
  const input = event.replayed ? 'a replayed row' : MALFORMED_INPUT_NAMES[event.input]
  switch (event.problem) {
    case 'engine-error':
      return `the engine failed on ${input}: ${event.error ?? 'no error given'}`
    case 'wrong-organization':
      return `${input} of another organization arrived on the channel of ${event.orgId ?? '?'}`
    case 'invalid-value': {
      const field = event.field ?? 'the value'
      const found = event.found === undefined ? 'not usable' : `${article(event.found)}`
      return `${input}: ${field} is ${found}, expected ${EXPECTED[field] ?? 'another value'}`
    }
  }
}

function article(type: string): string {
  if (type === 'null' || type === 'undefined') return type
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`
}

export function describeChannel(event: ChannelEvent): string {
  const note = describeChannelNote(event, event.channel.topic)
  return note === undefined
    ? `${event.channel.topic} ${event.channel.status}`
    : `${event.channel.topic} ${event.channel.status}: ${note}`
}

/** A channel's note (its event's facts, or a ChannelState's lastNote) as a sentence. */
export function describeChannelNote(facts: ChannelNoteFacts, topic: string): string | undefined {
  const { error, delayMs, waitedMs } = facts
  switch (facts.note) {
    case 'live':
      return waitedMs === undefined
        ? 'live: changes are delivered from here on'
        : `live ${waitedMs} ms after SUBSCRIBED: changes are delivered from here on`
    case 'live-unconfirmed':
      return `no "Subscribed to PostgreSQL" from the server within ${seconds(waitedMs ?? 0)} of SUBSCRIBED: treated as live`
    case 'replication-failed':
      return `the server could not subscribe to PostgreSQL: ${error ?? 'no message'}`
    case 'topic-taken':
      return `this supabase client already has a channel on ${topic} that the engine did not create (the app's own realtime hook?): supabase-js would hand that channel to the engine, so it does not join. Remove the app's own subscription to ${topic}; looking again in ${delayMs ?? '?'} ms`
    case 'unknown-status':
      return `supabase-js reported an unknown status ${error ?? ''}`
    case 'subscribe-failed':
      return `could not subscribe ${topic}: ${error ?? 'no error given'}`
    case 'closed-by-server':
      return `the server closed the channel${error === undefined ? '' : ` (${error})`}: rejoining in ${delayMs ?? '?'} ms with a fresh token from setAuth()`
    case 'auth-failed':
      return `supabase.realtime.setAuth() failed, retrying in ${delayMs ?? '?'} ms: ${error ?? 'no error given'}`
    case undefined:
      return error
  }
}

export function describeRefetch(event: RefetchedEvent): string {
  const { outcome, durationMs, dataChanged, error, changes } = event
  const changed =
    outcome === 'success'
      ? dataChanged
        ? `, data changed${changes === undefined ? '' : `: ${describeChanges(changes)}`}`
        : ', identical data'
      : ''
  return `${JSON.stringify(event.queryKey)} ${outcome} in ${Math.round(durationMs)} ms${changed}${error ? `: ${error}` : ''}`
}

/** What a refetch changed, one line each: `title: "Big deal" → "Bigger deal"`, `+ row d3`. */
export function changeLines(changes: DataChanges): string[] {
  const lines = changes.paths.map(
    ({ path, before, after }) =>
      `${path || '(the data)'}: ${before ?? '(absent)'} → ${after ?? '(absent)'}`,
  )
  if (changes.morePaths) lines.push(`and ${plural(changes.morePaths, 'more changed value')}`)
  for (const id of changes.added ?? []) lines.push(`+ row ${id}`)
  for (const id of changes.removed ?? []) lines.push(`− row ${id}`)
  if (changes.moreRows) lines.push(`and ${plural(changes.moreRows, 'more row')} added or removed`)
  if (changes.reordered) lines.push('rows in a new order')
  if (changes.truncated) lines.push('(a large change: not all of it was compared)')
  return lines
}

/** The first few changes in one line, for a sentence. */
export function describeChanges(changes: DataChanges): string {
  const lines = changeLines(changes)
  return lines.length <= 3
    ? lines.join('; ')
    : `${lines.slice(0, 2).join('; ')}; and ${lines.length - 2} more`
}

/** "12.0 s", "5.0 min", "24 h". */
export function seconds(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)} min`
  return `${(ms / 1000).toFixed(1)} s`
}
