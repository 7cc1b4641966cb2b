/**
 * The decision trail: what the engine did with one event, as plain sentences, derived from the
 * event and its neighbours in the log (the invalidation pass that served it, the event it
 * duplicates, the write it echoes). Pure: the store hands in lookups.
 *
 * A streamed 'received' event carries no batchId / matchedKeys (they are set at flush, after it
 * was sent); the later 'invalidated' event lists it in `causes`, and its own keys are the pass's
 * keys that the change matches by the engine's rule (src/query-keys.ts classifyQueryKey): a key
 * of its table, and record keys only for its record id. Which keys are record keys is the
 * engine's `recordScopes` (its config; ['record'] when the engine does not say).
 */
import { classifyQueryKey, DEFAULT_RECORD_SCOPES } from '../../../src/query-keys'
import type { SyncEvent } from '../../../src/types'
import { formatKey, formatMs, formatTime, plural } from './format'
import type { EventRow } from './rows'

export type TrailTone = 'info' | 'pass' | 'drop' | 'batch' | 'keys' | 'warn'

export interface TrailLink {
  seq: number
  label: string
}

export interface TrailStep {
  tone: TrailTone
  title: string
  /** The sentence. */
  text: string
  /** A second line: the engine's own reason, a hint. */
  detail?: string
  links?: TrailLink[]
  /** Links not listed (too many). */
  moreLinks?: number
  keys?: readonly unknown[][]
  /** One sentence per item (each refetch of a pass), linked to its event when it has one. */
  lines?: TrailLine[]
}

export interface TrailLine {
  text: string
  seq?: number
}

export interface TrailContext {
  /** The row of `seq` in the same page session, if the panel still holds it. */
  find(seq: number): EventRow | undefined
  /** Echo rows pointing back at the write `seq`. */
  echoesOf(seq: number): EventRow[]
  /** The 'refetched' rows of the pass `batchId`, in the order they settled. */
  refetchesOf(batchId: number): EventRow[]
  /** The engine's record scopes (its config's `recordScopes`). */
  recordScopes?: readonly string[]
}

const MAX_LINKS = 50

/** The query keys a change (or resync) of `cause` matched among an invalidation pass's keys. */
export function keysForCause(
  cause: SyncEvent,
  passKeys: readonly unknown[][],
  recordScopes: readonly string[] = DEFAULT_RECORD_SCOPES,
): unknown[][] {
  // A resync refetches every organization query: all of the pass.
  if (cause.kind === 'resync' || cause.table === undefined) return [...passKeys]
  const out: unknown[][] = []
  for (const key of passKeys) {
    const target = classifyQueryKey(key, recordScopes)
    if (target === undefined || target.table !== cause.table) continue
    if (target.recordId !== undefined && target.recordId !== cause.recordId) continue
    out.push(key)
  }
  return out
}

/** Derived keys per row (the log's verdict column asks every frame). */
const derivedKeys = new WeakMap<
  EventRow,
  { pass: EventRow; scopes: readonly string[]; keys: unknown[][] }
>()

/**
 * The keys an event invalidated, when known: its own (set at flush) or derived from its pass,
 * by the engine's `recordScopes`.
 */
export function matchedKeysOf(
  row: EventRow,
  recordScopes: readonly string[] = DEFAULT_RECORD_SCOPES,
): unknown[][] | undefined {
  const { event } = row
  if (event.kind === 'invalidated') return event.matchedKeys ?? []
  if (event.matchedKeys !== undefined) return event.matchedKeys
  const pass = row.servedBy
  if (pass === undefined) return undefined
  const cached = derivedKeys.get(row)
  if (cached?.pass === pass && cached.scopes === recordScopes) return cached.keys
  const keys = keysForCause(event, pass.event.matchedKeys ?? [], recordScopes)
  derivedKeys.set(row, { pass, scopes: recordScopes, keys })
  return keys
}

/**
 * The rows of the refresh after this tab's write settled ("deals/d1 and contacts/c2"), when the
 * pass is one (the engine's words, SyncPipeline.refreshWrites); undefined otherwise.
 */
export function refreshedWrites(event: SyncEvent): string | undefined {
  if (event.kind !== 'invalidated' || event.causes?.length !== 0) return undefined
  const match = /^refresh after this tab's write of (.+?)(?: → |$)/.exec(event.reason ?? '')
  return match?.[1]
}

/** A replay that found nothing missed: it serves no pass (the engine's words, src/catch-up.ts). */
function replayedNothing(event: SyncEvent): boolean {
  return event.batchId === undefined && event.reason?.includes('nothing was missed') === true
}

function batchIdOf(row: EventRow): number | undefined {
  return row.servedBy?.event.batchId ?? row.event.batchId
}

function rowName(event: SyncEvent): string {
  if (event.table !== undefined && event.recordId !== undefined)
    return `${event.table}/${event.recordId}`
  return event.table ?? event.orgId ?? event.kind
}

/** The short verdict of the log's last column; `recordScopes`: the engine's. */
export function verdict(row: EventRow, recordScopes?: readonly string[]): string {
  const { event } = row
  switch (event.kind) {
    case 'received': {
      const batch = batchIdOf(row)
      const keys = matchedKeysOf(row, recordScopes)
      const replayed = event.replayed === true ? 'replayed: ' : ''
      if (batch === undefined || keys === undefined) return `${replayed}queued for the next batch`
      return keys.length === 0
        ? `${replayed}batch #${batch} → no query matched`
        : `${replayed}batch #${batch} → ${plural(keys.length, 'key')}`
    }
    case 'deduped':
      return event.relatedSeq === undefined
        ? 'duplicate: dropped'
        : `duplicate of #${event.relatedSeq}`
    case 'echo':
      return event.relatedSeq === undefined
        ? 'echo: dropped'
        : `echo of this tab's write #${event.relatedSeq}`
    case 'invalidated': {
      const keys = event.matchedKeys?.length ?? 0
      const causes = event.causes?.length ?? 0
      const label = event.batchId === undefined ? 'invalidation' : `batch #${event.batchId}`
      if (causes === 0) {
        const what = refreshedWrites(event) === undefined ? 'manual' : "this tab's write"
        return `${label}: ${what} → ${plural(keys, 'key')}`
      }
      return `${label}: ${plural(causes, 'event')} → ${plural(keys, 'key')}`
    }
    case 'resync': {
      const keys = matchedKeysOf(row, recordScopes)
      const org = event.orgId ?? 'organization'
      if (event.replayed === true) {
        if (keys !== undefined) return `resync: ${org} replayed → ${plural(keys.length, 'key')}`
        return replayedNothing(event)
          ? `resync: ${org}, nothing missed → 0 refetches`
          : `resync: ${org} replaying`
      }
      return keys === undefined
        ? `resync: refetch every ${org} query`
        : `resync: ${org} → ${plural(keys.length, 'key')}`
    }
    case 'malformed':
      return `malformed: ${event.reason ?? 'unusable payload'}`
    case 'channel': {
      const status = event.channel?.status ?? 'status changed'
      const topic = event.channel?.topic ?? event.orgId ?? 'channel'
      return event.reason ? `${topic} ${status}: ${event.reason}` : `${topic} ${status}`
    }
    case 'write':
      return `this tab wrote ${rowName(event)} (echo guard)`
    case 'refetched':
      return `${formatKey(event.queryKey ?? [])} ${refetchVerdict(event)}`
  }
}

/** How a refetch ended, as the end of a sentence: "in 38 ms: data changed, 2 observers". */
function refetchVerdict(event: SyncEvent): string {
  const took = formatMs(event.durationMs ?? Number.NaN)
  switch (event.outcome) {
    case 'success':
      return event.dataChanged === false
        ? `in ${took}: returned identical data, nothing on screen changed`
        : `in ${took}: data changed, ${plural(event.observers ?? 0, 'observer')}`
    case 'error':
      return `failed after ${took}: ${event.error ?? 'unknown error'}`
    case 'cancelled':
      return `cancelled after ${took}: a later fetch of the query replaced it`
    default:
      return `settled after ${took}`
  }
}

/** The last step of a pass (or of one change in it): what each refetch led to on screen. */
function refetchStep(
  pass: SyncEvent,
  context: TrailContext,
  keys: readonly unknown[][],
): TrailStep | undefined {
  if (pass.batchId === undefined) return undefined
  const wanted = new Set(keys.map((key) => formatKey(key)))
  const rows = context
    .refetchesOf(pass.batchId)
    .filter((row) => wanted.has(formatKey(row.event.queryKey ?? [])))
  const expected =
    pass.markedStale === undefined
      ? undefined
      : Math.max(0, (pass.matchedKeys?.length ?? 0) - pass.markedStale)
  const stale = pass.markedStale ?? 0
  const staleText =
    stale > 0 && pass.kind === 'invalidated'
      ? ` ${plural(stale, 'query', 'queries')} only marked stale: not on screen, they refetch when next used.`
      : ''
  if (rows.length === 0) {
    if (expected === 0 || (expected === undefined && pass.markedStale === undefined)) {
      return expected === 0 && keys.length > 0
        ? {
            tone: 'info',
            title: 'Not refetched',
            text: `No query of the pass was on screen (no active observer), so none was refetched.${staleText}`,
          }
        : undefined
    }
    return {
      tone: 'info',
      title: 'Refetching',
      text: `The refetch has not settled yet (or its event is not in the panel).${staleText}`,
    }
  }
  const changed = rows.filter((r) => r.event.outcome === 'success' && r.event.dataChanged !== false)
  const failed = rows.filter((r) => r.event.outcome === 'error')
  const identical = rows.filter(
    (r) => r.event.outcome === 'success' && r.event.dataChanged === false,
  )
  const parts: string[] = []
  if (changed.length > 0) parts.push(`${changed.length} changed data on screen`)
  if (identical.length > 0) parts.push(`${identical.length} returned identical data`)
  if (failed.length > 0) parts.push(`${failed.length} failed`)
  const cancelled = rows.length - changed.length - identical.length - failed.length
  if (cancelled > 0) parts.push(`${cancelled} cancelled by a later fetch`)
  return {
    tone: failed.length > 0 || changed.length === 0 ? 'warn' : 'pass',
    title: 'Refetched',
    text: `${plural(rows.length, 'refetch', 'refetches')}: ${parts.join(', ')}.${staleText}`,
    lines: rows.slice(0, MAX_LINKS).map((row) => ({
      text: `Refetched ${formatKey(row.event.queryKey ?? [])} ${refetchVerdict(row.event)}`,
      seq: row.event.seq,
    })),
    moreLinks: rows.length > MAX_LINKS ? rows.length - MAX_LINKS : undefined,
  }
}

export function decisionTrail(row: EventRow, context: TrailContext): TrailStep[] {
  const { event } = row
  switch (event.kind) {
    case 'received':
      return [arrival(event), passed(event), ...batchAndKeys(row, context)]
    case 'deduped':
      return [arrival(event), ...duplicate(row, context)]
    case 'echo':
      return [arrival(event), ...echo(row, context)]
    case 'invalidated':
      return invalidationPass(row, context)
    case 'resync': {
      const topic = event.channel?.topic ?? `org:${event.orgId ?? '?'}`
      if (event.replayed === true) {
        const step: TrailStep = {
          tone: 'info',
          title: 'Replay',
          text: `${topic} was live at ${formatTime(event.at)}. Realtime does not resend what a channel missed (before its first subscription, or during a gap), so the engine read those changes back from realtime_table_events and sent them through the same rules (dedup, echo, batching): only the queries they touch refetch.`,
          detail: event.reason,
        }
        return replayedNothing(event) ? [step] : [step, ...batchAndKeys(row, context)]
      }
      return [
        {
          tone: 'warn',
          title: 'Resync: full refetch',
          text: `${topic} was live at ${formatTime(event.at)}. A change made while it was not live (before its first subscription, or during a gap) could not be replayed, so every query of ${event.orgId ?? 'the organization'} is refetched.`,
          detail: event.reason,
        },
        ...batchAndKeys(row, context),
      ]
    }
    case 'malformed':
      return [
        arrival(event),
        {
          tone: 'drop',
          title: 'Malformed: dropped',
          text: `The engine could not use this payload: ${event.reason ?? 'no reason given'}.`,
          detail:
            'Nothing was invalidated. It is counted in the malformed metric (the engine never throws on a bad payload); check what writes realtime_table_events.',
        },
      ]
    case 'channel':
      return [channelStep(event)]
    case 'write':
      return writeSteps(row, context)
    case 'refetched':
      return refetchedSteps(row, context)
  }
}

function refetchedSteps(row: EventRow, context: TrailContext): TrailStep[] {
  const { event } = row
  const pass = event.batchId === undefined ? undefined : findPass(row, context)
  return [
    {
      tone:
        event.outcome === 'error' || (event.outcome === 'success' && event.dataChanged === false)
          ? 'warn'
          : event.outcome === 'success'
            ? 'pass'
            : 'info',
      title: 'Refetched',
      text: `${formatKey(event.queryKey ?? [])} ${refetchVerdict(event)}.`,
      detail:
        event.outcome === 'success' && event.dataChanged === false
          ? 'TanStack Query kept the same data (structural sharing): the change that caused this refetch did not affect this query. Frequent identical refetches mean invalidation is broader than it needs to be.'
          : event.outcome === 'error'
            ? 'The screen keeps showing the old data (TanStack Query keeps it on error) until the next successful fetch.'
            : undefined,
      links:
        pass === undefined
          ? undefined
          : [
              {
                seq: pass.event.seq,
                label: `#${pass.event.seq} batch #${event.batchId} invalidation`,
              },
            ],
    },
  ]
}

/** The invalidation pass `row` (a refetch) came from: the newest invalidated row of its batch. */
function findPass(row: EventRow, context: TrailContext): EventRow | undefined {
  for (let seq = row.event.seq - 1, steps = 0; seq > 0 && steps < 10_000; seq--, steps++) {
    const candidate = context.find(seq)
    if (candidate?.event.kind === 'invalidated' && candidate.event.batchId === row.event.batchId) {
      return candidate
    }
  }
  return undefined
}

function arrival(event: SyncEvent): TrailStep {
  const latency =
    event.latencyMs === undefined
      ? 'no commit time, so latency unknown'
      : `latency ${formatMs(event.latencyMs)} from commit, on the database's clock`
  const what: string[] = []
  if (event.op !== undefined || event.table !== undefined) {
    what.push(`${event.op ?? 'change'} ${rowName(event)}`)
  }
  if (event.orgId !== undefined) what.push(`in ${event.orgId}`)
  if (event.actorId !== undefined) {
    what.push(event.actorId === null ? 'by no signed-in user' : `by ${event.actorId}`)
  }
  if (event.eventId !== undefined) what.push(`(event id ${event.eventId})`)
  if (event.replayed === true) {
    return {
      tone: 'info',
      title: 'Replayed',
      text: `Read back from realtime_table_events at ${formatTime(event.at)}: the channel was not live when this change was committed, so Realtime never delivered it.`,
      detail: what.length > 0 ? what.join(' ') : undefined,
    }
  }
  return {
    tone: 'info',
    title: 'Received',
    text: `Received at ${formatTime(event.at)} (${latency}).`,
    detail: what.length > 0 ? what.join(' ') : undefined,
  }
}

function passed(event: SyncEvent): TrailStep {
  return {
    tone: 'pass',
    title: 'Passed dedup and echo',
    text: 'Not a duplicate within the dedup window and not an echo of this tab’s own write: queued for the next invalidation batch.',
    detail: event.reason,
  }
}

function batchAndKeys(row: EventRow, context: TrailContext): TrailStep[] {
  const { event } = row
  const served = row.servedBy?.event
  const batch = batchIdOf(row)
  const steps: TrailStep[] = []
  if (served !== undefined) {
    const others = Math.max(0, (served.causes?.length ?? 1) - 1)
    steps.push({
      tone: 'batch',
      title: `Batch #${served.batchId ?? '?'}`,
      text: served.leading
        ? `Flushed at once in batch #${served.batchId ?? '?'}, ${formatMs(served.at - event.at)} after it arrived (at ${formatTime(served.at)}): no invalidation pass ran in the last batch window (batchMs), so it did not wait for one.`
        : `Coalesced into batch #${served.batchId ?? '?'} with ${plural(others, 'other event')}, flushed ${formatMs(served.at - event.at)} after it arrived (at ${formatTime(served.at)}).`,
      detail: served.reason,
      links: [{ seq: served.seq, label: `#${served.seq} invalidation` }],
    })
  } else if (batch !== undefined) {
    steps.push({
      tone: 'batch',
      title: `Batch #${batch}`,
      text: `Coalesced into batch #${batch} (its invalidation event is not in the panel).`,
    })
  } else {
    steps.push({
      tone: 'info',
      title: 'Waiting for the batch',
      text: 'Not flushed yet: it is invalidated when its batch window (batchMs) ends. If this stays, the invalidation event is not in the panel (paused, cleared, or lost in a gap).',
    })
    return steps
  }
  const keys = matchedKeysOf(row, context.recordScopes) ?? []
  if (keys.length > 0) {
    steps.push({
      tone: 'keys',
      title: 'Invalidated',
      text:
        event.kind === 'resync' && event.replayed !== true
          ? `Invalidated ${plural(keys.length, 'query key')} (every organization query in the pass): active queries refetch and their screens update.`
          : `Invalidated ${plural(keys.length, 'query key')}: active queries refetch and the screens using them update.`,
      keys,
    })
    const refetch = served === undefined ? undefined : refetchStep(served, context, keys)
    if (refetch !== undefined) steps.push(refetch)
  } else {
    steps.push({
      tone: 'warn',
      title: 'Nothing invalidated',
      text:
        event.kind === 'resync'
          ? 'No cached query of the organization matched: nothing was refetched.'
          : `No cached query matched ${rowName(event)}: nothing was refetched, so no screen changed.`,
      detail:
        event.kind === 'resync' || event.table === undefined
          ? undefined
          : `A query updates on a change to ${event.table} only if its key starts with "${event.table}" (a list, .all or any other key of the table), or is ["${event.table}", "${context.recordScopes?.[0] ?? 'record'}", "${event.recordId ?? '…'}"] for this record.`,
    })
  }
  return steps
}

function ageFrom(event: SyncEvent, related: EventRow | undefined): number | undefined {
  if (related !== undefined) return event.at - related.event.at
  const match = /(\d+) ms (?:earlier|later)/.exec(event.reason ?? '')
  return match ? Number(match[1]) : undefined
}

function duplicate(row: EventRow, context: TrailContext): TrailStep[] {
  const { event } = row
  const related = event.relatedSeq === undefined ? undefined : context.find(event.relatedSeq)
  const age = ageFrom(event, related)
  const of = event.relatedSeq === undefined ? 'an earlier event' : `#${event.relatedSeq}`
  const steps: TrailStep[] = [
    {
      tone: 'drop',
      title: 'Deduplicated: dropped',
      text: `Deduped: duplicate of ${of}${age === undefined ? '' : `, ${formatMs(age)} earlier`}.`,
      detail: event.reason,
      links:
        event.relatedSeq === undefined
          ? undefined
          : [{ seq: event.relatedSeq, label: `#${event.relatedSeq} first delivery` }],
    },
  ]
  steps.push({
    tone: 'info',
    title: 'Not invalidated',
    text:
      related === undefined
        ? 'The first delivery already went through the pipeline; dropping the copy saves a refetch.'
        : `The first delivery already went through the pipeline (${verdict(related, context.recordScopes)}); dropping the copy saves a refetch.`,
  })
  return steps
}

function echo(row: EventRow, context: TrailContext): TrailStep[] {
  const { event } = row
  const write = event.relatedSeq === undefined ? undefined : context.find(event.relatedSeq)
  const age = ageFrom(event, write)
  const ref = event.relatedSeq === undefined ? '' : ` (#${event.relatedSeq})`
  return [
    {
      tone: 'drop',
      title: 'Echo: dropped',
      text: `Echo: this tab wrote ${rowName(event)}${age === undefined ? ' shortly' : ` ${formatMs(age)}`} earlier${ref}, and the change comes back from the current user.`,
      detail: event.reason,
      links:
        event.relatedSeq === undefined
          ? undefined
          : [{ seq: event.relatedSeq, label: `#${event.relatedSeq} write` }],
    },
    {
      tone: 'info',
      title: 'Not invalidated',
      text: 'The mutation that wrote the row refreshes this tab itself (useRealtimeMutation refetches the rows it wrote once it settles, or the app updated the cache), so its echo would only refetch the same queries twice. A teammate’s change to the same row is never dropped as an echo.',
    },
  ]
}

function invalidationPass(row: EventRow, context: TrailContext): TrailStep[] {
  const { event } = row
  const causes = event.causes ?? []
  const keys = event.matchedKeys ?? []
  const label = event.batchId === undefined ? 'Invalidation' : `Batch #${event.batchId}`
  const links: TrailLink[] = causes.slice(0, MAX_LINKS).map((seq) => {
    const cause = context.find(seq)?.event
    return {
      seq,
      label: cause === undefined ? `#${seq}` : `#${seq} ${cause.kind} ${rowName(cause)}`,
    }
  })
  const steps: TrailStep[] = [
    {
      tone: 'batch',
      title: label,
      text:
        causes.length === 0
          ? refreshedWrites(event) !== undefined
            ? `Refresh after this tab's write of ${refreshedWrites(event)!} at ${formatTime(event.at)}: the mutation settled, so what those rows touch refetches here (their realtime echo is then dropped, not refetched twice).`
            : `Manual invalidation at ${formatTime(event.at)}${event.table ? ` of ${event.table}` : ''}.`
          : event.leading
            ? `${label} flushed at once at ${formatTime(event.at)}: no pass ran in the last batch window (batchMs), so ${causes.length === 1 ? 'the change' : `these ${causes.length} events`} did not wait for one.`
            : `${label} flushed at ${formatTime(event.at)}: ${plural(causes.length, 'event')} coalesced into one invalidation pass.`,
      detail: event.reason,
      links: links.length > 0 ? links : undefined,
      moreLinks: causes.length > MAX_LINKS ? causes.length - MAX_LINKS : undefined,
    },
  ]
  steps.push(
    keys.length > 0
      ? {
          tone: 'keys',
          title: 'Invalidated',
          text: `Invalidated ${plural(keys.length, 'query key')}: active queries refetch and the screens using them update.`,
          keys,
        }
      : {
          tone: 'warn',
          title: 'Nothing invalidated',
          text: 'No cached query matched this pass: nothing was refetched.',
        },
  )
  const refetch = keys.length > 0 ? refetchStep(event, context, keys) : undefined
  if (refetch !== undefined) steps.push(refetch)
  return steps
}

function channelStep(event: SyncEvent): TrailStep {
  const status = event.channel?.status ?? 'unknown'
  const topic = event.channel?.topic ?? `org:${event.orgId ?? '?'}`
  const healthy = status === 'SUBSCRIBED'
  const broken = status === 'CHANNEL_ERROR' || status === 'TIMED_OUT' || status === 'CLOSED'
  return {
    tone: healthy ? 'pass' : broken ? 'warn' : 'info',
    title: 'Channel status',
    text: `${topic} is ${status} (at ${formatTime(event.at)}).`,
    detail: healthy
      ? `Changes of this organization are delivered once the server says "Subscribed to PostgreSQL" (the Channels tab shows the wait). Every time the channel is live again after a gap, the engine replays what it missed (a resync).${event.reason ? ` Note: ${event.reason}` : ''}`
      : broken
        ? `No changes are delivered on this channel until it subscribes again; then the engine replays what it missed, or refetches the organization's queries when it cannot (a resync).${event.reason ? ` Error: ${event.reason}` : ''}`
        : event.reason,
  }
}

function writeSteps(row: EventRow, context: TrailContext): TrailStep[] {
  const { event } = row
  const echoes = context.echoesOf(event.seq)
  return [
    {
      tone: 'info',
      title: 'Local write',
      text: `This tab called markLocalWrite('${event.table ?? '?'}', '${event.recordId ?? '?'}') at ${formatTime(event.at)}: a change to this row by the current user within echoWindowMs is an echo and is dropped.`,
    },
    echoes.length > 0
      ? {
          tone: 'drop',
          title: 'Echoes',
          text: `${plural(echoes.length, 'echo', 'echoes')} of this write ${echoes.length === 1 ? 'was' : 'were'} dropped.`,
          links: echoes.map((echoRow) => ({
            seq: echoRow.event.seq,
            label: `#${echoRow.event.seq} echo, ${formatMs(echoRow.event.at - event.at)} later`,
          })),
        }
      : {
          tone: 'info',
          title: 'No echo (yet)',
          text: 'No change event for this row has come back as an echo in the panel.',
        },
  ]
}
