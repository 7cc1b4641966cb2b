-- Demo app schema: a small team CRM.
--
-- Applied after supabase/migrations/*.sql (and, on PGlite / plain Postgres, after
-- supabase/local/supabase-shim.sql). Every organization-scoped table is added to realtime
-- with one call to public.realtime_track_table(); deal_contacts has no organization_id and
-- is traced through deals. profiles is global: no trigger, clients invalidate it by hand.
-- No seed data here. Idempotent.

create table if not exists public.deals (
  id uuid primary key default gen_random_uuid(),
  organization_id text not null references public.organizations (id) on delete cascade,
  title text,
  stage text,
  value numeric,
  updated_at timestamptz default now()
);

create table if not exists public.contacts (
  id uuid primary key default gen_random_uuid(),
  organization_id text not null references public.organizations (id) on delete cascade,
  name text,
  email text
);

create table if not exists public.activities (
  id uuid primary key default gen_random_uuid(),
  organization_id text not null references public.organizations (id) on delete cascade,
  deal_id uuid references public.deals (id) on delete cascade,
  kind text,
  note text,
  created_at timestamptz default now()
);

create table if not exists public.emails (
  id uuid primary key default gen_random_uuid(),
  organization_id text not null references public.organizations (id) on delete cascade,
  contact_id uuid references public.contacts (id) on delete cascade,
  subject text,
  body text,
  sent_at timestamptz default now()
);

create table if not exists public.projects (
  id uuid primary key default gen_random_uuid(),
  organization_id text not null references public.organizations (id) on delete cascade,
  name text,
  status text
);

-- Junction table WITHOUT organization_id: its organization is its deal's.
create table if not exists public.deal_contacts (
  deal_id uuid references public.deals (id) on delete cascade,
  contact_id uuid references public.contacts (id) on delete cascade,
  primary key (deal_id, contact_id)
);

-- Global table: not organization-scoped, so no realtime trigger.
create table if not exists public.profiles (
  id uuid primary key,
  email text,
  display_name text
);

-- deals.updated_at is the database's clock, whoever writes (a browser's clock is not).
create or replace function public.touch_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := pg_catalog.now();
  return new;
end;
$$;

drop trigger if exists deals_touch_updated_at on public.deals;
create trigger deals_touch_updated_at
  before update on public.deals
  for each row execute function public.touch_updated_at();

create index if not exists deals_organization_id_idx on public.deals (organization_id);
create index if not exists contacts_organization_id_idx on public.contacts (organization_id);
create index if not exists activities_organization_id_idx on public.activities (organization_id);
create index if not exists activities_deal_id_idx on public.activities (deal_id);
create index if not exists emails_organization_id_idx on public.emails (organization_id);
create index if not exists emails_contact_id_idx on public.emails (contact_id);
create index if not exists projects_organization_id_idx on public.projects (organization_id);
create index if not exists deal_contacts_contact_id_idx on public.deal_contacts (contact_id);

-- Row level security: members of a row's organization may read and write it. USING checks
-- the existing row, WITH CHECK the new one, so moving a row to another organization
-- requires membership in both.

alter table public.deals enable row level security;
alter table public.contacts enable row level security;
alter table public.activities enable row level security;
alter table public.emails enable row level security;
alter table public.projects enable row level security;
alter table public.deal_contacts enable row level security;
alter table public.profiles enable row level security;

drop policy if exists "Members manage their organizations' deals" on public.deals;
create policy "Members manage their organizations' deals"
  on public.deals for all to authenticated
  using (public.is_organization_member(organization_id))
  with check (public.is_organization_member(organization_id));

drop policy if exists "Members manage their organizations' contacts" on public.contacts;
create policy "Members manage their organizations' contacts"
  on public.contacts for all to authenticated
  using (public.is_organization_member(organization_id))
  with check (public.is_organization_member(organization_id));

-- A child row names a parent by foreign key. Foreign keys are checked without RLS, so the
-- policy itself must say that the parent is visible to the writer and in the row's own
-- organization: otherwise a member could link to another organization's deal (and learn from
-- the answer which ids exist there). The subquery on deals is itself filtered by RLS.
drop policy if exists "Members manage their organizations' activities" on public.activities;
create policy "Members manage their organizations' activities"
  on public.activities for all to authenticated
  using (public.is_organization_member(organization_id))
  with check (
    public.is_organization_member(organization_id)
    and (
      deal_id is null
      or exists (
        select 1 from public.deals d
        where d.id = activities.deal_id and d.organization_id = activities.organization_id
      )
    )
  );

drop policy if exists "Members manage their organizations' emails" on public.emails;
create policy "Members manage their organizations' emails"
  on public.emails for all to authenticated
  using (public.is_organization_member(organization_id))
  with check (
    public.is_organization_member(organization_id)
    and (
      contact_id is null
      or exists (
        select 1 from public.contacts c
        where c.id = emails.contact_id and c.organization_id = emails.organization_id
      )
    )
  );

drop policy if exists "Members manage their organizations' projects" on public.projects;
create policy "Members manage their organizations' projects"
  on public.projects for all to authenticated
  using (public.is_organization_member(organization_id))
  with check (public.is_organization_member(organization_id));

-- A junction row has no organization of its own: it is read through its deal's organization,
-- and written only when the deal and the contact are both in one organization the writer
-- belongs to (the subqueries on deals and contacts are themselves filtered by RLS). Without
-- the contact's side, a member could join their deal to another organization's contact, and
-- the trigger, which traces the row through its deal, would tell only one side.
drop policy if exists "Members manage their organizations' deal contacts" on public.deal_contacts;
create policy "Members manage their organizations' deal contacts"
  on public.deal_contacts for all to authenticated
  using (
    exists (
      select 1 from public.deals d
      where d.id = deal_contacts.deal_id
        and public.is_organization_member(d.organization_id)
    )
  )
  with check (
    exists (
      select 1 from public.deals d
      join public.contacts c on c.organization_id = d.organization_id
      where d.id = deal_contacts.deal_id
        and c.id = deal_contacts.contact_id
        and public.is_organization_member(d.organization_id)
    )
  );

drop policy if exists "Signed-in users read profiles" on public.profiles;
create policy "Signed-in users read profiles"
  on public.profiles for select to authenticated
  using (true);

drop policy if exists "Users update their own profile" on public.profiles;
create policy "Users update their own profile"
  on public.profiles for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));

grant select, insert, update, delete on
  public.deals, public.contacts, public.activities, public.emails, public.projects,
  public.deal_contacts
  to authenticated;
grant select, update on public.profiles to authenticated;
grant all on
  public.deals, public.contacts, public.activities, public.emails, public.projects,
  public.deal_contacts, public.profiles
  to service_role;

-- Realtime: one call per table.
select public.realtime_track_table('public.deals');
select public.realtime_track_table('public.contacts');
select public.realtime_track_table('public.activities');
select public.realtime_track_table('public.emails');
select public.realtime_track_table('public.projects');
select public.realtime_track_table('public.deal_contacts', 'deal_id', 'public.deals');
