import { hashPassword } from '../auth/passwords'
import type { UserStore } from '../auth/user-store'
import { quoteIdent } from '../db/catalog'
import type { Database } from '../db/database'

/**
 * The demo world the demo app, the tests and the README share: two organizations, four users
 * (one in both), and a few rows of every demo table. Fixed ids, inserted only where absent, so
 * a restart on a kept data directory changes nothing.
 */

export const DEMO_PASSWORD = 'demo-password'

export const DEMO_ORGANIZATIONS = {
  acme: { id: 'org_acme', name: 'Acme Corporation' },
  globex: { id: 'org_globex', name: 'Globex Corporation' },
} as const

export interface DemoUser {
  id: string
  email: string
  name: string
  organizations: readonly string[]
}

export const DEMO_USERS = {
  alice: {
    id: 'a11ce000-0000-4000-8000-000000000001',
    email: 'alice@acme.test',
    name: 'Alice Anders',
    organizations: ['org_acme'],
  },
  bob: {
    id: 'b0b00000-0000-4000-8000-000000000002',
    email: 'bob@acme.test',
    name: 'Bob Brandt',
    organizations: ['org_acme'],
  },
  carol: {
    id: 'ca201000-0000-4000-8000-000000000003',
    email: 'carol@globex.test',
    name: 'Carol Chen',
    organizations: ['org_globex'],
  },
  dave: {
    id: 'da7e0000-0000-4000-8000-000000000004',
    email: 'dave@both.test',
    name: 'Dave Dorsey',
    organizations: ['org_acme', 'org_globex'],
  },
} as const satisfies Record<string, DemoUser>

/**
 * Tables streamed by Realtime in the demo (Supabase: Database → Publications). The engine only
 * needs realtime_table_events (the migration publishes it); the rest let an app or a test
 * subscribe to raw row changes too.
 */
export const DEMO_PUBLISHED_TABLES = [
  'deals',
  'contacts',
  'activities',
  'emails',
  'projects',
  'deal_contacts',
  'organization_members',
] as const

const id = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`

export const DEMO_DEALS = [
  {
    id: id('dea10000', 1),
    organization_id: 'org_acme',
    title: 'Anvils for the desert office',
    stage: 'won',
    value: 12500,
  },
  {
    id: id('dea10000', 2),
    organization_id: 'org_acme',
    title: 'Rocket skates, 40 pairs',
    stage: 'proposal',
    value: 8400,
  },
  {
    id: id('dea10000', 3),
    organization_id: 'org_acme',
    title: 'Giant magnet pilot',
    stage: 'lead',
    value: 3100,
  },
  {
    id: id('dea10000', 4),
    organization_id: 'org_globex',
    title: 'Hammock district fit-out',
    stage: 'negotiation',
    value: 56000,
  },
  {
    id: id('dea10000', 5),
    organization_id: 'org_globex',
    title: 'Cypress Creek campus',
    stage: 'lead',
    value: 91000,
  },
] as const

export const DEMO_CONTACTS = [
  {
    id: id('c0a7ac70', 1),
    organization_id: 'org_acme',
    name: 'Wile E. Coyote',
    email: 'wile@desert.test',
  },
  {
    id: id('c0a7ac70', 2),
    organization_id: 'org_acme',
    name: 'Road Runner',
    email: 'meep@desert.test',
  },
  {
    id: id('c0a7ac70', 3),
    organization_id: 'org_globex',
    name: 'Hank Scorpio',
    email: 'hank@globex.test',
  },
  {
    id: id('c0a7ac70', 4),
    organization_id: 'org_globex',
    name: 'Homer Simpson',
    email: 'homer@globex.test',
  },
]

const DEAL_CONTACTS = [
  { deal_id: DEMO_DEALS[0].id, contact_id: DEMO_CONTACTS[0]!.id },
  { deal_id: DEMO_DEALS[1].id, contact_id: DEMO_CONTACTS[1]!.id },
  { deal_id: DEMO_DEALS[3].id, contact_id: DEMO_CONTACTS[2]!.id },
]

const ACTIVITIES = [
  {
    id: id('ac710000', 1),
    organization_id: 'org_acme',
    deal_id: DEMO_DEALS[0].id,
    kind: 'call',
    note: 'Confirmed delivery to the canyon',
  },
  {
    id: id('ac710000', 2),
    organization_id: 'org_acme',
    deal_id: DEMO_DEALS[1].id,
    kind: 'meeting',
    note: 'Demo of the skates, no injuries',
  },
  {
    id: id('ac710000', 3),
    organization_id: 'org_globex',
    deal_id: DEMO_DEALS[3].id,
    kind: 'email',
    note: 'Sent the hammock catalogue',
  },
]

const EMAILS = [
  {
    id: id('e3a10000', 1),
    organization_id: 'org_acme',
    contact_id: DEMO_CONTACTS[0]!.id,
    subject: 'Your anvils',
    body: 'They ship on Monday.',
  },
  {
    id: id('e3a10000', 2),
    organization_id: 'org_globex',
    contact_id: DEMO_CONTACTS[2]!.id,
    subject: 'Campus tour',
    body: 'Bring a hammock.',
  },
]

const PROJECTS = [
  {
    id: id('f00d0000', 1),
    organization_id: 'org_acme',
    name: 'Desert logistics',
    status: 'active',
  },
  {
    id: id('f00d0000', 2),
    organization_id: 'org_globex',
    name: 'Cypress Creek move',
    status: 'planning',
  },
]

/** Rows of one table inserted where absent; columns from the fixed lists above, never input. */
async function insertRows(
  db: Database,
  table: string,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  if (rows.length === 0) return
  // Only the columns given, so the others take their defaults (created_at, updated_at ...).
  const columns = Object.keys(rows[0]!).map(quoteIdent).join(', ')
  await db.query(
    `insert into public.${quoteIdent(table)} (${columns})
     select ${columns} from pg_catalog.json_populate_recordset(null::public.${quoteIdent(table)}, $1::text::json)
     on conflict do nothing`,
    [JSON.stringify(rows)],
  )
}

export async function seedDemoWorld(db: Database, users: UserStore): Promise<void> {
  await db.query(
    `do $$
     declare v_table text;
     begin
       foreach v_table in array $tables$${`{${DEMO_PUBLISHED_TABLES.join(',')}}`}$tables$::text[] loop
         if not exists (
           select 1 from pg_catalog.pg_publication_tables
           where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = v_table
         ) then
           execute pg_catalog.format('alter publication supabase_realtime add table public.%I', v_table);
         end if;
       end loop;
     end
     $$`,
  )

  for (const user of Object.values(DEMO_USERS)) {
    if ((await users.findById(user.id)) !== undefined) continue
    await users.ensureUser({
      id: user.id,
      email: user.email,
      passwordHash: await hashPassword(DEMO_PASSWORD),
      userMetadata: { name: user.name },
    })
  }

  await insertRows(db, 'organizations', Object.values(DEMO_ORGANIZATIONS))
  await insertRows(
    db,
    'organization_members',
    Object.values(DEMO_USERS).flatMap((user) =>
      user.organizations.map((organization_id) => ({
        organization_id,
        user_id: user.id,
        role: 'member',
      })),
    ),
  )
  await insertRows(
    db,
    'profiles',
    Object.values(DEMO_USERS).map((user) => ({
      id: user.id,
      email: user.email,
      display_name: user.name,
    })),
  )
  await insertRows(db, 'deals', DEMO_DEALS)
  await insertRows(db, 'contacts', DEMO_CONTACTS)
  await insertRows(db, 'deal_contacts', DEAL_CONTACTS)
  await insertRows(db, 'activities', ACTIVITIES)
  await insertRows(db, 'emails', EMAILS)
  await insertRows(db, 'projects', PROJECTS)
}
