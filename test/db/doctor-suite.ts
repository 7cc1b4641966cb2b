import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { DoctorRow } from '../../cli/doctor'

/**
 * The database advisor (supabase/migrations/20261207100000_realtime_sync_doctor.sql), as a
 * person who runs `select * from realtime_sync_doctor()` relies on it: a healthy database has no
 * error; each broken setup makes the right check say error with a fix, and once that fix is run
 * the check says ok. One suite, run by doctor.test.ts on PGlite and by doctor-postgres.test.ts on
 * a real Postgres server. Tests share one database: each one breaks it, mends it with the fix the
 * advisor gave, and leaves it healthy (afterEach checks).
 */

export interface DoctorDatabase {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>
  /** Several statements, no parameters: a fix as the advisor wrote it. */
  exec(sql: string): Promise<void>
  /** Runs `fn` in a transaction, rolled back at the end. */
  rolledBack<T>(fn: (tx: Pick<DoctorDatabase, 'query'>) => Promise<T>): Promise<T>
  /** Shim, every migration and the demo schema, in the stack's order. */
  applySchema(): Promise<void>
  close(): Promise<void>
}

export type { DoctorRow }

export const CHECKS = [
  'events-in-publication',
  'events-rls',
  'events-select-policy',
  'events-client-writes',
  'events-replay-index',
  'events-retention',
  'table-tracked',
  'route-valid',
  'untraceable-table',
  'broadcast-policies',
] as const

/**
 * A small app beside the demo: documents with organization_id, and links to them routed through
 * a column that a test drops (the foreign key doc_id is the route it should have).
 */
export const SMALL_SCHEMA = `
  create table if not exists public.docs (
    id uuid primary key default gen_random_uuid(),
    organization_id text not null,
    title text
  );
  create table if not exists public.doc_links (
    id uuid primary key default gen_random_uuid(),
    doc_id uuid references public.docs (id) on delete cascade,
    old_doc_id uuid,
    url text
  );
  select public.realtime_track_table('public.docs');
  select public.realtime_track_table('public.doc_links', 'old_doc_id', 'public.docs');
`

export function describeDoctor(label: string, connect: () => Promise<DoctorDatabase>): void {
  describe(label, () => {
    let db: DoctorDatabase

    beforeAll(async () => {
      db = await connect()
      await db.applySchema()
      await db.exec(SMALL_SCHEMA)
    }, 120_000)

    afterAll(async () => {
      await db?.close()
    })

    afterEach(async () => {
      expect(errors(await doctor())).toEqual([])
    })

    async function doctor(): Promise<DoctorRow[]> {
      return (await db.query<DoctorRow>('select * from public.realtime_sync_doctor()')).rows
    }

    function errors(rows: DoctorRow[]): string[] {
      return rows
        .filter((row) => row.status === 'error')
        .map((row) => `${row.check} ${row.subject}: ${row.detail}`)
    }

    function find(rows: DoctorRow[], check: string, subject?: string): DoctorRow {
      const found = rows.filter(
        (row) => row.check === check && (subject === undefined || row.subject === subject),
      )
      expect(found, `${check} ${subject ?? ''}`).toHaveLength(1)
      return found[0]!
    }

    /**
     * Breaks the database with `breakIt`; `check` (on `subject`) then says error with a fix, and
     * after that fix runs, ok. Returns the error row.
     */
    async function brokenThenMended(
      breakIt: string,
      check: string,
      subject?: string,
    ): Promise<DoctorRow> {
      await db.exec(breakIt)
      const broken = find(await doctor(), check, subject)
      expect(broken).toMatchObject({ status: 'error' })
      expect(broken.fix).toMatch(/\S/)
      await db.exec(broken.fix!)
      const mended = find(await doctor(), check, subject)
      expect(mended).toMatchObject({ status: 'ok', fix: null })
      return broken
    }

    it('a healthy database (the migrations, the demo CRM, a junction with a route) has no error; every check answers', async () => {
      const rows = await doctor()
      expect(errors(rows)).toEqual([])
      expect([...new Set(rows.map((row) => row.check))]).toEqual(CHECKS)
      for (const row of rows) {
        expect(['ok', 'warn', 'error']).toContain(row.status)
        if (row.status === 'ok') expect(row.fix).toBeNull()
        else expect(row.fix).toMatch(/\S/)
      }
      const tracked = rows.filter((row) => row.check === 'table-tracked')
      expect(tracked.map((row) => row.subject)).toEqual(
        expect.arrayContaining([
          'public.deals',
          'public.deal_contacts',
          'public.docs',
          'public.doc_links',
        ]),
      )
      expect(tracked.every((row) => row.status === 'ok')).toBe(true)
      expect(find(rows, 'table-tracked', 'public.deal_contacts').detail).toContain(
        'deal_id -> public.deals.id',
      )
      // The membership table is listed as untracked on purpose; the global profiles table has
      // no organization_id and no trigger, so it is not a candidate at all.
      expect(find(rows, 'table-tracked', 'public.organization_members').detail).toMatch(
        /on purpose/,
      )
      expect(tracked.some((row) => row.subject === 'public.profiles')).toBe(false)
      expect(find(rows, 'broadcast-policies').status).toBe('ok')
    })

    it('events-retention: without pg_cron it warns, with the schedule as the fix', async () => {
      const available = await db.query<{ n: number }>(
        `select count(*)::int as n from pg_catalog.pg_extension where extname = 'pg_cron'`,
      )
      expect(available.rows[0]!.n).toBe(0)
      const row = find(await doctor(), 'events-retention')
      expect(row.status).toBe('warn')
      expect(row.detail).toMatch(/pg_cron is not installed/)
      expect(row.fix).toContain("cron.schedule('prune-realtime-table-events'")
    })

    it('table-tracked: the trigger dropped from a table, and a disabled one', async () => {
      const broken = await brokenThenMended(
        'drop trigger trigger_notify_org_change on public.deals',
        'table-tracked',
        'public.deals',
      )
      expect(broken.detail).toMatch(/no trigger calls notify_organization_of_table_change/)
      expect(broken.fix).toBe("select public.realtime_track_table('public.deals');")

      const disabled = await brokenThenMended(
        'alter table public.contacts disable trigger trigger_notify_org_change',
        'table-tracked',
        'public.contacts',
      )
      expect(disabled.detail).toMatch(/disabled/)

      // The junction's fix names its route again.
      const junction = await brokenThenMended(
        'drop trigger trigger_notify_org_change on public.deal_contacts',
        'table-tracked',
        'public.deal_contacts',
      )
      expect(junction.fix).toBe(
        "select public.realtime_track_table('public.deal_contacts', 'deal_id', 'public.deals', 'id');",
      )
    })

    it('table-tracked: a trigger of the wrong kind is named and replaced', async () => {
      const broken = await brokenThenMended(
        `drop trigger trigger_notify_org_change on public.projects;
         create trigger by_hand after insert on public.projects
           for each statement execute function public.notify_organization_of_table_change();`,
        'table-tracked',
        'public.projects',
      )
      expect(broken.detail).toMatch(/statement-level.*not on update.*not on delete/)
      expect(broken.fix).toContain('drop trigger by_hand on public.projects;')
    })

    it('table-tracked: a table with organization_id is tracked, or left out on purpose with realtime_untrack_table()', async () => {
      await db.exec('create table public.audit_log (id bigint primary key, organization_id text)')
      const row = find(await doctor(), 'table-tracked', 'public.audit_log')
      expect(row.status).toBe('error')
      expect(row.detail).toContain("select public.realtime_untrack_table('public.audit_log');")
      await db.exec("select public.realtime_untrack_table('public.audit_log')")
      expect(find(await doctor(), 'table-tracked', 'public.audit_log')).toMatchObject({
        status: 'ok',
        detail: expect.stringMatching(/on purpose/),
      })
      // Tracked again later: the list's row is stale, and the advisor says how to drop it.
      await db.exec("select public.realtime_track_table('public.audit_log')")
      const stale = find(await doctor(), 'table-tracked', 'public.audit_log')
      expect(stale.status).toBe('warn')
      await db.exec(stale.fix!)
      expect(find(await doctor(), 'table-tracked', 'public.audit_log').status).toBe('ok')
      await db.exec('drop table public.audit_log')
    })

    it('events-in-publication: the events table dropped from the publication', async () => {
      const broken = await brokenThenMended(
        'alter publication supabase_realtime drop table public.realtime_table_events',
        'events-in-publication',
      )
      expect(broken.detail).toMatch(/not in publication supabase_realtime/)
      expect(broken.fix).toBe(
        'alter publication supabase_realtime add table public.realtime_table_events;',
      )
    })

    it('events-select-policy: its select policy dropped', async () => {
      const broken = await brokenThenMended(
        `drop policy "Members read their organizations' events" on public.realtime_table_events`,
        'events-select-policy',
      )
      expect(broken.detail).toMatch(/no select policy lets members read/)
    })

    it('events-select-policy: a policy that lets anybody read every row', async () => {
      const broken = await brokenThenMended(
        `create policy "Everyone reads" on public.realtime_table_events for select using (true)`,
        'events-select-policy',
      )
      expect(broken.fix).toBe('drop policy "Everyone reads" on public.realtime_table_events;')
    })

    it('events-rls, events-client-writes, events-replay-index', async () => {
      await brokenThenMended(
        'alter table public.realtime_table_events disable row level security',
        'events-rls',
      )
      const writes = await brokenThenMended(
        `grant insert, truncate on public.realtime_table_events to authenticated;
         create policy "Clients write events" on public.realtime_table_events
           for insert to authenticated with check (true);`,
        'events-client-writes',
      )
      expect(writes.detail).toMatch(/authenticated may truncate it.*authenticated may insert rows/)
      await db.exec('drop policy "Clients write events" on public.realtime_table_events')
      await brokenThenMended(
        'drop index public.realtime_table_events_organization_id_id_idx',
        'events-replay-index',
      )
    })

    it('route-valid and untraceable-table: a route to a dropped column', async () => {
      await db.exec('alter table public.doc_links drop column old_doc_id')
      const rows = await doctor()
      const untraceable = find(rows, 'untraceable-table', 'public.doc_links')
      expect(untraceable.status).toBe('error')
      expect(untraceable.detail).toMatch(/route of public.doc_links is broken/)
      const route = find(rows, 'route-valid', 'public.doc_links.old_doc_id -> public.docs.id')
      expect(route.status).toBe('error')
      expect(route.detail).toMatch(/public.doc_links has no column old_doc_id/)
      // The table's foreign key to the parent is the route it should have.
      expect(route.fix).toBe(
        "select public.realtime_track_table('public.doc_links', 'doc_id', 'public.docs', 'id');",
      )
      await db.exec(route.fix!)
      const mended = await doctor()
      expect(find(mended, 'route-valid', 'public.doc_links.doc_id -> public.docs.id').status).toBe(
        'ok',
      )
      expect(find(mended, 'untraceable-table').status).toBe('ok')
    })

    it('untraceable-table: a tracked table with no organization_id and no route', async () => {
      await db.exec(`create table public.notes (
        id uuid primary key default gen_random_uuid(),
        doc_id uuid references public.docs (id),
        body text
      );
      create trigger trigger_notify_org_change after insert or update or delete on public.notes
        for each row execute function public.notify_organization_of_table_change();`)
      const row = find(await doctor(), 'untraceable-table', 'public.notes')
      expect(row.status).toBe('error')
      expect(row.detail).toMatch(/no organization_id .* and no route/)
      expect(row.fix).toBe(
        "select public.realtime_track_table('public.notes', 'doc_id', 'public.docs', 'id');",
      )
      await db.exec(row.fix!)
      expect(find(await doctor(), 'untraceable-table').status).toBe('ok')
      // Traced for real: a note's change becomes an event of its document's organization.
      await db.exec(`insert into public.docs (id, organization_id) values
          ('00000000-0000-4000-8000-00000000d0c1', 'org-notes');
        insert into public.notes (doc_id) values ('00000000-0000-4000-8000-00000000d0c1');`)
      const events = await db.query<{ organization_id: string }>(
        `select organization_id from public.realtime_table_events where table_name = 'notes'`,
      )
      expect(events.rows).toEqual([{ organization_id: 'org-notes' }])
      await db.exec(
        'drop table public.notes; delete from public.realtime_parent_routes where table_name = $$notes$$;',
      )
    })

    it('broadcast-policies: broadcast mode without its policies', async () => {
      await db.exec(`update public.realtime_sync_settings set transport = 'broadcast'`)
      try {
        expect(find(await doctor(), 'broadcast-policies').status).toBe('ok')
        const broken = await brokenThenMended(
          `drop policy "Members receive their organizations' broadcasts" on realtime.messages;
           drop policy "Nobody sends on org topics from a client" on realtime.messages;
           drop policy "Nobody changes org topic messages from a client" on realtime.messages;
           drop policy "Nobody deletes org topic messages from a client" on realtime.messages;`,
          'broadcast-policies',
        )
        expect(broken.detail).toMatch(/no select policy lets members receive/)
        expect(broken.detail).toMatch(/no restrictive insert policy/)
        expect(broken.fix!.split('\n')).toHaveLength(4)
        // Out of the publication in broadcast mode is a warning: postgres_changes clients only.
        await db.exec('alter publication supabase_realtime drop table public.realtime_table_events')
        const publication = find(await doctor(), 'events-in-publication')
        expect(publication.status).toBe('warn')
        await db.exec(publication.fix!)
      } finally {
        await db.exec(`update public.realtime_sync_settings set transport = 'postgres_changes'`)
      }
    })

    it('only service_role and postgres may run it', async () => {
      for (const role of ['anon', 'authenticated']) {
        await expect(
          db.rolledBack(async (tx) => {
            await tx.query(`set local role ${role}`)
            return tx.query('select * from public.realtime_sync_doctor()')
          }),
        ).rejects.toThrow(/permission denied/)
      }
      const asService = await db.rolledBack(async (tx) => {
        await tx.query('set local role service_role')
        return tx.query<DoctorRow>('select * from public.realtime_sync_doctor()')
      })
      expect(asService.rows.length).toBeGreaterThan(CHECKS.length)
    })
  })
}
