import type { PGlite } from '@electric-sql/pglite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  asAnon,
  asService,
  asServiceRole,
  asUser,
  createTestDatabase,
  fixture,
  user,
} from './pglite'

const alice = user('a') // org-a
const bob = user('b') // org-b
const carol = user('c') // org-a and org-b
const dave = user('d') // no organization

let db: PGlite
const deals: Record<'a' | 'b', string> = { a: '', b: '' }
const contacts: Record<'a' | 'b', string> = { a: '', b: '' }

beforeAll(async () => {
  db = await createTestDatabase()
  await fixture(db, { 'org-a': [alice, carol], 'org-b': [bob, carol], 'org-empty': [] })
  await asService(db, async (tx) => {
    for (const side of ['a', 'b'] as const) {
      const org = `org-${side}`
      const deal = await tx.query<{ id: string }>(
        'insert into public.deals (organization_id, title) values ($1, $2) returning id',
        [org, `deal ${side}`],
      )
      deals[side] = deal.rows[0]!.id
      const contact = await tx.query<{ id: string }>(
        'insert into public.contacts (organization_id, name) values ($1, $2) returning id',
        [org, `contact ${side}`],
      )
      contacts[side] = contact.rows[0]!.id
      await tx.query('insert into public.deal_contacts (deal_id, contact_id) values ($1, $2)', [
        deals[side],
        contacts[side],
      ])
    }
    await tx.query('insert into public.profiles (id, email) values ($1, $2), ($3, $4)', [
      alice,
      'alice@example.com',
      bob,
      'bob@example.com',
    ])
  })
}, 30_000)

afterAll(async () => {
  await db?.close()
})

async function visibleEventOrgs(
  run: (fn: (tx: Pick<PGlite, 'query'>) => Promise<string[]>) => Promise<string[]>,
): Promise<string[]> {
  return run(async (tx) => {
    const result = await tx.query<{ organization_id: string }>(
      'select distinct organization_id from public.realtime_table_events order by 1',
    )
    return result.rows.map((row) => row.organization_id)
  })
}

async function eventCount(
  run: (fn: (tx: Pick<PGlite, 'query'>) => Promise<number>) => Promise<number>,
  organizationId: string,
): Promise<number> {
  return run(async (tx) => {
    const result = await tx.query<{ count: number }>(
      'select count(*)::int as count from public.realtime_table_events where organization_id = $1',
      [organizationId],
    )
    return result.rows[0]!.count
  })
}

const PERMISSION_DENIED = /permission denied/

describe('realtime_table_events visibility', () => {
  it('a member of org A reads exactly org A events', async () => {
    expect(await visibleEventOrgs((fn) => asUser(db, alice, fn))).toEqual(['org-a'])
    const all = await eventCount((fn) => asService(db, fn), 'org-a')
    expect(all).toBe(3) // deal, contact, deal_contacts
    expect(await eventCount((fn) => asUser(db, alice, fn), 'org-a')).toBe(all)
  })

  it('a member of both organizations reads both', async () => {
    expect(await visibleEventOrgs((fn) => asUser(db, carol, fn))).toEqual(['org-a', 'org-b'])
  })

  it('a member of org B does not read org A events even when filtering for them', async () => {
    expect(await eventCount((fn) => asUser(db, bob, fn), 'org-a')).toBe(0)
    expect(await eventCount((fn) => asUser(db, bob, fn), 'org-b')).toBe(3)
  })

  it('a signed-in non-member reads none', async () => {
    expect(await visibleEventOrgs((fn) => asUser(db, dave, fn))).toEqual([])
  })

  it('anon reads none: the table is not even granted to anon', async () => {
    await expect(visibleEventOrgs((fn) => asAnon(db, fn))).rejects.toThrow(PERMISSION_DENIED)
  })

  it('service_role reads every organization (BYPASSRLS)', async () => {
    expect(await visibleEventOrgs((fn) => asServiceRole(db, fn))).toEqual(['org-a', 'org-b'])
  })

  it('authenticated cannot INSERT, UPDATE or DELETE events directly', async () => {
    const before = await eventCount((fn) => asService(db, fn), 'org-a')
    await expect(
      asUser(db, alice, (tx) =>
        tx.query(
          `insert into public.realtime_table_events (organization_id, table_name, event_type, record_id)
           values ('org-a', 'deals', 'INSERT', 'forged')`,
        ),
      ),
    ).rejects.toThrow(PERMISSION_DENIED)
    await expect(
      asUser(db, alice, (tx) =>
        tx.query(`update public.realtime_table_events set record_id = 'forged'`),
      ),
    ).rejects.toThrow(PERMISSION_DENIED)
    await expect(
      asUser(db, alice, (tx) => tx.query('delete from public.realtime_table_events')),
    ).rejects.toThrow(PERMISSION_DENIED)
    await expect(
      asAnon(db, (tx) =>
        tx.query(
          `insert into public.realtime_table_events (organization_id, table_name, event_type, record_id)
           values ('org-a', 'deals', 'INSERT', 'forged')`,
        ),
      ),
    ).rejects.toThrow(PERMISSION_DENIED)
    expect(await eventCount((fn) => asService(db, fn), 'org-a')).toBe(before)
  })
})

describe('plumbing is not reachable through the API roles', () => {
  it('realtime_parent_routes is invisible to authenticated and anon', async () => {
    await expect(
      asUser(db, alice, (tx) => tx.query('select * from public.realtime_parent_routes')),
    ).rejects.toThrow(PERMISSION_DENIED)
    await expect(
      asAnon(db, (tx) => tx.query('select * from public.realtime_parent_routes')),
    ).rejects.toThrow(PERMISSION_DENIED)
  })

  it.each([
    `select public.get_organization_id_for_change('deal_contacts', '{"deal_id": "x"}')`,
    `select public.get_record_id_for_change('public.deals', '{}')`,
    'select public.prune_realtime_table_events()',
    `select public.realtime_track_table('public.profiles')`,
    'select public.notify_organization_of_table_change()',
  ])('authenticated cannot call %s', async (sql) => {
    await expect(asUser(db, alice, (tx) => tx.query(sql))).rejects.toThrow(PERMISSION_DENIED)
  })

  it('is_organization_member answers for the signed-in user only', async () => {
    const answers = await asUser(db, alice, async (tx) => {
      const result = await tx.query<{ a: boolean; b: boolean }>(
        `select public.is_organization_member('org-a') as a, public.is_organization_member('org-b') as b`,
      )
      return result.rows[0]
    })
    expect(answers).toEqual({ a: true, b: false })
    await expect(
      asAnon(db, (tx) => tx.query(`select public.is_organization_member('org-a')`)),
    ).rejects.toThrow(PERMISSION_DENIED)
  })
})

describe('organizations and memberships', () => {
  it('a member reads their organizations only', async () => {
    const rows = await asUser(db, alice, async (tx) => {
      const result = await tx.query<{ id: string }>(
        'select id from public.organizations order by id',
      )
      return result.rows
    })
    expect(rows).toEqual([{ id: 'org-a' }])
    const none = await asUser(db, dave, async (tx) => {
      const result = await tx.query('select id from public.organizations')
      return result.rows
    })
    expect(none).toEqual([])
  })

  it('a member reads the membership rows of their organizations only', async () => {
    const rows = await asUser(db, alice, async (tx) => {
      const result = await tx.query<{ organization_id: string; user_id: string }>(
        'select organization_id, user_id::text from public.organization_members order by 1, 2',
      )
      return result.rows
    })
    expect(rows).toEqual([
      { organization_id: 'org-a', user_id: alice },
      { organization_id: 'org-a', user_id: carol },
    ])
  })

  it('a user cannot add themselves to an organization', async () => {
    await expect(
      asUser(db, dave, (tx) =>
        tx.query(
          `insert into public.organization_members (organization_id, user_id) values ('org-a', $1)`,
          [dave],
        ),
      ),
    ).rejects.toThrow(/row-level security|permission denied/)
  })
})

describe('demo tables', () => {
  it("a member cannot read another organization's deals, contacts or deal_contacts", async () => {
    const seen = await asUser(db, alice, async (tx) => {
      const ids = async (sql: string) =>
        (await tx.query<{ id: string }>(sql)).rows.map((row) => row.id)
      return {
        deals: await ids('select id from public.deals'),
        contacts: await ids('select id from public.contacts'),
        dealContacts: await ids(
          `select deal_id || ':' || contact_id as id from public.deal_contacts`,
        ),
        dealB: await ids(`select id from public.deals where id = '${deals.b}'`),
      }
    })
    expect(seen).toEqual({
      deals: [deals.a],
      contacts: [contacts.a],
      dealContacts: [`${deals.a}:${contacts.a}`],
      dealB: [],
    })
  })

  it("a member cannot change or delete another organization's deal", async () => {
    const affected = await asUser(db, alice, async (tx) => {
      const update = await tx.query(`update public.deals set title = 'hacked' where id = $1`, [
        deals.b,
      ])
      const remove = await tx.query('delete from public.deals where id = $1', [deals.b])
      return [update.affectedRows, remove.affectedRows]
    })
    expect(affected).toEqual([0, 0])
    const title = await db.query<{ title: string }>(
      'select title from public.deals where id = $1',
      [deals.b],
    )
    expect(title.rows).toEqual([{ title: 'deal b' }])
  })

  it('a member cannot create rows in, or move rows to, an organization they are not in', async () => {
    await expect(
      asUser(db, alice, (tx) =>
        tx.query(`insert into public.deals (organization_id, title) values ('org-b', 'sneaky')`),
      ),
    ).rejects.toThrow(/row-level security/)
    await expect(
      asUser(db, alice, (tx) =>
        tx.query(`update public.deals set organization_id = 'org-b' where id = $1`, [deals.a]),
      ),
    ).rejects.toThrow(/row-level security/)
    await expect(
      asUser(db, alice, (tx) =>
        tx.query('insert into public.deal_contacts (deal_id, contact_id) values ($1, $2)', [
          deals.b,
          contacts.a,
        ]),
      ),
    ).rejects.toThrow(/row-level security/)
  })

  it("a member cannot link their rows to another organization's rows, even one they belong to", async () => {
    const refused = async (member: string, sql: string, params: unknown[]) =>
      expect(asUser(db, member, (tx) => tx.query(sql, params))).rejects.toThrow(
        /row-level security/,
      )
    // Foreign keys are checked without RLS: the policies say the parent is in the same org.
    await refused(
      alice,
      `insert into public.activities (organization_id, deal_id, kind) values ('org-a', $1, 'call')`,
      [deals.b],
    )
    await refused(
      alice,
      `insert into public.emails (organization_id, contact_id, subject) values ('org-a', $1, 'hi')`,
      [contacts.b],
    )
    await refused(alice, 'insert into public.deal_contacts (deal_id, contact_id) values ($1, $2)', [
      deals.a,
      contacts.b,
    ])
    // Carol is in both organizations, yet a junction row must not join them.
    await refused(carol, 'insert into public.deal_contacts (deal_id, contact_id) values ($1, $2)', [
      deals.a,
      contacts.b,
    ])
    await refused(
      carol,
      `insert into public.activities (organization_id, deal_id, kind) values ('org-a', $1, 'call')`,
      [deals.b],
    )
    // The same rows within one organization are written, and a move across is refused.
    const activity = await asUser(db, alice, async (tx) => {
      const result = await tx.query<{ id: string }>(
        `insert into public.activities (organization_id, deal_id, kind)
         values ('org-a', $1, 'call') returning id`,
        [deals.a],
      )
      return result.rows[0]!.id
    })
    await refused(alice, 'update public.activities set deal_id = $1 where id = $2', [
      deals.b,
      activity,
    ])
    const links = await db.query<{ n: number }>(
      `select count(*)::int as n from public.deal_contacts where deal_id = $1 and contact_id = $2`,
      [deals.a, contacts.b],
    )
    expect(links.rows).toEqual([{ n: 0 }])
  })

  it('a member writes their organization rows, and the events carry their id', async () => {
    const dealId = await asUser(db, bob, async (tx) => {
      const result = await tx.query<{ id: string }>(
        `insert into public.projects (organization_id, name, status)
         values ('org-b', 'launch', 'active') returning id`,
      )
      return result.rows[0]!.id
    })
    const events = await db.query(
      `select organization_id, table_name, event_type, actor_id::text
       from public.realtime_table_events where record_id = $1`,
      [dealId],
    )
    expect(events.rows).toEqual([
      { organization_id: 'org-b', table_name: 'projects', event_type: 'INSERT', actor_id: bob },
    ])
  })

  it('profiles are readable by signed-in users, writable only by their owner, hidden from anon', async () => {
    const result = await asUser(db, bob, async (tx) => {
      const read = await tx.query<{ email: string }>('select email from public.profiles order by 1')
      const others = await tx.query(`update public.profiles set display_name = 'x' where id = $1`, [
        alice,
      ])
      const own = await tx.query(`update public.profiles set display_name = 'Bob' where id = $1`, [
        bob,
      ])
      return {
        emails: read.rows.map((row) => row.email),
        others: others.affectedRows,
        own: own.affectedRows,
      }
    })
    expect(result).toEqual({ emails: ['alice@example.com', 'bob@example.com'], others: 0, own: 1 })
    const anon = await asAnon(
      db,
      async (tx) => (await tx.query('select * from public.profiles')).rows,
    )
    expect(anon).toEqual([])
  })
})
