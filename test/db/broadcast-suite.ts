import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { user } from './pglite'

/**
 * Broadcast from Database (supabase/migrations/20261202000000_realtime_broadcast.sql and the
 * realtime section of supabase/local/supabase-shim.sql), as a user of the database relies on
 * it. One suite, run by broadcast.test.ts on PGlite and by broadcast-postgres.test.ts on a real
 * Postgres server.
 */

export interface Sql {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>
}

export interface SqlDatabase extends Sql {
  /** Runs `fn` in a transaction: commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>
  /** Shim, every migration and the demo schema, in the stack's order. */
  applySchema(): Promise<void>
  /** Every WARNING the server raised so far, oldest first. */
  warnings(): string[]
  close(): Promise<void>
}

const alice = user('b1') // org-a
const bob = user('b2') // org-b
const carol = user('b3') // org-a and org-b
const dave = user('b4') // org-c (the failing-send test)

/** The documented switch, verbatim. */
const TO_BROADCAST = `update public.realtime_sync_settings set transport = 'broadcast';`
const TO_POSTGRES_CHANGES = `update public.realtime_sync_settings set transport = 'postgres_changes';`

const RLS_REFUSED = /row-level security/

type Role = 'authenticated' | 'anon' | 'service_role'

interface Message {
  topic: string
  extension: string
  event: string
  private: boolean
  payload: Record<string, unknown>
}

interface Event {
  id: string
  organization_id: string
  table_name: string
  event_type: string
  record_id: string
  actor_id: string | null
  json: Record<string, unknown>
}

export function describeBroadcast(label: string, connect: () => Promise<SqlDatabase>): void {
  describe(label, () => {
    let db: SqlDatabase

    beforeAll(async () => {
      db = await connect()
      await db.applySchema()
      for (const [orgId, members] of Object.entries({
        'org-a': [alice, carol],
        'org-b': [bob, carol],
        'org-c': [dave],
      })) {
        await db.query(
          'insert into public.organizations (id, name) values ($1, $1) on conflict do nothing',
          [orgId],
        )
        for (const member of members) {
          await db.query(
            `insert into public.organization_members (organization_id, user_id)
             values ($1, $2) on conflict do nothing`,
            [orgId, member],
          )
        }
      }
    }, 60_000)

    afterAll(async () => {
      await db?.close()
    })

    beforeEach(async () => {
      await db.query('delete from realtime.messages')
    })

    /** In a transaction as `role` with claims, and realtime.topic when given, as Realtime does. */
    function as<T>(
      role: Role,
      claims: Record<string, unknown>,
      topic: string | null,
      fn: (tx: Sql) => Promise<T>,
    ): Promise<T> {
      return db.transaction(async (tx) => {
        // `role` is one of three literals, never input.
        await tx.query(`set local role ${role}`)
        await tx.query(`select set_config('request.jwt.claims', $1, true)`, [
          JSON.stringify(claims),
        ])
        if (topic !== null) await tx.query(`select set_config('realtime.topic', $1, true)`, [topic])
        return fn(tx)
      })
    }
    const asUser = <T>(userId: string, fn: (tx: Sql) => Promise<T>, topic: string | null = null) =>
      as('authenticated', { sub: userId, role: 'authenticated' }, topic, fn)
    const asAnon = <T>(fn: (tx: Sql) => Promise<T>, topic: string | null = null) =>
      as('anon', { role: 'anon' }, topic, fn)
    const asServiceRole = <T>(fn: (tx: Sql) => Promise<T>) =>
      as('service_role', { role: 'service_role' }, null, fn)

    async function insertDeal(tx: Sql, organizationId: string, title: string): Promise<string> {
      const result = await tx.query<{ id: string }>(
        `insert into public.deals (organization_id, title, stage)
         values ($1, $2, 'lead') returning id::text`,
        [organizationId, title],
      )
      return result.rows[0]!.id
    }

    async function insertContact(tx: Sql, organizationId: string, name: string): Promise<string> {
      const result = await tx.query<{ id: string }>(
        'insert into public.contacts (organization_id, name) values ($1, $2) returning id::text',
        [organizationId, name],
      )
      return result.rows[0]!.id
    }

    /** All realtime.messages rows, oldest first, read as the owner (no RLS). */
    async function messages(): Promise<Message[]> {
      const result = await db.query<Message>(
        `select topic, extension, event, private, payload
         from realtime.messages
         order by inserted_at,
                  case pg_catalog.jsonb_typeof(payload -> 'id')
                    when 'number' then (payload ->> 'id')::numeric
                  end`,
      )
      return result.rows
    }

    async function lastEventId(): Promise<string> {
      const result = await db.query<{ id: string }>(
        'select coalesce(max(id), 0)::text as id from public.realtime_table_events',
      )
      return result.rows[0]!.id
    }

    /** Event rows after `afterId`, oldest first, each with its to_jsonb(). */
    async function eventsSince(afterId: string): Promise<Event[]> {
      const result = await db.query<Event>(
        `select e.id::text, e.organization_id, e.table_name, e.event_type, e.record_id,
                e.actor_id::text, pg_catalog.to_jsonb(e) as json
         from public.realtime_table_events e
         where e.id > $1::bigint
         order by e.id`,
        [afterId],
      )
      return result.rows
    }

    /** What realtime.send must have inserted for an event row. */
    function broadcastOf(event: Event): Message {
      return {
        topic: `org:${event.organization_id}`,
        extension: 'broadcast',
        event: event.event_type,
        private: true,
        payload: event.json,
      }
    }

    async function transport(): Promise<string> {
      const result = await db.query<{ transport: string }>(
        'select transport from public.realtime_sync_settings',
      )
      return result.rows.map((row) => row.transport).join(',')
    }

    describe('postgres_changes mode (the default)', () => {
      it('is the transport of a freshly migrated database', async () => {
        expect(await transport()).toBe('postgres_changes')
      })

      it('a tracked change inserts its event row and sends no broadcast', async () => {
        const before = await lastEventId()
        const dealId = await asUser(alice, (tx) => insertDeal(tx, 'org-a', 'pc insert'))
        await asUser(alice, (tx) =>
          tx.query(`update public.deals set stage = 'won' where id = $1::uuid`, [dealId]),
        )

        const events = await eventsSince(before)
        expect(events.map((e) => [e.organization_id, e.event_type, e.record_id])).toEqual([
          ['org-a', 'INSERT', dealId],
          ['org-a', 'UPDATE', dealId],
        ])
        expect(await messages()).toEqual([])
      })
    })

    describe('broadcast mode', () => {
      beforeAll(async () => {
        await db.query(TO_BROADCAST)
      })
      afterAll(async () => {
        await db.query(TO_POSTGRES_CHANGES)
      })

      it('sends each event row once to org:<organization_id>: private broadcast, event = event_type, payload = the row', async () => {
        const before = await lastEventId()
        const dealId = await asUser(alice, (tx) => insertDeal(tx, 'org-a', 'bc'))
        await asUser(alice, (tx) =>
          tx.query(`update public.deals set stage = 'won' where id = $1::uuid`, [dealId]),
        )
        await asUser(alice, (tx) =>
          tx.query('delete from public.deals where id = $1::uuid', [dealId]),
        )

        const events = await eventsSince(before)
        expect(events.map((e) => e.event_type)).toEqual(['INSERT', 'UPDATE', 'DELETE'])
        const sent = await messages()
        expect(sent).toEqual(events.map(broadcastOf))
        expect(Object.keys(sent[0]!.payload).sort()).toEqual([
          'actor_id',
          'created_at',
          'event_type',
          'id',
          'organization_id',
          'record_id',
          'table_name',
        ])
        expect(sent[0]!.payload).toMatchObject({
          id: Number(events[0]!.id),
          organization_id: 'org-a',
          table_name: 'deals',
          event_type: 'INSERT',
          record_id: dealId,
          actor_id: alice,
        })
        expect(typeof sent[0]!.payload.created_at).toBe('string')
      })

      it('a change without a signed-in user (service role, backend job) is sent with actor_id null', async () => {
        const before = await lastEventId()
        await asServiceRole((tx) => insertDeal(tx, 'org-b', 'by the service role'))
        await db.transaction((tx) => insertDeal(tx, 'org-b', 'by a job'))

        const events = await eventsSince(before)
        expect(events).toHaveLength(2)
        const sent = await messages()
        expect(sent).toEqual(events.map(broadcastOf))
        expect(sent.map((m) => m.payload.actor_id)).toEqual([null, null])
      })

      it("a junction-table change (deal_contacts) is sent to its deal's organization", async () => {
        const { dealId, contactId } = await asUser(bob, async (tx) => ({
          dealId: await insertDeal(tx, 'org-b', 'junction'),
          contactId: await insertContact(tx, 'org-b', 'junction contact'),
        }))
        await db.query('delete from realtime.messages')
        const before = await lastEventId()

        await asUser(bob, (tx) =>
          tx.query('insert into public.deal_contacts (deal_id, contact_id) values ($1, $2)', [
            dealId,
            contactId,
          ]),
        )

        const events = await eventsSince(before)
        expect(events).toHaveLength(1)
        expect(events[0]).toMatchObject({
          organization_id: 'org-b',
          table_name: 'deal_contacts',
          event_type: 'INSERT',
          record_id: `${dealId}:${contactId}`,
        })
        expect(await messages()).toEqual(events.map(broadcastOf))
      })

      it('an UPDATE moving a deal from org A to org B is sent to both topics', async () => {
        const dealId = await asUser(carol, (tx) => insertDeal(tx, 'org-a', 'moving'))
        await db.query('delete from realtime.messages')
        const before = await lastEventId()

        await asUser(carol, (tx) =>
          tx.query(`update public.deals set organization_id = 'org-b' where id = $1::uuid`, [
            dealId,
          ]),
        )

        const events = await eventsSince(before)
        expect(events).toHaveLength(2)
        const sent = await messages()
        expect(sent).toEqual(expect.arrayContaining(events.map(broadcastOf)))
        expect(sent).toHaveLength(2)
        expect(sent.map((m) => [m.topic, m.event, m.payload.record_id]).sort()).toEqual([
          ['org:org-a', 'UPDATE', dealId],
          ['org:org-b', 'UPDATE', dealId],
        ])
      })

      it("a failed send is only a warning: the user's change and its event row still commit", async () => {
        // Make the insert into realtime.messages fail for org-c's topic only.
        await db.query(
          `alter table realtime.messages
             add constraint test_refuse_org_c check (topic <> 'org:org-c')`,
        )
        try {
          const warningsBefore = db.warnings().length
          const before = await lastEventId()
          const dealId = await asUser(dave, (tx) => insertDeal(tx, 'org-c', 'send fails'))

          const deal = await db.query('select 1 from public.deals where id = $1::uuid', [dealId])
          expect(deal.rows).toHaveLength(1)
          const events = await eventsSince(before)
          expect(events.map((e) => [e.organization_id, e.record_id])).toEqual([['org-c', dealId]])
          expect(await messages()).toEqual([])
          expect(db.warnings().slice(warningsBefore)).toEqual([
            expect.stringMatching(/^WarnSendingBroadcastMessage: .*test_refuse_org_c/),
          ])
        } finally {
          await db.query('alter table realtime.messages drop constraint test_refuse_org_c')
        }
      })

      it('the documented statement switches back: no broadcast afterwards, events still recorded', async () => {
        await db.query(TO_POSTGRES_CHANGES)
        try {
          const before = await lastEventId()
          await asUser(alice, (tx) => insertDeal(tx, 'org-a', 'switched back'))
          expect(await eventsSince(before)).toHaveLength(1)
          expect(await messages()).toEqual([])
        } finally {
          await db.query(TO_BROADCAST)
        }
      })
    })

    describe('who receives and who sends (RLS on realtime.messages)', () => {
      beforeAll(async () => {
        await db.query(TO_BROADCAST)
      })
      afterAll(async () => {
        await db.query(TO_POSTGRES_CHANGES)
      })
      beforeEach(async () => {
        await asUser(alice, (tx) => insertDeal(tx, 'org-a', 'rls a'))
        await asUser(bob, (tx) => insertDeal(tx, 'org-b', 'rls b'))
      })

      const visibleTopics = (tx: Sql) =>
        tx
          .query<{ topic: string }>('select distinct topic from realtime.messages order by topic')
          .then((result) => result.rows.map((row) => row.topic))

      it("a member of org A on topic org:org-a receives org A's messages, and only those", async () => {
        expect(await asUser(alice, visibleTopics, 'org:org-a')).toEqual(['org:org-a'])
        expect(await asUser(carol, visibleTopics, 'org:org-b')).toEqual(['org:org-b'])
      })

      it('a member of org A on topic org:org-b (not a member there) receives nothing', async () => {
        expect(await asUser(alice, visibleTopics, 'org:org-b')).toEqual([])
      })

      it('without realtime.topic (an API request, not a channel join) nothing is visible', async () => {
        expect(await asUser(alice, visibleTopics)).toEqual([])
      })

      it('anon receives nothing on any org topic', async () => {
        expect(await asAnon(visibleTopics, 'org:org-a')).toEqual([])
        expect(await asAnon(visibleTopics)).toEqual([])
      })

      it("Realtime's join probe (as realtime.authorize does it): members may read broadcast, nobody presence", async () => {
        // Probe rows are inserted by Realtime's own role, then read as the user with
        // realtime.topic set; everything is rolled back.
        async function mayRead(userId: string, topic: string, extension: string) {
          const rollback = new Error('rollback')
          let allowed: boolean | undefined
          await db
            .transaction(async (tx) => {
              const probe = await tx.query<{ id: string }>(
                `insert into realtime.messages (topic, extension) values ($1, $2) returning id::text`,
                [topic, extension],
              )
              await tx.query('set local role authenticated')
              await tx.query(
                `select set_config('request.jwt.claims', $1, true),
                        set_config('realtime.topic', $2, true)`,
                [JSON.stringify({ sub: userId, role: 'authenticated' }), topic],
              )
              const seen = await tx.query<{ allowed: boolean }>(
                'select exists (select 1 from realtime.messages where id = $1::uuid) as allowed',
                [probe.rows[0]!.id],
              )
              allowed = seen.rows[0]!.allowed
              throw rollback
            })
            .catch((error: unknown) => {
              if (error !== rollback) throw error
            })
          return allowed
        }
        expect(await mayRead(alice, 'org:org-a', 'broadcast')).toBe(true)
        expect(await mayRead(bob, 'org:org-a', 'broadcast')).toBe(false)
        expect(await mayRead(alice, 'org:org-a', 'presence')).toBe(false)
      })

      const forge = (topic: string) => (tx: Sql) =>
        tx.query(
          `insert into realtime.messages (topic, extension, event, payload, private)
           values ($1, 'broadcast', 'INSERT', '{"record_id":"forged"}', true)`,
          [topic],
        )

      it('neither authenticated (even a member) nor anon may send on an org topic', async () => {
        await expect(asUser(alice, forge('org:org-a'), 'org:org-a')).rejects.toThrow(RLS_REFUSED)
        await expect(asUser(alice, forge('org:org-a'))).rejects.toThrow(RLS_REFUSED)
        await expect(asAnon(forge('org:org-a'), 'org:org-a')).rejects.toThrow(RLS_REFUSED)
      })

      it('the restrictive policy grants nothing by itself: with no insert policy of the app, no topic is open', async () => {
        await expect(asUser(alice, forge('chat:1'), 'chat:1')).rejects.toThrow(RLS_REFUSED)
        await expect(asAnon(forge('chat:1'), 'chat:1')).rejects.toThrow(RLS_REFUSED)
      })

      it("with the app's own permissive policies, its topics are open and org topics stay closed", async () => {
        await db.query(`create policy "test: anyone sends" on realtime.messages
                          for insert to anon, authenticated with check (true)`)
        await db.query(`create policy "test: anyone edits" on realtime.messages
                          for all to authenticated using (true) with check (true)`)
        // Not granted on Supabase; an app that grants it still cannot delete org messages.
        await db.query('grant delete on realtime.messages to authenticated')
        try {
          await asUser(alice, forge('chat:1'), 'chat:1')
          await asAnon(forge('chat:2'), 'chat:2')
          await expect(asUser(alice, forge('org:org-a'), 'org:org-a')).rejects.toThrow(RLS_REFUSED)
          await expect(asAnon(forge('org:org-a'), 'org:org-a')).rejects.toThrow(RLS_REFUSED)
          // The row's topic decides, not realtime.topic: a session that sets it to one of the
          // app's topics still cannot write a row that would be delivered to an org topic.
          await expect(asUser(alice, forge('org:org-a'), 'chat:1')).rejects.toThrow(RLS_REFUSED)
          await expect(asUser(alice, forge('org:org-a'))).rejects.toThrow(RLS_REFUSED)
          // Nor rewrite, re-target or delete an org message Realtime may still replay.
          const changed = await asUser(
            alice,
            async (tx) => {
              const rewrite = await tx.query(
                `update realtime.messages set payload = '{"forged":true}' where topic = 'org:org-a'`,
              )
              const removed = await tx.query(
                `delete from realtime.messages where topic like 'org:%'`,
              )
              return [rewrite.affectedRows, removed.affectedRows]
            },
            'org:org-a',
          )
          expect(changed).toEqual([0, 0])
          await expect(
            asUser(alice, (tx) =>
              tx.query(`update realtime.messages set topic = 'org:org-b' where topic = 'chat:1'`),
            ),
          ).rejects.toThrow(RLS_REFUSED)
          const orgMessages = await messages()
          expect(orgMessages.filter((m) => m.topic.startsWith('org:')).length).toBe(2)
          expect(orgMessages.some((m) => 'forged' in m.payload)).toBe(false)
        } finally {
          await db.query('revoke delete on realtime.messages from authenticated')
          await db.query(`drop policy "test: anyone sends" on realtime.messages`)
          await db.query(`drop policy "test: anyone edits" on realtime.messages`)
        }
      })

      it('service_role bypasses RLS: it may send on org topics and reads them all', async () => {
        await asServiceRole(forge('org:org-a'))
        expect(await asServiceRole(visibleTopics)).toEqual(['org:org-a', 'org:org-b'])
      })

      it('the transport setting is not reachable through the API roles', async () => {
        const read = (tx: Sql) => tx.query('select * from public.realtime_sync_settings')
        const write = (tx: Sql) => tx.query(TO_POSTGRES_CHANGES)
        await expect(asUser(alice, read)).rejects.toThrow(/permission denied/)
        await expect(asUser(alice, write)).rejects.toThrow(/permission denied/)
        await expect(asAnon(read)).rejects.toThrow(/permission denied/)
        expect(await transport()).toBe('broadcast')
      })
    })

    describe('realtime.send and realtime.broadcast_changes (the shim, with the hosted behaviour)', () => {
      it('send adds payload.id when absent, keeps it when present, and is private by default', async () => {
        await db.query(`select realtime.send('{"a":1}', 'e1', 'test:send')`)
        await db.query(`select realtime.send('{"id":7}', 'e2', 'test:send', false)`)
        const rows = await db.query<{ id: string; payload: Record<string, unknown> } & Message>(
          `select id::text, topic, extension, event, private, payload
           from realtime.messages order by event`,
        )
        expect(rows.rows).toEqual([
          {
            id: rows.rows[0]!.id,
            topic: 'test:send',
            extension: 'broadcast',
            event: 'e1',
            private: true,
            payload: { a: 1, id: rows.rows[0]!.id },
          },
          {
            id: expect.any(String),
            topic: 'test:send',
            extension: 'broadcast',
            event: 'e2',
            private: false,
            payload: { id: 7 },
          },
        ])
      })

      it('broadcast_changes sends {old_record, record, operation, table, schema}; STATEMENT level raises', async () => {
        const dealId = await db.transaction((tx) => insertDeal(tx, 'org-a', 'changes'))
        await db.query('delete from realtime.messages')
        await db.query(
          `select realtime.broadcast_changes('test:changes', 'UPDATE', 'UPDATE', 'deals', 'public', d, d)
           from public.deals d where d.id = $1::uuid`,
          [dealId],
        )
        const sent = await messages()
        expect(sent).toHaveLength(1)
        expect(sent[0]).toMatchObject({ topic: 'test:changes', event: 'UPDATE', private: true })
        expect(sent[0]!.payload).toMatchObject({
          operation: 'UPDATE',
          table: 'deals',
          schema: 'public',
          record: { id: dealId, title: 'changes' },
          old_record: { id: dealId },
        })
        await expect(
          db.query(
            `select realtime.broadcast_changes('t', 'e', 'UPDATE', 'deals', 'public', null, null, 'STATEMENT')`,
          ),
        ).rejects.toThrow(/for each row/)
      })
    })

    describe('re-running the migrations', () => {
      afterEach(async () => {
        await db.query(TO_POSTGRES_CHANGES)
      })

      it('is safe: keeps the chosen transport, one settings row, the policies, one message per event', async () => {
        await db.query(TO_BROADCAST)
        await db.applySchema()
        await db.applySchema()

        expect(await transport()).toBe('broadcast')
        const policies = await db.query<{ policyname: string; permissive: string; cmd: string }>(
          `select policyname, permissive, cmd from pg_catalog.pg_policies
           where schemaname = 'realtime' and tablename = 'messages' order by policyname`,
        )
        expect(policies.rows).toEqual([
          {
            policyname: "Members receive their organizations' broadcasts",
            permissive: 'PERMISSIVE',
            cmd: 'SELECT',
          },
          {
            policyname: 'Nobody changes org topic messages from a client',
            permissive: 'RESTRICTIVE',
            cmd: 'UPDATE',
          },
          {
            policyname: 'Nobody deletes org topic messages from a client',
            permissive: 'RESTRICTIVE',
            cmd: 'DELETE',
          },
          {
            policyname: 'Nobody sends on org topics from a client',
            permissive: 'RESTRICTIVE',
            cmd: 'INSERT',
          },
        ])

        const before = await lastEventId()
        await asUser(alice, (tx) => insertDeal(tx, 'org-a', 'after re-apply'))
        const events = await eventsSince(before)
        expect(events).toHaveLength(1)
        expect(await messages()).toEqual(events.map(broadcastOf))

        const published = await db.query(
          `select schemaname, tablename from pg_catalog.pg_publication_tables
           where pubname = 'supabase_realtime' order by tablename`,
        )
        expect(published.rows).toEqual([
          { schemaname: 'public', tablename: 'realtime_table_events' },
        ])
      })
    })
  })
}
