/**
 * The faults of one page: starts them on the socket tap's SocketFaults, ends them (on time, by
 * hand, or when the panel goes away), keeps their records and says each in the page's console.
 * Nothing here runs unless the panel or a call on the registry asks.
 */
import type { Scheduler } from '../../src/scheduler'
import { describeFault, describeFaultEffects, faultDuration } from './describe-fault'
import {
  type FaultEnd,
  type FaultKind,
  FAULT_LIMITS,
  type FaultOrigin,
  type FaultRecord,
  isActive,
  MAX_FAULT_RECORDS,
} from './fault-records'
import type { FaultEffect, SocketFaults } from './socket-faults'

/** A frame as the tap holds it, to be delivered again. */
export interface HeldFrame {
  socket: number
  at: number
  data: unknown
}

export type FaultRequest =
  | { kind: 'drop' }
  | { kind: 'offline'; ms: number }
  | { kind: 'delay'; ms: number }
  | { kind: 'stall-heartbeats'; ms: number }
  | { kind: 'deliver-again'; frame: HeldFrame }

export interface FaultControllerOptions {
  faults: SocketFaults
  scheduler: Scheduler
  /** The page's console line for each start and end. */
  log: (line: string) => void
  /** The records changed (a start, an end, an effect counted). */
  onChange: () => void
}

const LOG_PREFIX = '[realtime-sync-devtools]'

/** Which timed fault an effect belongs to. */
const EFFECT_OWNER: Record<FaultEffect, FaultKind> = {
  refused: 'offline',
  withheld: 'stall-heartbeats',
  delayed: 'delay',
}

export class FaultController {
  private readonly faults: SocketFaults
  private readonly scheduler: Scheduler
  private readonly options: FaultControllerOptions
  private held: FaultRecord[] = []
  private nextId = 1
  private readonly timers = new Map<number, unknown>()

  constructor(options: FaultControllerOptions) {
    this.options = options
    this.faults = options.faults
    this.scheduler = options.scheduler
    this.faults.onEffect = (effect) => this.counted(effect)
  }

  /** The records, oldest first (at most MAX_FAULT_RECORDS). */
  records(): readonly FaultRecord[] {
    return this.held
  }

  /** Starts a fault; throws (RangeError, Error) with the reason it cannot. */
  start(request: FaultRequest, origin: FaultOrigin): FaultRecord {
    const startedAt = this.scheduler.now()
    const record: FaultRecord = { id: this.nextId, kind: request.kind, origin, startedAt }
    switch (request.kind) {
      case 'drop': {
        const open = this.faults.openSockets()
        if (open.length === 0) throw new Error('no open Realtime socket on this page to drop')
        record.dropped = open.map((socket) => socket.number)
        record.endedAt = startedAt
        for (const socket of open) socket.drop()
        break
      }
      case 'deliver-again': {
        const { frame } = request
        const own = this.faults.socket(frame.socket)
        const target = own?.isOpen() ? own : this.faults.openSockets().at(-1)
        if (target === undefined)
          throw new Error('no open Realtime socket on this page to deliver the frame to')
        if (!target.deliverAgain(frame.data))
          throw new Error(`socket #${target.number} has no message handler to deliver to`)
        record.socket = target.number
        record.frameAt = frame.at
        record.endedAt = startedAt
        break
      }
      case 'offline':
      case 'stall-heartbeats':
      case 'delay': {
        const { ms } = request
        const limits = FAULT_LIMITS[request.kind]
        if (!Number.isInteger(ms) || ms < limits.min || ms > limits.max)
          throw new RangeError(
            `${request.kind} takes ${faultDuration(limits.min)} to ${faultDuration(limits.max)}, not ${String(ms)} ms`,
          )
        this.endKind(request.kind, 'replaced')
        if (request.kind === 'delay') {
          record.delayMs = ms
          this.faults.delayMs = ms
        } else {
          record.durationMs = ms
          this.timers.set(
            record.id,
            this.scheduler.setTimeout(() => this.end(record.id, 'time'), ms),
          )
          if (request.kind === 'stall-heartbeats') this.faults.withholdHeartbeats = true
          else {
            this.faults.refuseNew = true
            const open = this.faults.openSockets()
            record.dropped = open.map((socket) => socket.number)
            for (const socket of open) socket.drop()
          }
        }
        break
      }
    }
    this.nextId++
    this.keep(record)
    this.options.log(
      `${LOG_PREFIX} ${describeFault(record)}, asked from the ${origin === 'panel' ? 'DevTools panel' : 'console'}` +
        (isActive(record)
          ? ': it ends when its time is up, when ended, or when the panel closes'
          : ''),
    )
    this.options.onChange()
    return record
  }

  /** Ends one active fault (or every one, without `id`); returns how many ended. */
  end(id: number | undefined, by: FaultEnd): number {
    let ended = 0
    for (const record of this.held) {
      if (!isActive(record) || (id !== undefined && record.id !== id)) continue
      this.stop(record, by)
      ended++
    }
    if (ended > 0) this.options.onChange()
    return ended
  }

  private endKind(kind: FaultKind, by: FaultEnd): void {
    for (const record of this.held)
      if (isActive(record) && record.kind === kind) this.stop(record, by)
  }

  private stop(record: FaultRecord, by: FaultEnd): void {
    this.scheduler.clearTimeout(this.timers.get(record.id))
    this.timers.delete(record.id)
    if (record.kind === 'offline') this.faults.refuseNew = false
    if (record.kind === 'stall-heartbeats') this.faults.withholdHeartbeats = false
    if (record.kind === 'delay') this.faults.delayMs = 0
    record.endedAt = this.scheduler.now()
    record.endedBy = by
    const effects = describeFaultEffects(record)
    this.options.log(
      `${LOG_PREFIX} ended: ${describeFault(record)}${effects === '' ? '' : ` (${effects})`}`,
    )
  }

  private counted(effect: FaultEffect): void {
    const kind = EFFECT_OWNER[effect]
    const record = this.held.find((held) => held.kind === kind && isActive(held))
    if (record === undefined) return
    if (effect === 'refused') record.refused = (record.refused ?? 0) + 1
    else if (effect === 'withheld') record.withheld = (record.withheld ?? 0) + 1
    else record.delayed = (record.delayed ?? 0) + 1
    this.options.onChange()
  }

  private keep(record: FaultRecord): void {
    this.held.push(record)
    if (this.held.length <= MAX_FAULT_RECORDS) return
    // The oldest ended one goes; an active fault is never forgotten while it acts.
    const index = this.held.findIndex((held) => !isActive(held))
    this.held.splice(index === -1 ? 0 : index, 1)
  }
}
