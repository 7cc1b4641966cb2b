import type { Database } from './database'

/** The NOTIFY channel of the broadcast section of change-capture.sql. */
export const BROADCASTS_CHANNEL = 'realtime_stack_broadcasts'

/** One committed broadcast row of realtime.messages, as the capture trigger reported it. */
export interface CapturedBroadcast {
  /** realtime.messages.id: the message's `meta.id` on the wire. */
  id: string
  /** The channel name without `realtime:` (what realtime.send's `topic` was). */
  topic: string
  event: string
  private: boolean
  /** The payload (jsonb) as Postgres wrote it. */
  payloadJson: string
}

/** Truncated notifications carry the id only: the rest is read back (see readBroadcast). */
export type BroadcastNotification =
  { truncated: false; message: CapturedBroadcast } | { truncated: true; id: string }

/**
 * Listens for the broadcast trigger's notifications (realtime.send and any other insert into
 * realtime.messages). NOTIFY is delivered at commit, in commit order, which is the order the
 * stack relays them in.
 */
export class BroadcastCapture {
  private unlisten: (() => Promise<void>) | undefined

  constructor(
    private readonly db: Database,
    private readonly onBroadcast: (notification: BroadcastNotification) => void,
    private readonly onMalformed: (payload: string) => void = () => {},
  ) {}

  /**
   * Starts listening and puts the trigger on realtime.messages (when the table exists).
   * Returns whether database broadcasts are captured.
   */
  async start(): Promise<boolean> {
    this.unlisten = await this.db.listen(BROADCASTS_CHANNEL, (payload) => this.receive(payload))
    const result = await this.db.query<{ captured: boolean }>(
      'select realtime_stack.sync_broadcast_capture() as captured',
    )
    return result.rows[0]?.captured === true
  }

  async stop(): Promise<void> {
    const unlisten = this.unlisten
    this.unlisten = undefined
    await unlisten?.()
  }

  private receive(payload: string): void {
    const notification = parseNotification(payload)
    if (notification === undefined) this.onMalformed(payload)
    else this.onBroadcast(notification)
  }
}

/** `<header json>\n<payload json>`, or `{id, truncated: true}` alone. */
function parseNotification(text: string): BroadcastNotification | undefined {
  const newline = text.indexOf('\n')
  let header: unknown
  try {
    header = JSON.parse(newline < 0 ? text : text.slice(0, newline))
  } catch {
    return undefined
  }
  if (typeof header !== 'object' || header === null) return undefined
  const { id, topic, event, private: isPrivate, truncated } = header as Record<string, unknown>
  if (typeof id !== 'string') return undefined
  if (truncated === true) return { truncated: true, id }
  if (
    newline < 0 ||
    typeof topic !== 'string' ||
    typeof event !== 'string' ||
    typeof isPrivate !== 'boolean'
  ) {
    return undefined
  }
  return {
    truncated: false,
    message: { id, topic, event, private: isPrivate, payloadJson: text.slice(newline + 1) },
  }
}

/** The whole row of a truncated notification, as the owner; undefined when it is gone. */
export async function readBroadcast(
  db: Database,
  id: string,
): Promise<CapturedBroadcast | undefined> {
  const result = await db.query<{
    topic: string
    event: string
    private: boolean
    payload: string
  }>(
    `select topic, event, private, payload::text as payload from realtime.messages
     where id = $1::text::uuid and extension = 'broadcast'`,
    [id],
  )
  const row = result.rows[0]
  if (row === undefined || row.event === null || row.payload === null || row.private === null) {
    return undefined
  }
  return { id, topic: row.topic, event: row.event, private: row.private, payloadJson: row.payload }
}
