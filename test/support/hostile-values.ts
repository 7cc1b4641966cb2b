import { changePayload } from './events'

/**
 * What a broken or hostile server can hand the engine where a payload belongs: every wrong
 * shape, a huge string, a `__proto__` key, getters that throw, and values whose every read
 * throws. The pipeline's payload fuzz and each callback the engine gives supabase-js
 * (test/engine/channel-callbacks.test.ts) are driven with this one list.
 */
export function hostileValues(): unknown[] {
  return [
    null,
    undefined,
    'x',
    'x'.repeat(5_000_000),
    42,
    Number.NaN,
    2n ** 4_096n,
    () => 'a function',
    [],
    [changePayload()],
    { new: null },
    JSON.parse('{"__proto__": {"new": {}, "status": "ok"}, "constructor": {"prototype": {}}}'),
    changePayload({ table_name: 9 }),
    changePayload({ event_type: 'MERGE' }),
    changePayload({ record_id: {} }),
    changePayload({ organization_id: 'org_other' }),
    {
      get new() {
        throw new Error('hostile getter')
      },
    },
    // Getters that throw values whose every read throws again: the error path must hold.
    ...hostileThrown().map((thrown) => ({
      get new() {
        throw thrown
      },
    })),
    ...hostileThrown(),
  ]
}

/** Values that throw again when anything reads them: instanceof, .message, String(). */
export function hostileThrown(): unknown[] {
  const revoked = Proxy.revocable({}, {})
  revoked.revoke()
  const errorWithThrowingMessage = new Error('x')
  Object.defineProperty(errorWithThrowingMessage, 'message', {
    get() {
      throw new Error('message getter')
    },
  })
  return [
    Object.create(null),
    {
      toString() {
        throw new Error('toString')
      },
    },
    {
      [Symbol.toPrimitive]() {
        throw new Error('toPrimitive')
      },
    },
    errorWithThrowingMessage,
    revoked.proxy,
    new Proxy(
      {},
      {
        get() {
          throw new Error('proxy get')
        },
        has() {
          throw new Error('proxy has')
        },
      },
    ),
    Symbol('thrown'),
  ]
}
