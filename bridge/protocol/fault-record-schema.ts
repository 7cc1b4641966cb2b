/**
 * A simulated fault's record (bridge/faults/fault-records.ts) as a bounded valibot schema: what
 * the panel accepts from the page in a `faults` message.
 */
import * as v from 'valibot'
import { FAULT_KINDS, type FaultRecord, MAX_FAULT_RECORDS } from '../faults/fault-records'
import { RULE_SCHEMAS } from './field-rules'

const { count, duration } = RULE_SCHEMAS
const socketNumber = v.pipe(v.number(), v.integer(), v.minValue(0))

export const FaultRecordSchema = v.object({
  id: v.pipe(v.number(), v.integer(), v.minValue(1)),
  kind: v.picklist(FAULT_KINDS),
  origin: v.picklist(['panel', 'console']),
  startedAt: v.number(),
  durationMs: v.optional(duration),
  delayMs: v.optional(duration),
  dropped: v.optional(v.pipe(v.array(socketNumber), v.maxLength(100))),
  refused: v.optional(count),
  withheld: v.optional(count),
  delayed: v.optional(count),
  socket: v.optional(socketNumber),
  frameAt: v.optional(v.number()),
  endedAt: v.optional(v.number()),
  endedBy: v.optional(v.picklist(['time', 'ended', 'panel-closed', 'replaced'])),
})

export const FaultRecordsSchema = v.pipe(v.array(FaultRecordSchema), v.maxLength(MAX_FAULT_RECORDS))

// The schema's output is the record's type (compile-time check, no runtime cost).
type Assignable<A extends B, B> = A
export type _Checks = [
  Assignable<v.InferOutput<typeof FaultRecordSchema>, FaultRecord>,
  Assignable<FaultRecord, v.InferOutput<typeof FaultRecordSchema>>,
]
