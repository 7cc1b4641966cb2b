/**
 * A simulated fault as a record: what was asked, by whom, when it started and ended, and what it
 * did. The panel's Socket tab, the Log's trail and the timeline show these as the cause of what
 * follows; the sentences are rendered from the fields (describe-fault.ts).
 */

export const FAULT_KINDS = [
  'drop',
  'offline',
  'delay',
  'deliver-again',
  'stall-heartbeats',
] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

/** The faults that last until their time is up or they are ended. */
export const TIMED_FAULTS = ['offline', 'delay', 'stall-heartbeats'] as const

/** Who asked: the DevTools panel, or a call on the page's registry (the console, a test). */
export type FaultOrigin = 'panel' | 'console'

/**
 * `time`: its time was up. `ended`: ended by hand. `panel-closed`: the panel that could end it
 * went away. `replaced`: the same fault was asked for again.
 */
export type FaultEnd = 'time' | 'ended' | 'panel-closed' | 'replaced'

export interface FaultRecord {
  /** Per page load, from 1. */
  id: number
  kind: FaultKind
  origin: FaultOrigin
  /** Epoch ms on the page's clock. */
  startedAt: number
  /** offline, stall-heartbeats: how long it was asked to last. */
  durationMs?: number
  /** delay: by how much each frame from the server is held. */
  delayMs?: number
  /** drop, offline: the open sockets it closed. */
  dropped?: number[]
  /** offline: the sockets the page tried to open, refused. */
  refused?: number
  /** stall-heartbeats: the heartbeats kept off the wire. */
  withheld?: number
  /** delay: the frames it held. */
  delayed?: number
  /** deliver-again: the socket the copy went to, and when the original frame arrived. */
  socket?: number
  frameAt?: number
  /** Absent while it lasts. Instant faults (drop, deliver-again) end as they start. */
  endedAt?: number
  endedBy?: FaultEnd
}

/** Bounds of what may be asked (ms). */
export const FAULT_LIMITS = {
  offline: { min: 100, max: 600_000 },
  'stall-heartbeats': { min: 100, max: 600_000 },
  delay: { min: 1, max: 60_000 },
} as const

/** At most this many records are kept and sent (the newest). */
export const MAX_FAULT_RECORDS = 50

export function isActive(record: FaultRecord): boolean {
  return record.endedAt === undefined
}

/** When a timed fault is due to end, if it has a time. */
export function dueAt(record: FaultRecord): number | undefined {
  return record.durationMs === undefined ? undefined : record.startedAt + record.durationMs
}
