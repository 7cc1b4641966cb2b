/**
 * The one contract of the DevTools path, shared by every context (page bridge, content relay,
 * background, panel) and by the export file:
 *
 *   messages.ts    the messages and their envelopes, hop by hop, and the Port names
 *   records.ts     what travels inside them: SyncEvent and EngineState, as bounded schemas
 *   event-codec.ts the compact wire form of an event batch: no key names, no value twice
 *   event-check.ts the same SyncEvent check as a field table, for the panel's hot path
 *   parse-data.ts  the panel's one parse and validation of a message's `data` string
 */
export * from './event-check'
export * from './event-codec'
export * from './issues'
export * from './messages'
export * from './parse-data'
export * from './records'
