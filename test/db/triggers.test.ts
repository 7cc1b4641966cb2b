import type { PGlite } from '@electric-sql/pglite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  applySchema,
  asService,
  asServiceRole,
  asUser,
  createTestDatabase,
  type EventRow,
  eventsFor,
  eventsSince,
  fixture,
  lastEventId,
  user,
} from './pglite'

const alice = user('a') // org-a
const bob = user('b') // org-b
const carol = user('c') // org-a and org-b

let db: PGlite

beforeAll(async () => {
  db = await createTestDatabase()
  await fixture(db, { 'org-a': [alice, carol], 'org-b': [bob, carol] })
}, 30_000)

afterAll(async () => {
  await db?.close()
})

/** The fields a test asserts on, without the generated id. */
function shape(events: EventRow[]) {
  return events.map(({ id: _id, ...rest }) => rest)
}

async function insertDeal(
  tx: Pick<PGlite, 'query'>,
  organizationId: string,
  title: string,
): Promise<string> {
  const result = await tx.query<{ id: string }>(
    'insert into public.deals (organization_id, title, stage) values ($1, $2, $3) returning id',
    [organizationId, title, 'lead'],
  )
  return result.rows[0]!.id
}

async function insertContact(
  tx: Pick<PGlite, 'query'>,
  organizationId: string,
  name: string,
): Promise<string> {
  const result = await tx.query<{ id: string }>(
    'insert into public.contacts (organization_id, name) values ($1, $2) returning id',
    [organizationId, name],
  )
  return result.rows[0]!.id
}

describe('direct table (organization_id column)', () => {
  it('records INSERT, UPDATE and DELETE of a deal with its organization, id and actor', async () => {
    const dealId = await asUser(db, alice, (tx) => insertDeal(tx, 'org-a', 'direct'))
    await asUser(db, alice, (tx) =>
      tx.query('update public.deals set stage = $2 where id = $1', [dealId, 'won']),
    )
    await asUser(db, alice, (tx) => tx.query('delete from public.deals where id = $1', [dealId]))

    const event = { organization_id: 'org-a', table_name: 'deals', record_id: dealId }
    expect(shape(await eventsFor(db, 'deals', dealId))).toEqual([
      { ...event, event_type: 'INSERT', actor_id: alice },
      { ...event, event_type: 'UPDATE', actor_id: alice },
      { ...event, event_type: 'DELETE', actor_id: alice },
    ])
  })

  it('records actor_id null when the owner (a backend job, no JWT) makes the change', async () => {
    const dealId = await asService(db, (tx) => insertDeal(tx, 'org-b', 'by a job'))
    await asService(db, (tx) =>
      tx.query('update public.deals set value = 10 where id = $1', [dealId]),
    )
    await asService(db, (tx) => tx.query('delete from public.deals where id = $1', [dealId]))

    const event = { organization_id: 'org-b', table_name: 'deals', record_id: dealId }
    expect(shape(await eventsFor(db, 'deals', dealId))).toEqual([
      { ...event, event_type: 'INSERT', actor_id: null },
      { ...event, event_type: 'UPDATE', actor_id: null },
      { ...event, event_type: 'DELETE', actor_id: null },
    ])
  })

  it('records actor_id null for the service_role (claims without sub)', async () => {
    const projectId = await asServiceRole(db, async (tx) => {
      const result = await tx.query<{ id: string }>(
        `insert into public.projects (organization_id, name, status)
         values ('org-a', 'service', 'active') returning id`,
      )
      return result.rows[0]!.id
    })

    expect(shape(await eventsFor(db, 'projects', projectId))).toEqual([
      {
        organization_id: 'org-a',
        table_name: 'projects',
        event_type: 'INSERT',
        record_id: projectId,
        actor_id: null,
      },
    ])
  })

  it('records one event per row of a multi-row statement', async () => {
    const before = await lastEventId(db)
    const ids = await asUser(db, bob, async (tx) => {
      const result = await tx.query<{ id: string }>(
        `insert into public.contacts (organization_id, name)
         values ('org-b', 'one'), ('org-b', 'two'), ('org-b', 'three') returning id`,
      )
      return result.rows.map((row) => row.id)
    })

    expect(shape(await eventsSince(db, before))).toEqual(
      ids.map((id) => ({
        organization_id: 'org-b',
        table_name: 'contacts',
        event_type: 'INSERT',
        record_id: id,
        actor_id: bob,
      })),
    )
  })
})

describe('junction table (no organization_id, routed through deals)', () => {
  it('records INSERT and DELETE for the deal organization, record_id "<deal_id>:<contact_id>"', async () => {
    const { dealId, contactId } = await asUser(db, bob, async (tx) => ({
      dealId: await insertDeal(tx, 'org-b', 'junction'),
      contactId: await insertContact(tx, 'org-b', 'junction contact'),
    }))
    const before = await lastEventId(db)

    await asUser(db, bob, (tx) =>
      tx.query('insert into public.deal_contacts (deal_id, contact_id) values ($1, $2)', [
        dealId,
        contactId,
      ]),
    )
    await asUser(db, bob, (tx) =>
      tx.query('delete from public.deal_contacts where deal_id = $1 and contact_id = $2', [
        dealId,
        contactId,
      ]),
    )

    const event = {
      organization_id: 'org-b',
      table_name: 'deal_contacts',
      record_id: `${dealId}:${contactId}`,
      actor_id: bob,
    }
    expect(shape(await eventsSince(db, before))).toEqual([
      { ...event, event_type: 'INSERT' },
      { ...event, event_type: 'DELETE' },
    ])
  })

  it('follows a multi-hop route (checklist_items → checklists → deals)', async () => {
    await asService(db, async (tx) => {
      await tx.exec(`
        create table public.checklists (
          id uuid primary key default gen_random_uuid(),
          deal_id uuid not null references public.deals (id) on delete cascade
        );
        create table public.checklist_items (
          id uuid primary key default gen_random_uuid(),
          checklist_id uuid not null references public.checklists (id) on delete cascade,
          label text
        );
        select public.realtime_track_table('public.checklists', 'deal_id', 'public.deals');
        select public.realtime_track_table('checklist_items', 'checklist_id', 'checklists');
      `)
    })
    const dealId = await asService(db, (tx) => insertDeal(tx, 'org-a', 'two hops'))
    const checklistId = await asService(db, async (tx) => {
      const result = await tx.query<{ id: string }>(
        'insert into public.checklists (deal_id) values ($1) returning id',
        [dealId],
      )
      return result.rows[0]!.id
    })
    const before = await lastEventId(db)

    const itemId = await asService(db, async (tx) => {
      const result = await tx.query<{ id: string }>(
        `insert into public.checklist_items (checklist_id, label) values ($1, 'call') returning id`,
        [checklistId],
      )
      return result.rows[0]!.id
    })

    expect(shape(await eventsSince(db, before))).toEqual([
      {
        organization_id: 'org-a',
        table_name: 'checklist_items',
        event_type: 'INSERT',
        record_id: itemId,
        actor_id: null,
      },
    ])
    const routes = await db.query(
      `select table_name, parent_column, parent_table, parent_key
       from public.realtime_parent_routes where table_name like 'checklist%' order by table_name`,
    )
    expect(routes.rows).toEqual([
      {
        table_name: 'checklist_items',
        parent_column: 'checklist_id',
        parent_table: 'public.checklists',
        parent_key: 'id',
      },
      {
        table_name: 'checklists',
        parent_column: 'deal_id',
        parent_table: 'public.deals',
        parent_key: 'id',
      },
    ])
  })

  it('stops after 5 hops on a cyclic route and produces no event', async () => {
    await asService(db, (tx) =>
      tx.exec(`
        create table public.cycle_nodes (id int primary key, parent_id int);
        select public.realtime_track_table('public.cycle_nodes', 'parent_id', 'public.cycle_nodes');
      `),
    )
    const before = await lastEventId(db)

    await asService(db, (tx) =>
      tx.exec(
        'insert into public.cycle_nodes values (1, 2), (2, 1); update public.cycle_nodes set parent_id = parent_id',
      ),
    )

    expect(await eventsSince(db, before)).toEqual([])
    const traced = await db.query<{ org: string | null }>(
      `select public.get_organization_id_for_change('cycle_nodes', '{"id": 1, "parent_id": 2}') as org`,
    )
    expect(traced.rows).toEqual([{ org: null }])
  })

  it('produces no event for a junction row whose parent column is null', async () => {
    await asService(db, (tx) =>
      tx.exec(`
        create table public.loose_links (id int primary key, deal_id uuid references public.deals (id));
        select public.realtime_track_table('public.loose_links', 'deal_id', 'public.deals');
      `),
    )
    const before = await lastEventId(db)

    await asService(db, (tx) => tx.exec('insert into public.loose_links values (1, null)'))

    expect(await eventsSince(db, before)).toEqual([])
  })

  it('known limit: junction rows deleted by a parent cascade are not traceable; the parent DELETE is sent', async () => {
    const { dealId, contactId } = await asUser(db, alice, async (tx) => {
      const ids = {
        dealId: await insertDeal(tx, 'org-a', 'cascade'),
        contactId: await insertContact(tx, 'org-a', 'cascade contact'),
      }
      await tx.query('insert into public.deal_contacts (deal_id, contact_id) values ($1, $2)', [
        ids.dealId,
        ids.contactId,
      ])
      return ids
    })
    const before = await lastEventId(db)

    await asUser(db, alice, (tx) => tx.query('delete from public.deals where id = $1', [dealId]))

    expect(shape(await eventsSince(db, before))).toEqual([
      {
        organization_id: 'org-a',
        table_name: 'deals',
        event_type: 'DELETE',
        record_id: dealId,
        actor_id: alice,
      },
    ])
    expect(await eventsFor(db, 'deal_contacts', `${dealId}:${contactId}`)).toHaveLength(1) // INSERT only
  })
})

describe('rows moving between organizations', () => {
  it('notifies both organizations when a deal moves from org A to org B', async () => {
    const dealId = await asUser(db, carol, (tx) => insertDeal(tx, 'org-a', 'moving'))
    const before = await lastEventId(db)

    await asUser(db, carol, (tx) =>
      tx.query(`update public.deals set organization_id = 'org-b' where id = $1`, [dealId]),
    )

    const events = shape(await eventsSince(db, before))
    expect(events).toHaveLength(2)
    expect(events).toEqual(
      expect.arrayContaining([
        {
          organization_id: 'org-b',
          table_name: 'deals',
          event_type: 'UPDATE',
          record_id: dealId,
          actor_id: carol,
        },
        {
          organization_id: 'org-a',
          table_name: 'deals',
          event_type: 'UPDATE',
          record_id: dealId,
          actor_id: carol,
        },
      ]),
    )
  })

  it('notifies both organizations when a junction row moves to a deal in another organization', async () => {
    const ids = await asUser(db, carol, async (tx) => {
      const dealA = await insertDeal(tx, 'org-a', 'junction move A')
      const dealB = await insertDeal(tx, 'org-b', 'junction move B')
      const contactId = await insertContact(tx, 'org-a', 'junction mover')
      // The policies keep both sides of a link in one organization: it moves with its contact.
      const contactB = await insertContact(tx, 'org-b', 'junction mover B')
      await tx.query('insert into public.deal_contacts (deal_id, contact_id) values ($1, $2)', [
        dealA,
        contactId,
      ])
      return { dealA, dealB, contactId, contactB }
    })
    const before = await lastEventId(db)

    await asUser(db, carol, (tx) =>
      tx.query('update public.deal_contacts set deal_id = $2, contact_id = $3 where deal_id = $1', [
        ids.dealA,
        ids.dealB,
        ids.contactB,
      ]),
    )

    expect(shape(await eventsSince(db, before))).toEqual(
      expect.arrayContaining([
        {
          organization_id: 'org-b',
          table_name: 'deal_contacts',
          event_type: 'UPDATE',
          record_id: `${ids.dealB}:${ids.contactB}`,
          actor_id: carol,
        },
        {
          organization_id: 'org-a',
          table_name: 'deal_contacts',
          event_type: 'UPDATE',
          record_id: `${ids.dealA}:${ids.contactId}`,
          actor_id: carol,
        },
      ]),
    )
    expect(await eventsSince(db, before)).toHaveLength(2)
  })

  it('sends one event when an update keeps the organization', async () => {
    const dealId = await asUser(db, alice, (tx) => insertDeal(tx, 'org-a', 'staying'))
    const before = await lastEventId(db)

    await asUser(db, alice, (tx) =>
      tx.query('update public.deals set title = $2 where id = $1', [dealId, 'still here']),
    )

    expect(shape(await eventsSince(db, before))).toEqual([
      {
        organization_id: 'org-a',
        table_name: 'deals',
        event_type: 'UPDATE',
        record_id: dealId,
        actor_id: alice,
      },
    ])
  })
})

describe('demo schema', () => {
  it("sets deals.updated_at from the database's clock on every update, whatever the client sends", async () => {
    const dealId = await asUser(db, alice, (tx) => insertDeal(tx, 'org-a', 'clock'))
    const result = await asUser(db, alice, (tx) =>
      tx.query<{ updated_at: Date; now: Date }>(
        `update public.deals set title = 'clock 2', updated_at = '2001-01-01'
         where id = $1 returning updated_at, now() as now`,
        [dealId],
      ),
    )
    expect(result.rows[0]!.updated_at).toEqual(result.rows[0]!.now)
  })
})

describe('untraceable tables', () => {
  it('produces no event (and no error) for a tracked table with no organization route', async () => {
    await asService(db, (tx) =>
      tx.exec(`
        create table public.notes_without_org (id uuid primary key default gen_random_uuid(), body text);
        select public.realtime_track_table('public.notes_without_org');
      `),
    )
    const before = await lastEventId(db)

    await asService(db, async (tx) => {
      await tx.exec(`insert into public.notes_without_org (body) values ('hello')`)
      await tx.exec(`update public.notes_without_org set body = 'bye'`)
      await tx.exec('delete from public.notes_without_org')
    })

    expect(await eventsSince(db, before)).toEqual([])
  })

  it('sends no event for the global profiles table (no trigger)', async () => {
    const before = await lastEventId(db)
    await asService(db, (tx) =>
      tx.query('insert into public.profiles (id, email) values ($1, $2)', [alice, 'a@example.com']),
    )
    expect(await eventsSince(db, before)).toEqual([])
  })

  it('uses the primary key when there is no id column, and "" when there is no key at all', async () => {
    await asService(db, (tx) =>
      tx.exec(`
        create table public.keyed_by_pair (organization_id text, a int, b text, primary key (b, a));
        create table public.keyless (organization_id text, note text);
        select public.realtime_track_table('public.keyed_by_pair');
        select public.realtime_track_table('public.keyless');
      `),
    )
    const before = await lastEventId(db)

    await asService(db, (tx) =>
      tx.exec(`
        insert into public.keyed_by_pair values ('org-a', 7, 'x');
        insert into public.keyless values ('org-b', 'n');
      `),
    )

    expect(
      (await eventsSince(db, before)).map((e) => [e.table_name, e.organization_id, e.record_id]),
    ).toEqual([
      ['keyed_by_pair', 'org-a', 'x:7'],
      ['keyless', 'org-b', ''],
    ])
  })
})

describe('realtime_track_table', () => {
  it('is idempotent: tracking twice still gives one trigger and one event per change', async () => {
    await asService(db, (tx) =>
      tx.exec(`
        select public.realtime_track_table('public.deals');
        select public.realtime_track_table('public.deals');
        select public.realtime_track_table('public.deal_contacts', 'deal_id', 'public.deals');
        select public.realtime_track_table('public.deal_contacts', 'deal_id', 'public.deals');
      `),
    )
    const triggers = await db.query<{ table: string; count: number }>(
      `select tgrelid::regclass::text as table, count(*)::int as count
       from pg_trigger
       where tgname = 'trigger_notify_org_change'
         and tgrelid in ('public.deals'::regclass, 'public.deal_contacts'::regclass)
       group by 1 order by 1`,
    )
    expect(triggers.rows).toEqual([
      { table: 'deal_contacts', count: 1 },
      { table: 'deals', count: 1 },
    ])
    const routes = await db.query(
      `select count(*)::int as count from public.realtime_parent_routes where table_name = 'deal_contacts'`,
    )
    expect(routes.rows).toEqual([{ count: 1 }])

    const dealId = await asUser(db, alice, (tx) => insertDeal(tx, 'org-a', 'tracked twice'))
    expect(await eventsFor(db, 'deals', dealId)).toHaveLength(1)
  })

  it('re-applying the shim, the migration and the demo schema is safe', async () => {
    await applySchema(db)

    const dealId = await asUser(db, alice, (tx) => insertDeal(tx, 'org-a', 'after re-apply'))
    expect(await eventsFor(db, 'deals', dealId)).toHaveLength(1)
    const published = await db.query(
      `select schemaname, tablename from pg_publication_tables
       where pubname = 'supabase_realtime' order by tablename`,
    )
    expect(published.rows).toEqual([{ schemaname: 'public', tablename: 'realtime_table_events' }])
  })

  it('rejects a parent column or parent key that does not exist', async () => {
    await expect(
      asService(db, (tx) =>
        tx.exec(
          `select public.realtime_track_table('public.deal_contacts', 'nope', 'public.deals')`,
        ),
      ),
    ).rejects.toThrow(/no column nope/)
    await expect(
      asService(db, (tx) =>
        tx.exec(
          `select public.realtime_track_table('public.deal_contacts', 'deal_id', 'public.deals', 'nope')`,
        ),
      ),
    ).rejects.toThrow(/no column nope on parent/)
    await expect(
      asService(db, (tx) =>
        tx.exec(`select public.realtime_track_table('public.deal_contacts', 'deal_id')`),
      ),
    ).rejects.toThrow(/give both/)
  })

  it('refuses to track realtime_table_events itself', async () => {
    await expect(
      asService(db, (tx) =>
        tx.exec(`select public.realtime_track_table('public.realtime_table_events')`),
      ),
    ).rejects.toThrow(/cannot track itself/)
  })

  it('handles SQL-injection-looking identifiers and values safely (quoted, passed by USING)', async () => {
    const evilTable = `evil"; drop table public.deals; --`
    const evilParent = `Parent'); drop table public.deals; --`
    const evilColumn = `parent" text); drop table public.deals; --`
    const evilKey = `key'; delete from public.organizations; --`
    const evilValue = `x'); drop table public.deals; --`
    await asService(db, async (tx) => {
      const quote = async (name: string) =>
        (await tx.query<{ q: string }>('select format($$%I$$, $1::text) as q', [name])).rows[0]!.q
      const parent = `public.${await quote(evilParent)}`
      await tx.exec(
        `create table ${parent} (${await quote(evilKey)} text primary key, organization_id text);
         create table public.${await quote(evilTable)} (
           id int primary key, ${await quote(evilColumn)} text
         );`,
      )
      await tx.query(`insert into ${parent} values ($1, 'org-b')`, [evilValue])
      await tx.query('select public.realtime_track_table($1::regclass, $2, $3, $4)', [
        `public.${await quote(evilTable)}`,
        evilColumn,
        parent,
        evilKey,
      ])
    })
    const before = await lastEventId(db)

    await asService(db, async (tx) => {
      const target = await tx.query<{ q: string }>('select format($$public.%I$$, $1::text) as q', [
        evilTable,
      ])
      await tx.query(`insert into ${target.rows[0]!.q} values (1, $1)`, [evilValue])
    })

    expect(shape(await eventsSince(db, before))).toEqual([
      {
        organization_id: 'org-b',
        table_name: evilTable,
        event_type: 'INSERT',
        record_id: '1',
        actor_id: null,
      },
    ])
    const intact = await db.query<{ deals: string | null; orgs: number }>(
      `select to_regclass('public.deals')::text as deals,
              (select count(*)::int from public.organizations) as orgs`,
    )
    expect(intact.rows).toEqual([{ deals: 'deals', orgs: 2 }])
  })
})

describe('retention', () => {
  it('prune_realtime_table_events removes rows older than keep and keeps recent ones', async () => {
    await asService(db, (tx) =>
      tx.exec(`
        insert into public.realtime_table_events
          (organization_id, table_name, event_type, record_id, created_at)
        values
          ('org-retention', 'deals', 'INSERT', 'old-1', now() - interval '2 hours'),
          ('org-retention', 'deals', 'INSERT', 'old-2', now() - interval '1 day'),
          ('org-retention', 'deals', 'INSERT', 'old-3', now() - interval '61 minutes'),
          ('org-retention', 'deals', 'INSERT', 'recent-1', now() - interval '59 minutes'),
          ('org-retention', 'deals', 'INSERT', 'recent-2', now());
      `),
    )
    const total = await db.query<{ count: number }>(
      'select count(*)::int as count from public.realtime_table_events',
    )

    const pruned = await db.query<{ pruned: number }>(
      'select public.prune_realtime_table_events()::int as pruned',
    )

    expect(pruned.rows).toEqual([{ pruned: 3 }])
    const left = await db.query<{ record_id: string }>(
      `select record_id from public.realtime_table_events
       where organization_id = 'org-retention' order by record_id`,
    )
    expect(left.rows).toEqual([{ record_id: 'recent-1' }, { record_id: 'recent-2' }])
    const after = await db.query<{ count: number }>(
      'select count(*)::int as count from public.realtime_table_events',
    )
    expect(after.rows[0]!.count).toBe(total.rows[0]!.count - 3)

    const custom = await db.query<{ pruned: number }>(
      `select public.prune_realtime_table_events(interval '30 minutes')::int as pruned`,
    )
    expect(custom.rows).toEqual([{ pruned: 1 }])
  })

  it('the trigger prunes opportunistically when an event id is a multiple of 1000', async () => {
    await asService(db, (tx) =>
      tx.exec(`
        insert into public.realtime_table_events
          (organization_id, table_name, event_type, record_id, created_at)
        values ('org-retention', 'deals', 'INSERT', 'stale', now() - interval '3 hours');
      `),
    )
    const next = await db.query<{ next: string }>(
      `select ((max(id) / 1000 + 1) * 1000)::text as next from public.realtime_table_events`,
    )
    // Events are created by the trigger (a multiple of 1000 is next), not by the test's insert.
    await asService(db, (tx) =>
      tx.exec(
        `alter table public.realtime_table_events alter column id restart with ${Number(next.rows[0]!.next) - 1}`,
      ),
    )

    const dealId = await asUser(db, alice, (tx) => insertDeal(tx, 'org-a', 'pruning'))
    const stale = await db.query(
      `select 1 from public.realtime_table_events where record_id = 'stale'`,
    )
    expect(stale.rows).toHaveLength(1) // id = next - 1: no prune yet

    await asUser(db, alice, (tx) =>
      tx.query('update public.deals set stage = $2 where id = $1', [dealId, 'won']),
    )
    const events = await eventsFor(db, 'deals', dealId)
    expect(events.map((e) => e.id)).toEqual([
      String(Number(next.rows[0]!.next) - 1),
      next.rows[0]!.next,
    ])
    const after = await db.query(
      `select 1 from public.realtime_table_events where record_id = 'stale'`,
    )
    expect(after.rows).toHaveLength(0)
  })
})
