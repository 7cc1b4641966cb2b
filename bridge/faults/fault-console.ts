/**
 * The panel's fault actions, callable from the page's console (and by tests) on the registry:
 *
 *   __REALTIME_SYNC_DEVTOOLS__.faults.offline(8)       // seconds
 *   __REALTIME_SYNC_DEVTOOLS__.faults.delay(500)       // ms; delay(0) switches it off
 *   __REALTIME_SYNC_DEVTOOLS__.faults.stallHeartbeats(60)
 *   __REALTIME_SYNC_DEVTOOLS__.faults.drop()
 *   __REALTIME_SYNC_DEVTOOLS__.faults.deliverAgain()   // the newest delivery, once more
 *   __REALTIME_SYNC_DEVTOOLS__.faults.end()            // every active fault
 *   __REALTIME_SYNC_DEVTOOLS__.faults.list()
 *
 * The registry otherwise holds data only; this object is the bridge's, installed by it.
 */
import { getDevtoolsRegistry } from '../../src/devtools-registry'
import { PHOENIX_EVENTS } from '../../wire/phoenix'
import { SocketRecorder } from '../socket/socket-records'
import type { TapRecord } from '../socket/socket-tap'
import type { FaultController, HeldFrame } from './fault-controller'
import type { FaultRecord } from './fault-records'

export interface FaultConsole {
  drop(): FaultRecord
  offline(seconds: number): FaultRecord
  /** `ms` 0 switches the delay off (returns undefined then). */
  delay(ms: number): FaultRecord | undefined
  stallHeartbeats(seconds: number): FaultRecord
  deliverAgain(): FaultRecord
  /** Ends every active fault; returns how many. */
  end(): number
  list(): FaultRecord[]
}

export function installFaultConsole(
  host: object,
  controller: FaultController,
  heldFrames: () => readonly TapRecord[],
): void {
  const registry = getDevtoolsRegistry(host)
  if (registry === undefined) return
  const copy = (record: FaultRecord) => structuredClone(record)
  const api: FaultConsole = {
    drop: () => copy(controller.start({ kind: 'drop' }, 'console')),
    offline: (seconds) =>
      copy(controller.start({ kind: 'offline', ms: Math.round(seconds * 1_000) }, 'console')),
    delay(ms) {
      if (ms === 0) {
        controller.end(activeId(controller, 'delay'), 'ended')
        return undefined
      }
      return copy(controller.start({ kind: 'delay', ms }, 'console'))
    },
    stallHeartbeats: (seconds) =>
      copy(
        controller.start({ kind: 'stall-heartbeats', ms: Math.round(seconds * 1_000) }, 'console'),
      ),
    deliverAgain() {
      const frame = newestDelivery(heldFrames())
      if (frame === undefined) throw new Error('no delivery held on this page to deliver again')
      return copy(controller.start({ kind: 'deliver-again', frame }, 'console'))
    },
    end: () => controller.end(undefined, 'ended'),
    list: () => controller.records().map(copy),
  }
  Object.defineProperty(registry, 'faults', { value: Object.freeze(api), configurable: true })
}

function activeId(controller: FaultController, kind: FaultRecord['kind']): number | undefined {
  const active = controller.records().find((r) => r.kind === kind && r.endedAt === undefined)
  // No such fault: an id that matches none, so nothing else ends.
  return active?.id ?? -1
}

/** The newest postgres_changes or broadcast frame the tap holds, as it arrived. */
export function newestDelivery(records: readonly TapRecord[]): HeldFrame | undefined {
  const recorder = new SocketRecorder()
  let newest: HeldFrame | undefined
  for (const raw of records) {
    const record = recorder.record(raw)
    if (
      raw.kind === 'frame' &&
      raw.direction === 'in' &&
      raw.fault !== 'delivered-again' &&
      record.kind === 'frame' &&
      (record.event === PHOENIX_EVENTS.postgresChanges || record.event === PHOENIX_EVENTS.broadcast)
    ) {
      newest = { socket: raw.socket, at: raw.at, data: raw.data }
    }
  }
  return newest
}
