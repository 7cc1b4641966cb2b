/* global window, performance */
/**
 * MAIN world of the raw baseline: posts pre-built JSON strings of 1,000 events of ~194 bytes
 * (the anchor's event size; optionally padded to another size) to the window, as fast as the
 * page's thread allows. Driven by the benchmark through window.__rawPath.
 */
const TAG = 'raw-path-bench'
const EVENTS_PER_BATCH = 1_000
const DISTINCT_BATCHES = 16

function event(seq) {
  return {
    seq,
    at: 1_795_435_200_000 + seq,
    kind: 'received',
    orgId: 'acme',
    table: 'deals',
    op: 'UPDATE',
    recordId: `r${seq % 5_000}`,
    eventId: String(seq),
    actorId: 'user-bob',
    commitTimestamp: '2026-11-23T12:00:00.000Z',
  }
}

/** Batches of events of about `bytes` bytes each (0: unpadded), built once per size. */
const built = new Map()
function batchesOf(bytes) {
  let batches = built.get(bytes)
  if (batches !== undefined) return batches
  batches = []
  for (let b = 0; b < DISTINCT_BATCHES; b++) {
    const events = []
    for (let i = 0; i < EVENTS_PER_BATCH; i++) {
      const e = event(b * EVENTS_PER_BATCH + i + 1)
      const missing = bytes - JSON.stringify(e).length - ',"pad":""'.length
      if (missing > 0) e.pad = 'x'.repeat(missing)
      events.push(e)
    }
    batches.push(JSON.stringify(events))
  }
  built.set(bytes, batches)
  return batches
}

window.__rawPath = {
  eventsPerBatch: EVENTS_PER_BATCH,
  /**
   * Posts `count` batches of events of about `bytes` bytes (0: the unpadded ~194).
   * Returns Date.now() at the first post, the posting time (ms) and the bytes per event.
   */
  run(count, bytes = 0) {
    const batches = batchesOf(bytes)
    const startAt = Date.now()
    const start = performance.now()
    for (let i = 0; i < count; i++) {
      window.postMessage(
        { tag: TAG, n: EVENTS_PER_BATCH, i, data: batches[i % DISTINCT_BATCHES] },
        '*',
      )
    }
    return {
      startAt,
      postMs: performance.now() - start,
      eventBytes: batches[0].length / EVENTS_PER_BATCH,
    }
  },
}
