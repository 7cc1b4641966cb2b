import { envelope } from '../../bridge/protocol'

/** A page's hello with no engine, as the bridge sends it: the relays' tests pass it along. */
export const PAGE_HELLO = envelope('to-panel', {
  type: 'page-hello',
  session: 's1',
  url: 'http://localhost/',
  title: 't',
  engines: [],
})
