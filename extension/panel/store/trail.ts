/**
 * The decision trail: what the engine did with one event, as plain sentences, derived from the
 * event's facts and its neighbours in the log (the invalidation pass that served it, the event it
 * duplicates, the write it echoes). Pure: the store hands in lookups.
 *
 * A change's keys travel on the pass that served it: its `causeKeys` say, for each cause, which
 * of the pass's `matchedKeys` it matched (the engine's rule, src/pass-matching.ts). A logged event
 * is never changed, so the row's link to its pass (servedBy, causeIndex) is the panel's join.
 */
import {
  changeLines,
  describeChanges,
  describeChannelNote,
  describeEvent,
  describeMalformed,
  describeReceived,
  listRows,
  UNCONFIRMED_REASONS,
  UNCONFIRMED_STEPS,
} from '../../../src/describe-event'
import type {
  ChangeEvent,
  ChannelEvent,
  DedupedEvent,
  EchoEvent,
  InvalidatedEvent,
  RefetchedEvent,
  ResyncEvent,
  SyncEvent,
  UnconfirmedEvent,
  WriteEvent,
} from '../../../src/types'
import type { FaultRecord } from '../../../bridge/faults/fault-records'
import { rowName } from './event-facts'
import { connectionFaultAt, deliveredAgainAt, faultCauseText } from './fault-cause'
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
  keys?: readonly (readonly unknown[])[]
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
  /** The page's simulated faults (bridge/faults): named as the cause of what they provoked. */
  faults?: readonly FaultRecord[]
}

const MAX_LINKS = 50

/**
 * The keys an event invalidated, when known: a pass's own, or for a change or resync the keys
 * its pass says it matched. undefined: not served by a pass the panel holds (yet).
 */
export function matchedKeysOf(row: EventRow): readonly (readonly unknown[])[] | undefined {
  const { event } = row
  if (event.kind === 'invalidated') return event.matchedKeys
  const pass = row.servedBy?.event
  if (pass?.kind !== 'invalidated' || row.causeIndex === undefined) return undefined
  const refs = pass.causeKeys[row.causeIndex] ?? []
  return refs.map((index) => pass.matchedKeys[index] ?? [])
}

/**
 * The rows of the refresh after this tab's write settled ("deals/d1 and contacts/c2"), when the
 * pass is one; undefined otherwise.
 */
export function refreshedWrites(event: SyncEvent): string | undefined {
  if (event.kind !== 'invalidated' || event.trigger !== 'write') return undefined
  return listRows(event.writes ?? [])
}

/** A replay that found nothing missed: it serves no pass. */
function replayedNothing(event: ResyncEvent): boolean {
  return event.replayed === true && event.replayedCount === 0
}

function batchIdOf(row: EventRow): number | undefined {
  const served = row.servedBy?.event
  if (served?.kind === 'invalidated') return served.batchId
  const { event } = row
  return event.kind === 'invalidated' || event.kind === 'refetched' ? event.batchId : undefined
}

/** The short verdict of the log's last column. */
export function verdict(row: EventRow): string {
  const { event } = row
  switch (event.kind) {
    case 'received': {
      const batch = batchIdOf(row)
      const keys = matchedKeysOf(row)
      const replayed = event.replayed === true ? 'replayed: ' : ''
      if (batch === undefined || keys === undefined) return `${replayed}queued for the next batch`
      return keys.length === 0
        ? `${replayed}batch #${batch} → no query matched`
        : `${replayed}batch #${batch} → ${plural(keys.length, 'key')}`
    }
    case 'deduped':
      return `duplicate of #${event.relatedSeq}`
    case 'echo':
      return `echo of this tab's write #${event.relatedSeq}`
    case 'invalidated':
      return passVerdict(event)
    case 'resync': {
      const keys = matchedKeysOf(row)
      const org = event.orgId
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
      return `malformed: ${describeMalformed(event)}`
    case 'channel': {
      const note = describeChannelNote(event, event.channel.topic)
      const { topic, status } = event.channel
      return note === undefined ? `${topic} ${status}` : `${topic} ${status}: ${note}`
    }
    case 'write':
      return `this tab wrote ${rowName(event)} (echo guard)`
    case 'refetched':
      return `${formatKey(event.queryKey)} ${refetchVerdict(event)}`
    case 'unconfirmed':
      return `write of ${rowName(event)} never came back: ${event.cause}`
  }
}

function passVerdict(event: InvalidatedEvent): string {
  const keys = plural(event.matchedKeys.length, 'key')
  const label = `batch #${event.batchId}`
  switch (event.trigger) {
    case 'write':
      return `${label}: this tab's write → ${keys}`
    case 'manual':
      return `${label}: manual → ${keys}`
    case 'batch':
      return `${label}: ${plural(event.causes.length, 'event')} → ${keys}`
  }
}

/** How a refetch ended, as the end of a sentence: "in 38 ms: data changed, 2 observers". */
function refetchVerdict(event: RefetchedEvent): string {
  const took = formatMs(event.durationMs)
  switch (event.outcome) {
    case 'success':
      return event.dataChanged === false
        ? `in ${took}: returned identical data, nothing on screen changed`
        : `in ${took}: data changed${event.changes === undefined ? '' : ` (${describeChanges(event.changes)})`}, ${plural(event.observers, 'observer')}`
    case 'error':
      return `failed after ${took}: ${event.error ?? 'unknown error'}`
    case 'cancelled':
      return `cancelled after ${took}: a later fetch of the query replaced it`
  }
}

/** The last step of a pass (or of one change in it): what each refetch led to on screen. */
function refetchStep(
  pass: InvalidatedEvent,
  context: TrailContext,
  keys: readonly (readonly unknown[])[],
): TrailStep | undefined {
  const wanted = new Set(keys.map((key) => formatKey(key)))
  const rows: { row: EventRow; event: RefetchedEvent }[] = []
  for (const row of context.refetchesOf(pass.batchId)) {
    const { event } = row
    if (event.kind === 'refetched' && wanted.has(formatKey(event.queryKey)))
      rows.push({ row, event })
  }
  const expected = Math.max(0, pass.matchedKeys.length - pass.markedStale)
  const stale = pass.markedStale
  const staleText =
    stale > 0
      ? ` ${plural(stale, 'query', 'queries')} only marked stale: not on screen, they refetch when next used.`
      : ''
  if (rows.length === 0) {
    if (expected === 0) {
      return keys.length > 0
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
    lines: rows.slice(0, MAX_LINKS).map(({ event }) => ({
      text: `Refetched ${formatKey(event.queryKey)} ${refetchVerdict(event)}`,
      seq: event.seq,
    })),
    moreLinks: rows.length > MAX_LINKS ? rows.length - MAX_LINKS : undefined,
  }
}

export function decisionTrail(row: EventRow, context: TrailContext): TrailStep[] {
  const steps = eventSteps(row, context)
  const cause = simulatedCause(row.event, context.faults)
  return cause === undefined ? steps : [cause, ...steps]
}

/**
 * A simulated fault that provoked this event: the drop, gap or replay after a fault on the
 * connection, or the duplicate a "deliver again" made. First in the trail: it is the why.
 */
function simulatedCause(
  event: SyncEvent,
  faults: readonly FaultRecord[] | undefined,
): TrailStep | undefined {
  if (faults === undefined || faults.length === 0) return undefined
  let fault: FaultRecord | undefined
  if (event.kind === 'deduped') fault = deliveredAgainAt(faults, event.at)
  else if (event.kind === 'resync' && event.first !== true)
    fault = connectionFaultAt(faults, event.at, event.at - (event.gapMs ?? 0))
  else if (event.kind === 'channel') fault = connectionFaultAt(faults, event.at)
  if (fault === undefined) return undefined
  return {
    tone: 'warn',
    title: 'Cause: a simulated fault',
    text: `At ${formatTime(fault.startedAt)}: ${faultCauseText(fault)}. What follows is what the page does after that fault, not a fault of the network or the server.`,
  }
}

function eventSteps(row: EventRow, context: TrailContext): TrailStep[] {
  const { event } = row
  switch (event.kind) {
    case 'received':
      return [
        arrival(event),
        {
          tone: 'pass',
          title: 'Passed dedup and echo',
          text: 'Not a duplicate within the dedup window and not an echo of this tab’s own write: queued for the next invalidation batch.',
          detail: event.match === 'other-actor' ? describeReceived(event) : undefined,
        },
        ...batchAndKeys(row, event, context),
      ]
    case 'deduped':
      return [arrival(event), ...duplicate(event, context)]
    case 'echo':
      return [arrival(event), ...echo(event)]
    case 'invalidated':
      return invalidationPass(event, context)
    case 'resync': {
      const topic = event.channel.topic
      if (event.replayed === true) {
        const step: TrailStep = {
          tone: 'info',
          title: 'Replay',
          text: `${topic} was live at ${formatTime(event.at)}. Realtime does not resend what a channel missed (before its first subscription, or during a gap), so the engine read those changes back from realtime_table_events and sent them through the same rules (dedup, echo, batching): only the queries they touch refetch.`,
          detail: describeEvent(event),
        }
        return replayedNothing(event) ? [step] : [step, ...batchAndKeys(row, event, context)]
      }
      return [
        {
          tone: 'warn',
          title: 'Resync: full refetch',
          text: `${topic} was live at ${formatTime(event.at)}. A change made while it was not live (before its first subscription, or during a gap) could not be replayed, so every query of ${event.orgId} is refetched.`,
          detail: describeEvent(event),
        },
        ...batchAndKeys(row, event, context),
      ]
    }
    case 'malformed':
      return [
        {
          tone: 'drop',
          title: 'Malformed: dropped',
          text: `The engine could not use this value (at ${formatTime(event.at)}${event.orgId === undefined ? '' : `, channel of ${event.orgId}`}): ${describeEvent(event)}.`,
          detail:
            'Nothing was invalidated. It is counted in the malformed metric (the engine never throws on a bad payload); check what writes realtime_table_events.',
        },
      ]
    case 'channel':
      return [channelStep(event)]
    case 'write':
      return writeSteps(event, context)
    case 'refetched':
      return refetchedSteps(event, row, context)
    case 'unconfirmed':
      return unconfirmedSteps(event)
  }
}

/** A write that never came back: why, and what to do next. */
function unconfirmedSteps(event: UnconfirmedEvent): TrailStep[] {
  const steps: TrailStep[] = [
    {
      tone: 'warn',
      title: 'Never came back',
      text: `This tab wrote ${rowName(event)} (#${event.relatedSeq}) and no change event of that row arrived within ${formatMs(event.ageMs)} (writeConfirmMs): ${UNCONFIRMED_REASONS[event.cause]}${event.error === undefined ? '' : ` (${event.error})`}.`,
      links: [{ seq: event.relatedSeq, label: `#${event.relatedSeq} write` }],
    },
    { tone: 'info', title: 'Next step', text: UNCONFIRMED_STEPS[event.cause] },
  ]
  if (event.cause === 'not-delivered') {
    steps.push({
      tone: 'pass',
      title: 'Replayed',
      text: 'The engine sent the row it read back down the live path (a replayed received event follows), so the screens that show it update; teammates on the same broken path still miss it until the cause is mended.',
    })
  }
  return steps
}

function refetchedSteps(event: RefetchedEvent, row: EventRow, context: TrailContext): TrailStep[] {
  const pass = findPass(row, event.batchId, context)
  return [
    {
      tone:
        event.outcome === 'error' || (event.outcome === 'success' && event.dataChanged === false)
          ? 'warn'
          : event.outcome === 'success'
            ? 'pass'
            : 'info',
      title: 'Refetched',
      text: `${formatKey(event.queryKey)} ${refetchVerdict(event)}.`,
      detail:
        event.outcome === 'success' && event.dataChanged === false
          ? 'TanStack Query kept the same data (structural sharing): the change that caused this refetch did not affect this query. Frequent identical refetches mean invalidation is broader than it needs to be.'
          : event.outcome === 'error'
            ? 'The screen keeps showing the old data (TanStack Query keeps it on error) until the next successful fetch.'
            : event.changes === undefined && event.outcome === 'success'
              ? "What changed is recorded while a panel is connected (the engine's diffs option): this refetch settled before."
              : undefined,
      lines:
        event.changes === undefined
          ? undefined
          : changeLines(event.changes).map((text) => ({ text })),
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
function findPass(row: EventRow, batchId: number, context: TrailContext): EventRow | undefined {
  for (let seq = row.event.seq - 1, steps = 0; seq > 0 && steps < 10_000; seq--, steps++) {
    const candidate = context.find(seq)
    if (candidate?.event.kind === 'invalidated' && candidate.event.batchId === batchId) {
      return candidate
    }
  }
  return undefined
}

function arrival(event: ChangeEvent): TrailStep {
  const latency =
    event.latencyMs === undefined
      ? 'no commit time, so latency unknown'
      : `latency ${formatMs(event.latencyMs)} from commit, on the database's clock`
  const what: string[] = [`${event.op} ${rowName(event)}`, `in ${event.orgId}`]
  if (event.actorId !== undefined) {
    what.push(event.actorId === null ? 'by no signed-in user' : `by ${event.actorId}`)
  }
  if (event.eventId !== undefined) what.push(`(event id ${event.eventId})`)
  if (event.replayed === true) {
    return {
      tone: 'info',
      title: 'Replayed',
      text: `Read back from realtime_table_events at ${formatTime(event.at)}: the channel was not live when this change was committed, so Realtime never delivered it.`,
      detail: what.join(' '),
    }
  }
  return {
    tone: 'info',
    title: 'Received',
    text: `Received at ${formatTime(event.at)} (${latency}).`,
    detail: what.join(' '),
  }
}

function batchAndKeys(
  row: EventRow,
  event: ChangeEvent | ResyncEvent,
  context: TrailContext,
): TrailStep[] {
  const served = row.servedBy?.event.kind === 'invalidated' ? row.servedBy.event : undefined
  const steps: TrailStep[] = []
  if (served === undefined) {
    steps.push({
      tone: 'info',
      title: 'Waiting for the batch',
      text: 'Not flushed yet: it is invalidated when its batch window (batchMs) ends. If this stays, the invalidation event is not in the panel (paused, cleared, or lost in a gap).',
    })
    return steps
  }
  const others = Math.max(0, served.causes.length - 1)
  steps.push({
    tone: 'batch',
    title: `Batch #${served.batchId}`,
    text: served.leading
      ? `Flushed at once in batch #${served.batchId}, ${formatMs(served.at - event.at)} after it arrived (at ${formatTime(served.at)}): no invalidation pass ran in the last batch window (batchMs), so it did not wait for one.`
      : `Coalesced into batch #${served.batchId} with ${plural(others, 'other event')}, flushed ${formatMs(served.at - event.at)} after it arrived (at ${formatTime(served.at)}).`,
    detail: describeEvent(served),
    links: [{ seq: served.seq, label: `#${served.seq} invalidation` }],
  })
  const keys = matchedKeysOf(row) ?? []
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
    const refetch = refetchStep(served, context, keys)
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
        event.kind === 'resync'
          ? undefined
          : `A query updates on a change to ${event.table} only if its key starts with "${event.table}" (a list, .all or any other key of the table), or is ["${event.table}", "${context.recordScopes?.[0] ?? 'record'}", "${event.recordId}"] for this record.`,
    })
  }
  return steps
}

function duplicate(event: DedupedEvent, context: TrailContext): TrailStep[] {
  const related = context.find(event.relatedSeq)
  return [
    {
      tone: 'drop',
      title: 'Deduplicated: dropped',
      text: `Deduped: duplicate of #${event.relatedSeq}, ${formatMs(event.ageMs)} earlier.`,
      detail: describeEvent(event),
      links: [{ seq: event.relatedSeq, label: `#${event.relatedSeq} first delivery` }],
    },
    {
      tone: 'info',
      title: 'Not invalidated',
      text:
        related === undefined
          ? 'The first delivery already went through the pipeline; dropping the copy saves a refetch.'
          : `The first delivery already went through the pipeline (${verdict(related)}); dropping the copy saves a refetch.`,
    },
  ]
}

function echo(event: EchoEvent): TrailStep[] {
  return [
    {
      tone: 'drop',
      title: 'Echo: dropped',
      text: `Echo: this tab wrote ${rowName(event)} ${formatMs(event.ageMs)} earlier (#${event.relatedSeq}), and the change comes back from the current user.`,
      detail: describeEvent(event),
      links: [{ seq: event.relatedSeq, label: `#${event.relatedSeq} write` }],
    },
    {
      tone: 'info',
      title: 'Not invalidated',
      text: 'The mutation that wrote the row refreshes this tab itself (useRealtimeMutation refetches the rows it wrote once it settles, or the app updated the cache), so its echo would only refetch the same queries twice. A teammate’s change to the same row is never dropped as an echo.',
    },
  ]
}

function invalidationPass(event: InvalidatedEvent, context: TrailContext): TrailStep[] {
  const { causes, matchedKeys: keys } = event
  const label = `Batch #${event.batchId}`
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
      text: passText(event, label),
      detail: describeEvent(event),
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

function passText(event: InvalidatedEvent, label: string): string {
  const { causes } = event
  switch (event.trigger) {
    case 'write':
      return `Refresh after this tab's write of ${listRows(event.writes ?? [])} at ${formatTime(event.at)}: the mutation settled, so what those rows touch refetches here (their realtime echo is then dropped, not refetched twice).`
    case 'manual':
      return `Manual invalidation at ${formatTime(event.at)}${event.table ? ` of ${event.table}` : ''}.`
    case 'batch':
      return event.leading
        ? `${label} flushed at once at ${formatTime(event.at)}: no pass ran in the last batch window (batchMs), so ${causes.length === 1 ? 'the change' : `these ${causes.length} events`} did not wait for one.`
        : `${label} flushed at ${formatTime(event.at)}: ${plural(causes.length, 'event')} coalesced into one invalidation pass.`
  }
}

function channelStep(event: ChannelEvent): TrailStep {
  const { status, topic } = event.channel
  const healthy = status === 'SUBSCRIBED'
  const broken = status === 'CHANNEL_ERROR' || status === 'TIMED_OUT' || status === 'CLOSED'
  const note = describeChannelNote(event, topic)
  return {
    tone: healthy ? 'pass' : broken ? 'warn' : 'info',
    title: 'Channel status',
    text: `${topic} is ${status} (at ${formatTime(event.at)}).`,
    detail: healthy
      ? `Changes of this organization are delivered once the server says "Subscribed to PostgreSQL" (the Channels tab shows the wait). Every time the channel is live again after a gap, the engine replays what it missed (a resync).${note ? ` Note: ${note}` : ''}`
      : broken
        ? `No changes are delivered on this channel until it subscribes again; then the engine replays what it missed, or refetches the organization's queries when it cannot (a resync).${note ? ` Error: ${note}` : ''}`
        : note,
  }
}

function writeSteps(event: WriteEvent, context: TrailContext): TrailStep[] {
  const echoes = context.echoesOf(event.seq)
  return [
    {
      tone: 'info',
      title: 'Local write',
      text: `This tab called markLocalWrite('${event.table}', '${event.recordId}') at ${formatTime(event.at)}: a change to this row by the current user within echoWindowMs is an echo and is dropped.`,
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
