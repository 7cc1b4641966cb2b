-- Realtime table events: the database half of the organization-scoped
-- "Supabase Realtime -> TanStack Query" sync pattern.
--
--   row change in any tracked table
--     -> AFTER trigger public.notify_organization_of_table_change()
--       -> public.get_organization_id_for_change() traces the row to its organization
--          (directly through its tenant column, organization_id unless the table was tracked
--          with another, or through public.realtime_parent_routes for junction tables that
--          have none, over several hops)
--       -> INSERT public.realtime_table_events (organization_id, table_name, event_type,
--          record_id, actor_id)
--   -> publication supabase_realtime -> postgres_changes, filter organization_id=eq.<org>
--   -> clients invalidate .list() queries of table_name and .record(record_id) queries.
--
-- Subscribe to event 'INSERT' only: retention deletes rows from realtime_table_events,
-- and those DELETEs are published too.
--
-- Apply to a real project with `supabase db push` (or paste into the SQL editor). It
-- relies on what Supabase provides: auth.uid(), the roles anon / authenticated /
-- service_role and the supabase_realtime publication. For plain Postgres or PGlite apply
-- supabase/local/supabase-shim.sql first. Re-running this file is safe.
--
-- To add a table to realtime:   select public.realtime_track_table('public.my_table');
-- A tenant column with another name:
--   select public.realtime_track_table('public.projects', org_column => 'team_id');
-- A junction table without one, traced through its parent:
--   select public.realtime_track_table('public.my_junction', 'parent_id', 'public.parent_table');
--
-- ---------------------------------------------------------------------------------------
-- What this migration needs from your app, and what it never touches
-- ---------------------------------------------------------------------------------------
-- One function:
--
--   public.is_organization_member(org_id <your organization id type>) returns boolean
--
-- "is auth.uid() a member of org_id?", executable by authenticated. Every policy this
-- migration writes asks it, through realtime_is_organization_member(text) below. Organization
-- ids may be text, varchar, uuid, bigint, integer or smallint. If your app has memberships
-- of its own, create that function before this file runs (in an earlier migration), e.g.
--
--   create function public.is_organization_member(org_id uuid) returns boolean
--   language sql stable security definer set search_path = '' as $$
--     select exists (select 1 from public.team_members m
--                    where m.team_id = org_id and m.user_id = (select auth.uid()))
--   $$;
--
-- (SECURITY DEFINER when your memberships table has RLS that itself asks this function.)
--
-- Only a project WITHOUT that function gets a membership model from this migration:
--   * public.organizations (id text), if it does not exist;
--   * public.organization_members (organization_id typed like organizations.id, with a
--     foreign key to it when id is its key; user_id uuid; role), if it does not exist;
--   * the default is_organization_member(), which reads organization_members;
--   * RLS and read policies on those of the two tables it created, and on no other.
-- If public.organization_members exists but is_organization_member() does not, the migration
-- stops with an error rather than guess how your memberships work.
--
-- Tables this migration did not create are never altered: an organizations or memberships
-- table of yours keeps its RLS setting, its policies, its grants and its data. (A foreign key
-- from a created organization_members to your organizations cascades its deletes.) Once the
-- function exists, re-running this file does not replace it, so edits to it are kept.
--
-- Organization ids in realtime_table_events, in its organization_id=eq.<id> filter and in the
-- broadcast topics 'org:<id>' are text: the id's canonical text form, as Postgres prints it
-- (a uuid lowercase with hyphens, a bigint its digits). Give the engine the same strings.

-- ---------------------------------------------------------------------------------------
-- Organizations and memberships: only when the app has no is_organization_member()
-- ---------------------------------------------------------------------------------------

do $membership$
declare
  v_functions int;
  v_created_organizations boolean := false;
  v_org_type text;
  v_org_type_oid regtype;
  v_referencable boolean;
begin
  -- Any is_organization_member callable with one argument: the app's, or this migration's
  -- default from an earlier run. Either way there is nothing to create and nothing to touch.
  select count(*) into v_functions
    from pg_catalog.pg_proc p
    where p.pronamespace = 'public'::regnamespace
      and p.proname = 'is_organization_member'
      and p.pronargs >= 1
      and p.pronargs - p.pronargdefaults <= 1;
  if v_functions > 0 then
    return;
  end if;

  if pg_catalog.to_regclass('public.organization_members') is not null then
    raise exception 'realtime_table_events: public.organization_members exists but public.is_organization_member(org_id) does not'
      using hint = 'This migration does not guess how your memberships work, and does not alter '
        'your tables. Create public.is_organization_member(org_id <your organization id type>) '
        'returns boolean ("is auth.uid() a member of org_id?", executable by authenticated) '
        'in an earlier migration, then apply this one.';
  end if;

  if pg_catalog.to_regclass('public.organizations') is null then
    create table public.organizations (
      id text primary key,
      name text not null,
      created_at timestamptz default now()
    );
    v_created_organizations := true;
  end if;

  -- organization_members.organization_id takes the type of organizations.id, whatever it is.
  select a.atttypid, pg_catalog.format_type(a.atttypid, a.atttypmod)
    into v_org_type_oid, v_org_type
    from pg_catalog.pg_attribute a
    where a.attrelid = 'public.organizations'::regclass
      and a.attname = 'id'
      and a.attnum > 0
      and not a.attisdropped;
  if v_org_type is null then
    raise exception 'realtime_table_events: public.organizations has no id column'
      using hint = 'Create public.is_organization_member(org_id <your organization id type>) '
        'returns boolean in an earlier migration; this migration then creates no membership '
        'table and does not touch yours.';
  end if;
  if v_org_type_oid not in (
    'text'::regtype, 'character varying'::regtype, 'uuid'::regtype,
    'bigint'::regtype, 'integer'::regtype, 'smallint'::regtype
  ) then
    raise exception 'realtime_table_events: organizations.id is %; supported organization id '
      'types are text, varchar, uuid, bigint, integer and smallint', v_org_type;
  end if;

  -- A foreign key needs a primary key or unique constraint on organizations (id) alone.
  select exists (
    select 1 from pg_catalog.pg_constraint c
    where c.conrelid = 'public.organizations'::regclass
      and c.contype in ('p', 'u')
      and c.conkey = array[(
        select a.attnum from pg_catalog.pg_attribute a
        where a.attrelid = 'public.organizations'::regclass and a.attname = 'id'
      )]::int2[]
  ) into v_referencable;

  execute pg_catalog.format(
    'create table public.organization_members (
       organization_id %s not null %s,
       user_id uuid not null,
       role text not null default ''member'',
       primary key (organization_id, user_id)
     )',
    v_org_type,
    case when v_referencable
      then 'references public.organizations (id) on delete cascade'
      else ''
    end
  );
  create index organization_members_user_id_idx on public.organization_members (user_id);

  -- SECURITY DEFINER so that policies on organization_members can use it without
  -- recursing into organization_members' own RLS.
  execute pg_catalog.format(
    $fn$
    create function public.is_organization_member(org_id %1$s)
    returns boolean
    language sql
    stable
    security definer
    set search_path = ''
    as $body$
      select exists (
        select 1
        from public.organization_members m
        where m.organization_id = org_id
          and m.user_id = (select auth.uid())
      )
    $body$;
    revoke all on function public.is_organization_member(%1$s) from public, anon;
    grant execute on function public.is_organization_member(%1$s) to authenticated, service_role;
    $fn$,
    v_org_type
  );

  alter table public.organization_members enable row level security;
  create policy "Members read memberships of their organizations"
    on public.organization_members
    for select
    to authenticated
    using (public.is_organization_member(organization_id));
  grant select on public.organization_members to authenticated;

  if v_created_organizations then
    alter table public.organizations enable row level security;
    create policy "Members read their organizations"
      on public.organizations
      for select
      to authenticated
      using (public.is_organization_member(id));
    grant select on public.organizations to authenticated;
  end if;
end
$membership$;

-- ---------------------------------------------------------------------------------------
-- Membership, keyed by text
-- ---------------------------------------------------------------------------------------
-- realtime_table_events.organization_id and the broadcast topics are text; your
-- is_organization_member() takes your id type. This function bridges the two for this
-- migration's policies: it casts the text to that type and asks is_organization_member(). A
-- text that is no valid id of that type (say 'org-a' when ids are uuids) is no member of
-- anything: false, never an error. Regenerated on every run, so re-run this file if you
-- change the argument type of is_organization_member().

do $bridge$
declare
  v_types regtype[];
  v_type regtype;
  v_guard text;
  v_call text;
begin
  select pg_catalog.array_agg(p.proargtypes[0]::regtype order by p.oid)
    into v_types
    from pg_catalog.pg_proc p
    where p.pronamespace = 'public'::regnamespace
      and p.proname = 'is_organization_member'
      and p.pronargs >= 1
      and p.pronargs - p.pronargdefaults <= 1;

  if v_types is null then
    raise exception 'realtime_table_events: public.is_organization_member(org_id) is missing';
  elsif 'text'::regtype = any (v_types) then
    v_type := 'text';
  elsif pg_catalog.cardinality(v_types) = 1 then
    v_type := v_types[1];
  else
    raise exception 'realtime_table_events: several public.is_organization_member() take one '
      'argument (%); keep one', v_types;
  end if;

  -- Tested one after the other, each before the cast it protects: plpgsql, since SQL does
  -- not promise in which order it evaluates the parts of an expression.
  v_guard := case v_type
    when 'uuid'::regtype then
      'if org_id !~* ''^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'' then
        return false;
      end if;'
    when 'bigint'::regtype then
      'if org_id !~ ''^-?[0-9]{1,19}$'' then
        return false;
      end if;
      if org_id::numeric not between -9223372036854775808 and 9223372036854775807 then
        return false;
      end if;'
    when 'integer'::regtype then
      'if org_id !~ ''^-?[0-9]{1,10}$'' then
        return false;
      end if;
      if org_id::numeric not between -2147483648 and 2147483647 then
        return false;
      end if;'
    when 'smallint'::regtype then
      'if org_id !~ ''^-?[0-9]{1,5}$'' then
        return false;
      end if;
      if org_id::numeric not between -32768 and 32767 then
        return false;
      end if;'
    else ''
  end;
  v_call := case v_type
    when 'text'::regtype then 'public.is_organization_member(org_id)'
    when 'character varying'::regtype then 'public.is_organization_member(org_id::varchar)'
    when 'uuid'::regtype then 'public.is_organization_member(org_id::uuid)'
    when 'bigint'::regtype then 'public.is_organization_member(org_id::bigint)'
    when 'integer'::regtype then 'public.is_organization_member(org_id::integer)'
    when 'smallint'::regtype then 'public.is_organization_member(org_id::smallint)'
  end;
  if v_call is null then
    raise exception 'realtime_table_events: public.is_organization_member(%) : supported '
      'organization id types are text, varchar, uuid, bigint, integer and smallint', v_type;
  end if;

  execute pg_catalog.format(
    $fn$
    create or replace function public.realtime_is_organization_member(org_id text)
    returns boolean
    language plpgsql
    stable
    set search_path = ''
    as $body$
    begin
      if org_id is null then
        return false;
      end if;
      %s
      return coalesce(%s, false);
    end;
    $body$
    $fn$,
    v_guard,
    v_call
  );
end
$bridge$;

revoke all on function public.realtime_is_organization_member(text) from public, anon;
grant execute on function public.realtime_is_organization_member(text) to authenticated, service_role;


-- ---------------------------------------------------------------------------------------
-- The event table
-- ---------------------------------------------------------------------------------------

create table if not exists public.realtime_table_events (
  id bigint generated always as identity primary key,
  organization_id text not null,
  table_name text not null,
  event_type text not null check (event_type in ('INSERT', 'UPDATE', 'DELETE')),
  record_id text not null,
  -- auth.uid() of whoever made the change; null when no signed-in user did
  -- (service role, backend job, migration, cron). Clients use it for echo prevention.
  actor_id uuid,
  created_at timestamptz not null default now()
);

comment on table public.realtime_table_events is
  'One row per change of a tracked table, scoped to an organization; streamed by Supabase '
  'Realtime (postgres_changes, INSERT, filter organization_id=eq.<org>) to invalidate '
  'TanStack Query caches. Written only by notify_organization_of_table_change().';

-- The realtime filter (organization_id = x) and catch-up reads (organization_id = x and id > n).
create index if not exists realtime_table_events_organization_id_id_idx
  on public.realtime_table_events (organization_id, id);
-- Retention.
create index if not exists realtime_table_events_created_at_idx
  on public.realtime_table_events (created_at);

alter table public.realtime_table_events enable row level security;

drop policy if exists "Members read their organizations' events" on public.realtime_table_events;
create policy "Members read their organizations' events"
  on public.realtime_table_events
  for select
  to authenticated
  using (public.realtime_is_organization_member(organization_id));

-- Only the trigger (running as the table owner) writes events. Supabase grants ALL on new
-- public tables to anon and authenticated by default, so take it back explicitly.
revoke all on public.realtime_table_events from public, anon, authenticated;
grant select on public.realtime_table_events to authenticated;
grant all on public.realtime_table_events to service_role;

-- ---------------------------------------------------------------------------------------
-- Retention
-- ---------------------------------------------------------------------------------------
-- Events are only useful while clients may still receive them; Realtime does not replay.
-- The trigger prunes opportunistically (every 1000th event), and pg_cron, where
-- installed, prunes every 10 minutes.

create or replace function public.prune_realtime_table_events(keep interval default interval '1 hour')
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_deleted bigint;
begin
  delete from public.realtime_table_events e
  where e.created_at < pg_catalog.now() - keep;
  get diagnostics v_deleted = row_count;
  return v_deleted;
end;
$$;

revoke all on function public.prune_realtime_table_events(interval) from public, anon, authenticated;
grant execute on function public.prune_realtime_table_events(interval) to service_role;

do $$
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron') then
    -- A named job is replaced, not duplicated, when this runs again (pg_cron >= 1.3).
    execute $cron$
      select cron.schedule(
        'prune-realtime-table-events',
        '*/10 * * * *',
        'select public.prune_realtime_table_events()'
      )
    $cron$;
  end if;
exception when others then
  raise notice 'realtime_table_events: pg_cron schedule skipped (%); the trigger still prunes', sqlerrm;
end
$$;

-- ---------------------------------------------------------------------------------------
-- Tracing a row to its organization
-- ---------------------------------------------------------------------------------------
-- Tenant columns not named organization_id: "the organization of a row of table_name is its
-- org_column" (team_id, workspace_id, ...), of any supported id type. Tables without a row
-- here use organization_id. Maintained by realtime_track_table(..., org_column => ...);
-- invisible to API users (RLS on, no policies, no grants).

create table if not exists public.realtime_org_columns (
  table_name text primary key,
  org_column text not null
);

alter table public.realtime_org_columns enable row level security;
revoke all on public.realtime_org_columns from public, anon, authenticated;

-- Routes for tables without a tenant column: "a row of table_name belongs to the row of
-- parent_table whose parent_key equals its parent_column". Maintained by
-- realtime_track_table(); invisible to API users (RLS on, no policies, no grants).
-- table_name is the bare table name, as in realtime_table_events.table_name;
-- parent_table is a schema-qualified, quoted name such as public.deals.

create table if not exists public.realtime_parent_routes (
  table_name text primary key,
  parent_column text not null,
  parent_table text not null,
  parent_key text not null default 'id'
);

alter table public.realtime_parent_routes enable row level security;
revoke all on public.realtime_parent_routes from public, anon, authenticated;

-- Returns the organization of a row of p_table (given as jsonb), or null when it cannot be
-- traced. A row with its table's tenant column (realtime_org_columns, else organization_id)
-- answers directly, as that value's text (to_jsonb's: a uuid lowercase, a bigint its digits);
-- otherwise the route for p_table is followed to the parent row, whose own tenant column
-- answers, and so on, at most 5 hops (so a junction of a junction works). Identifiers are
-- quoted with format('%I') / regclass and values passed with USING: never concatenated.
--
-- For a case routes cannot express (polymorphic parent, lookup through another schema),
-- CREATE OR REPLACE this function with the same signature, e.g. add before the loop:
--   if p_table = 'my_table' then return (select ... from ... where ...); end if;
-- Re-running this migration restores the default, so keep such overrides in a later
-- migration.
create or replace function public.get_organization_id_for_change(p_table text, p_record jsonb)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_table text := p_table;
  v_record jsonb := p_record;
  v_org_column text;
  v_parent_column text;
  v_parent_table text;
  v_parent_key text;
  v_parent regclass;
  v_key_type text;
  v_hops int := 0;
begin
  loop
    if v_record is null or pg_catalog.jsonb_typeof(v_record) <> 'object' then
      return null;
    end if;
    select c.org_column into v_org_column
      from public.realtime_org_columns c
      where c.table_name = v_table;
    if not found then
      v_org_column := 'organization_id';
    end if;
    if v_record ? v_org_column then
      return v_record ->> v_org_column;
    end if;
    if v_hops >= 5 then
      return null;
    end if;

    select r.parent_column, r.parent_table, r.parent_key
      into v_parent_column, v_parent_table, v_parent_key
      from public.realtime_parent_routes r
      where r.table_name = v_table;
    if not found or (v_record ->> v_parent_column) is null then
      return null;
    end if;

    v_parent := coalesce(
      pg_catalog.to_regclass(v_parent_table),
      pg_catalog.to_regclass(pg_catalog.format('public.%I', v_parent_table))
    );
    if v_parent is null then
      return null;
    end if;

    -- Compare in the key's own type so the parent's primary key index is used.
    select pg_catalog.format_type(a.atttypid, a.atttypmod)
      into v_key_type
      from pg_catalog.pg_attribute a
      where a.attrelid = v_parent
        and a.attname = v_parent_key
        and a.attnum > 0
        and not a.attisdropped;
    if v_key_type is null then
      return null;
    end if;

    -- v_parent renders as a quoted, schema-qualified name (search_path is empty);
    -- v_key_type comes from format_type().
    execute pg_catalog.format(
      'select pg_catalog.to_jsonb(p) from %s as p where p.%I = $1::%s limit 1',
      v_parent, v_parent_key, v_key_type
    )
      into v_record
      using v_record ->> v_parent_column;

    select c.relname into v_table from pg_catalog.pg_class c where c.oid = v_parent;
    v_hops := v_hops + 1;
  end loop;
end;
$$;

revoke all on function public.get_organization_id_for_change(text, jsonb) from public, anon, authenticated;

-- The record id clients match against .record(id) queries: the row's "id" when it has one,
-- else its primary key values in key order joined with ':' (deal_contacts:
-- '<deal_id>:<contact_id>'). '' is used by the trigger when a table has neither.
create or replace function public.get_record_id_for_change(p_table regclass, p_record jsonb)
returns text
language sql
stable
set search_path = ''
as $$
  select coalesce(
    p_record ->> 'id',
    (
      select pg_catalog.string_agg(p_record ->> a.attname, ':' order by k.ord)
      from pg_catalog.pg_index i
      cross join lateral pg_catalog.unnest(i.indkey::int2[]) with ordinality as k (attnum, ord)
      join pg_catalog.pg_attribute a
        on a.attrelid = i.indrelid and a.attnum = k.attnum
      where i.indrelid = p_table
        and i.indisprimary
    )
  )
$$;

revoke all on function public.get_record_id_for_change(regclass, jsonb) from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------
-- The trigger
-- ---------------------------------------------------------------------------------------
-- AFTER INSERT OR UPDATE OR DELETE, FOR EACH ROW. INSERT reports NEW, DELETE reports OLD,
-- UPDATE reports NEW and, when the row moved to another organization, also the old one
-- (both as 'UPDATE') so both organizations' clients drop / fetch it. Rows that cannot be
-- traced to an organization produce no event. TRUNCATE is not reported.
--
-- Known limit: when deleting a parent cascades to a junction table routed through it,
-- the parent row is already gone when the junction's trigger runs, so those junction
-- rows are untraceable and only the parent's DELETE event is sent. Clients that show a
-- junction's rows should also invalidate them when the parent table changes.
create or replace function public.notify_organization_of_table_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor uuid := auth.uid();
  v_new jsonb;
  v_old jsonb;
  v_new_org text;
  v_old_org text;
  v_event_id bigint;
begin
  if tg_op in ('INSERT', 'UPDATE') then
    v_new := pg_catalog.to_jsonb(new);
    v_new_org := public.get_organization_id_for_change(tg_table_name, v_new);
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    v_old := pg_catalog.to_jsonb(old);
    v_old_org := public.get_organization_id_for_change(tg_table_name, v_old);
  end if;

  if v_new_org is not null then
    insert into public.realtime_table_events
      (organization_id, table_name, event_type, record_id, actor_id)
    values (
      v_new_org,
      tg_table_name,
      tg_op,
      coalesce(public.get_record_id_for_change(tg_relid, v_new), ''),
      v_actor
    )
    returning id into v_event_id;
  end if;

  if v_old_org is not null and v_old_org is distinct from v_new_org then
    insert into public.realtime_table_events
      (organization_id, table_name, event_type, record_id, actor_id)
    values (
      v_old_org,
      tg_table_name,
      tg_op,
      coalesce(public.get_record_id_for_change(tg_relid, v_old), ''),
      v_actor
    )
    returning id into v_event_id;
  end if;

  -- Opportunistic retention; skipped while another transaction is already pruning.
  if v_event_id % 1000 = 0
    and pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('public.prune_realtime_table_events'))
  then
    perform public.prune_realtime_table_events();
  end if;

  return null;
end;
$$;

revoke all on function public.notify_organization_of_table_change() from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------
-- One call to add a table
-- ---------------------------------------------------------------------------------------
-- (The signature before org_column goes first: calls with fewer arguments would otherwise
-- be ambiguous between the two.)
drop function if exists public.realtime_track_table(regclass, text, text, text);

-- select public.realtime_track_table('public.deals');                              -- has organization_id
-- select public.realtime_track_table('public.projects', org_column => 'team_id');   -- tenant column team_id
-- select public.realtime_track_table('public.deal_contacts', 'deal_id', 'public.deals');  -- junction
--
-- Registers (or updates) the route when a parent is given, records the tenant column when
-- org_column is given (and forgets it when not: organization_id again), and (re)creates the
-- trigger trigger_notify_org_change. Idempotent. Equivalent to the manual steps (create the
-- trigger yourself, and insert the route or the org column, or override
-- get_organization_id_for_change()). A parent whose tenant column is not organization_id must
-- be tracked with its org_column too, for its junctions to be traced through it.
--
-- Row-level security for what you track is yours to write, and one rule matters with
-- child and junction tables: foreign keys are checked WITHOUT RLS. A policy that looks only
-- at the row's own organization lets a member link their row to another organization's row
-- (and learn from the answer which ids exist there); a junction row is then traced to one
-- organization only, and the other side's screens never hear of it. So the WITH CHECK of a
-- table that references another must say the referenced row is in the same organization:
--
--   -- child with organization_id and parent_id:
--   with check (public.is_organization_member(organization_id) and (parent_id is null
--     or exists (select 1 from public.parents p
--                where p.id = parent_id and p.organization_id = children.organization_id)))
--   -- junction without organization_id, every side in one organization of the writer:
--   with check (exists (select 1 from public.lefts l
--     join public.rights r on r.organization_id = l.organization_id
--     where l.id = links.left_id and r.id = links.right_id
--       and public.is_organization_member(l.organization_id)))
--
-- The subqueries run under the writer's own RLS, so a row they cannot see never matches.
-- supabase/demo/schema.sql does this for activities, emails and deal_contacts.
create or replace function public.realtime_track_table(
  p_table regclass,
  p_parent_column text default null,
  p_parent_table text default null,
  p_parent_key text default 'id',
  org_column text default null
)
returns void
language plpgsql
volatile
-- SECURITY INVOKER, and the caller's search_path: p_parent_table resolves like any
-- table name the caller writes. Creating a trigger needs the caller to own the table.
as $$
declare
  v_table_name text;
  v_parent regclass;
  v_parent_qualified text;
begin
  if p_table = 'public.realtime_table_events'::regclass then
    raise exception 'realtime_table_events cannot track itself';
  end if;

  select c.relname into v_table_name from pg_catalog.pg_class c where c.oid = p_table;

  if org_column is not null then
    if p_parent_column is not null or p_parent_table is not null then
      raise exception 'realtime_track_table(%): give org_column or a parent, not both', p_table;
    end if;
    if not exists (
      select 1 from pg_catalog.pg_attribute a
      where a.attrelid = p_table and a.attname = org_column
        and a.attnum > 0 and not a.attisdropped
    ) then
      raise exception 'realtime_track_table(%): no column % on %', p_table, org_column, p_table;
    end if;
  end if;

  -- The tenant column: recorded when it is not organization_id, forgotten otherwise.
  if coalesce(org_column, 'organization_id') = 'organization_id' then
    delete from public.realtime_org_columns c where c.table_name = v_table_name;
  else
    insert into public.realtime_org_columns (table_name, org_column)
    values (v_table_name, realtime_track_table.org_column)
    on conflict (table_name) do update set org_column = excluded.org_column;
  end if;

  if p_parent_column is not null or p_parent_table is not null then
    if p_parent_column is null or p_parent_table is null then
      raise exception 'realtime_track_table(%): give both p_parent_column and p_parent_table', p_table;
    end if;
    if not exists (
      select 1 from pg_catalog.pg_attribute a
      where a.attrelid = p_table and a.attname = p_parent_column
        and a.attnum > 0 and not a.attisdropped
    ) then
      raise exception 'realtime_track_table(%): no column % on %', p_table, p_parent_column, p_table;
    end if;

    v_parent := pg_catalog.to_regclass(p_parent_table);
    if v_parent is null then
      raise exception 'realtime_track_table(%): parent table % not found', p_table, p_parent_table;
    end if;
    if not exists (
      select 1 from pg_catalog.pg_attribute a
      where a.attrelid = v_parent and a.attname = coalesce(p_parent_key, 'id')
        and a.attnum > 0 and not a.attisdropped
    ) then
      raise exception 'realtime_track_table(%): no column % on parent %',
        p_table, coalesce(p_parent_key, 'id'), v_parent;
    end if;

    select pg_catalog.format('%I.%I', n.nspname, c.relname)
      into v_parent_qualified
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.oid = v_parent;

    insert into public.realtime_parent_routes (table_name, parent_column, parent_table, parent_key)
    values (v_table_name, p_parent_column, v_parent_qualified, coalesce(p_parent_key, 'id'))
    on conflict (table_name) do update
      set parent_column = excluded.parent_column,
          parent_table = excluded.parent_table,
          parent_key = excluded.parent_key;
  elsif org_column is null and not exists (
    select 1 from pg_catalog.pg_attribute a
    where a.attrelid = p_table and a.attname = 'organization_id'
      and a.attnum > 0 and not a.attisdropped
  ) and not exists (
    select 1 from public.realtime_parent_routes r where r.table_name = v_table_name
  ) then
    raise notice 'realtime_track_table(%): no organization_id column and no parent route; '
      'its changes produce events only if get_organization_id_for_change() traces it', p_table;
  end if;

  execute pg_catalog.format('drop trigger if exists trigger_notify_org_change on %s', p_table);
  execute pg_catalog.format(
    'create trigger trigger_notify_org_change '
    'after insert or update or delete on %s '
    'for each row execute function public.notify_organization_of_table_change()',
    p_table
  );
end;
$$;

revoke all on function public.realtime_track_table(regclass, text, text, text, text) from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------
-- Publication
-- ---------------------------------------------------------------------------------------
-- Supabase creates supabase_realtime; plain Postgres may not have it. Where publications
-- are unavailable or not permitted the migration still completes, with a notice.

do $$
begin
  if not exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
  if not exists (
    select 1 from pg_catalog.pg_publication_tables
    where pubname = 'supabase_realtime'
      and schemaname = 'public'
      and tablename = 'realtime_table_events'
  ) then
    alter publication supabase_realtime add table public.realtime_table_events;
  end if;
exception when others then
  raise notice 'realtime_table_events: not added to publication supabase_realtime (%)', sqlerrm;
end
$$;
