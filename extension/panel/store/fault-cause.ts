/**
 * Which simulated fault (bridge/faults) explains what the connection did next: the Log's trail
 * and the timeline name it as the cause of a drop, a gap and its replay, or a duplicate, so a
 * fault the developer asked for is never mistaken for one of the network's.
 */
import { describeFault, describeFaultEffects } from '../../../bridge/faults/describe-fault'
import type { FaultKind, FaultRecord } from '../../../bridge/faults/fault-records'

/** The faults that break the connection: what follows them is a drop, a gap, a replay. */
const CONNECTION_FAULTS: readonly FaultKind[] = ['drop', 'offline', 'stall-heartbeats']

/**
 * How long after a connection fault ended its consequences still come: supabase-js's reconnect
 * backoff reaches 10 s, then the channel joins and the engine replays.
 */
export const FAULT_REACH_MS = 30_000
/** A duplicate this soon after a frame was delivered again is that copy. */
const DELIVER_AGAIN_REACH_MS = 2_000

/**
 * The connection fault that explains a connection event at `at` whose trouble began at `from`
 * (a gap's start; else `at`): the newest one that started before `at` and was still on, or had
 * ended within FAULT_REACH_MS, when the trouble began.
 */
export function connectionFaultAt(
  faults: readonly FaultRecord[] | undefined,
  at: number,
  from = at,
): FaultRecord | undefined {
  if (faults === undefined) return undefined
  for (let i = faults.length - 1; i >= 0; i--) {
    const fault = faults[i]!
    if (!CONNECTION_FAULTS.includes(fault.kind) || fault.startedAt > at) continue
    const end = fault.endedAt ?? Number.POSITIVE_INFINITY
    if (end + FAULT_REACH_MS >= from) return fault
  }
  return undefined
}

/** The deliver-again fault a duplicate received at `at` most likely is. */
export function deliveredAgainAt(
  faults: readonly FaultRecord[] | undefined,
  at: number,
): FaultRecord | undefined {
  return faults?.findLast(
    (fault) =>
      fault.kind === 'deliver-again' &&
      fault.startedAt <= at &&
      at - fault.startedAt <= DELIVER_AGAIN_REACH_MS,
  )
}

/** "simulated: offline for 5 s (closed socket #1, refused 2 connections), from the panel". */
export function faultCauseText(fault: FaultRecord): string {
  const effects = describeFaultEffects(fault)
  return `${describeFault(fault)}${effects === '' ? '' : ` (${effects})`}, from the ${fault.origin === 'panel' ? 'DevTools panel' : "page's console"}`
}
