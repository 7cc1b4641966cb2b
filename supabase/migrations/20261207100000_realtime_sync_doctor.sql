-- The database advisor: is this database set up so that every change reaches the screens?
--
--   select * from realtime_sync_doctor();                       -- in the SQL editor
--   select * from realtime_sync_doctor() where status <> 'ok';  -- only what needs doing
--   npx realtime-sync-devtools doctor --db-url <postgres url>   -- the same, as a table
--
-- One row per finding: (check, status, subject, detail, fix). status is 'ok', 'warn' or
-- 'error'; fix, on every row that is not ok, is the SQL (or the step) that mends it. Checks,
-- in this order:
--
--   events-in-publication  public.realtime_table_events is in publication supabase_realtime and
--                          the publication publishes inserts (an error in postgres_changes
--                          mode; a warning in broadcast mode, where only postgres_changes
--                          clients still need it)
--   events-rls             row-level security is on for realtime_table_events
--   events-select-policy   authenticated may select it, and a permissive select policy lets
--                          members read their organizations' rows (one that lets anybody read
--                          every row is an error too)
--   events-client-writes   anon and authenticated cannot insert, update, delete or truncate it
--   events-replay-index    an index leads with (organization_id, id): the replay's read
--   events-retention       pruning runs (see "Pruning" below); the oldest row's age
--   table-tracked          one row per table that has organization_id, a route, a tenant column
--                          of its own (realtime_org_columns) or the trigger: the trigger is
--                          attached, enabled, row-level, after insert, update and delete
--   route-valid            every route (realtime_parent_routes) and tenant column
--                          (realtime_org_columns) names an existing table and columns
--   untraceable-table      a tracked table whose rows can reach no organization
--   broadcast-policies     in broadcast mode: realtime.messages' read policy on org: topics,
--                          the restrictive write policies, and the trigger that sends
--
-- Choices where the earlier migrations leave room:
--
--   * Broadcast mode is public.realtime_sync_settings.transport = 'broadcast' (the table of
--     20261202000000_realtime_broadcast.sql, read by the trigger). No such table: postgres_changes.
--   * Pruning: the trigger prunes every 1,000th event, which only happens while rows are written,
--     and pg_cron, where installed, every 10 minutes. "Pruning runs" here means a pg_cron job
--     (any job whose command calls prune_realtime_table_events) is scheduled and active: ok.
--     Without pg_cron (PGlite, a plain Postgres) or without the job: warn, with the schedule as
--     the fix; the trigger still prunes. A missing prune function is an error. The oldest row's
--     age is in the detail; with the job active and a row older than 2 hours: warn.
--   * A table with organization_id but without the trigger is an error: a dropped trigger and a
--     table never tracked look the same from here. Tables whose changes need not reach any screen
--     (memberships, audit logs) are said so once with
--       select public.realtime_untrack_table('public.audit_log');
--     which drops the trigger and its route and lists the table in
--     public.realtime_untracked_tables; the check then says ok. This migration lists
--     public.organization_members there when it exists untracked (the membership table).
--   * untraceable-table follows routes as get_organization_id_for_change() does (tenant column,
--     else route, at most 5 hops). When that function was replaced (it no longer matches the
--     shipped body), a table it may trace by other means gets a warning, not an error.
--
-- Executable by service_role and postgres only: the list of tables and policies is not for
-- every user. SECURITY DEFINER (it reads catalogs, cron.job and the events table as its owner),
-- stable, writes nothing. Runs after 20261123000000_realtime_table_events.sql; the broadcast
-- check reads what 20261202000000_realtime_broadcast.sql creates when it is there. Re-running
-- this file is safe.

-- ---------------------------------------------------------------------------------------
-- Tables left out of realtime on purpose
-- ---------------------------------------------------------------------------------------
-- table_name is schema-qualified and quoted as format('%I.%I') writes it: public.audit_log.
-- Invisible to API users (RLS on, no policies, no grants).

create table if not exists public.realtime_untracked_tables (
  table_name text primary key,
  reason text
);

alter table public.realtime_untracked_tables enable row level security;
revoke all on public.realtime_untracked_tables from public, anon, authenticated;
grant all on public.realtime_untracked_tables to service_role;

-- The trigger, route and tenant column go; the table is listed as untracked on purpose.
-- realtime_track_table() tracks it again (the doctor then asks to delete the list's row).
create or replace function public.realtime_untrack_table(p_table regclass, p_reason text default null)
returns void
language plpgsql
volatile
-- SECURITY INVOKER: dropping a trigger needs the caller to own the table.
as $$
declare
  v_name text;
  v_qualified text;
  v_trigger text;
begin
  select c.relname, pg_catalog.format('%I.%I', n.nspname, c.relname)
    into v_name, v_qualified
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.oid = p_table;
  for v_trigger in
    select t.tgname from pg_catalog.pg_trigger t
    where t.tgrelid = p_table and not t.tgisinternal
      and t.tgfoid = 'public.notify_organization_of_table_change()'::regprocedure
  loop
    execute pg_catalog.format('drop trigger %I on %s', v_trigger, p_table);
  end loop;
  delete from public.realtime_parent_routes r where r.table_name = v_name;
  delete from public.realtime_org_columns c where c.table_name = v_name;
  insert into public.realtime_untracked_tables (table_name, reason)
  values (v_qualified, p_reason)
  on conflict (table_name) do update set reason = excluded.reason;
end;
$$;

revoke all on function public.realtime_untrack_table(regclass, text) from public, anon, authenticated;

-- The membership table is not synced: list it once, when it is there and has no trigger.
do $$
begin
  if pg_catalog.to_regclass('public.organization_members') is not null and not exists (
    select 1 from pg_catalog.pg_trigger t
    -- to_regclass, not ::regclass: a constant cast is resolved when the statement is planned,
    -- before the test above could skip it (an app with its own memberships has no such table).
    where t.tgrelid = pg_catalog.to_regclass('public.organization_members')
      and t.tgfoid = 'public.notify_organization_of_table_change()'::regprocedure
  ) then
    insert into public.realtime_untracked_tables (table_name, reason)
    values ('public.organization_members', 'memberships: read by the policies, not synced')
    on conflict do nothing;
  end if;
end
$$;

-- ---------------------------------------------------------------------------------------
-- The advisor
-- ---------------------------------------------------------------------------------------

create or replace function public.realtime_sync_doctor()
returns table ("check" text, status text, subject text, detail text, fix text)
language plpgsql
stable
security definer
set search_path = ''
as $doctor$
declare
  -- md5 of get_organization_id_for_change()'s shipped body, whitespace removed: another value
  -- means the function was replaced (see untraceable-table).
  c_shipped_tracer constant text := 'a910a67dd32c4292f2c1dc930874607f';
  c_system_schemas constant text[] := array[
    'information_schema', 'auth', 'storage', 'realtime', '_realtime', 'extensions', 'graphql',
    'graphql_public', 'vault', 'pgsodium', 'pgsodium_masks', 'cron', 'net', 'pgbouncer',
    'supabase_functions', 'supabase_migrations', '_analytics', 'pgtle', 'realtime_stack'
  ];
  c_notify constant regprocedure :=
    pg_catalog.to_regprocedure('public.notify_organization_of_table_change()');
  c_select_policy constant text :=
    'create policy "Members read their organizations'' events" on public.realtime_table_events '
    'for select to authenticated using (public.realtime_is_organization_member(organization_id));';
  c_cron_schedule constant text :=
    'select cron.schedule(''prune-realtime-table-events'', ''*/10 * * * *'', '
    '''select public.prune_realtime_table_events()'');';
  v_events regclass := pg_catalog.to_regclass('public.realtime_table_events');
  v_broadcast boolean := false;
  v_replaced_tracer boolean := false;
  v_pub record;
  v_in_pub boolean;
  v_rls boolean;
  v_role text;
  v_cmd text;
  v_problems text[];
  v_fixes text[];
  v_warnings text[];
  v_oldest timestamptz;
  v_age text;
  v_cron_active boolean;
  v_table record;
  v_trigger record;
  v_route record;
  v_count int;
  v_current regclass;
  v_hops int;
  v_traced boolean;
  v_reason text;
  v_fk record;
  v_call text;
begin
  if pg_catalog.to_regclass('public.realtime_sync_settings') is not null then
    execute 'select coalesce((select s.transport = ''broadcast'' from public.realtime_sync_settings s where s.id), false)'
      into v_broadcast;
  end if;

  -- ---- The events table ----------------------------------------------------------------
  if v_events is null then
    foreach "check" in array array['events-in-publication', 'events-rls', 'events-select-policy',
      'events-client-writes', 'events-replay-index', 'events-retention']
    loop
      status := 'error';
      subject := 'public.realtime_table_events';
      detail := 'public.realtime_table_events does not exist: the database half is not applied';
      fix := 'npx realtime-sync-devtools init, then supabase db push (or paste '
        'supabase/migrations/*.sql into the SQL editor, in order)';
      return next;
    end loop;
  else
    -- events-in-publication
    "check" := 'events-in-publication';
    subject := 'public.realtime_table_events';
    select p.pubname, p.pubinsert into v_pub
      from pg_catalog.pg_publication p where p.pubname = 'supabase_realtime';
    if not found then
      status := case when v_broadcast then 'warn' else 'error' end;
      detail := 'publication supabase_realtime does not exist, so postgres_changes streams nothing'
        || case when v_broadcast then ' (broadcast mode: only clients still on postgres_changes miss events)' else '' end;
      fix := 'create publication supabase_realtime for table public.realtime_table_events;';
    else
      select exists (
        select 1 from pg_catalog.pg_publication_tables pt
        where pt.pubname = 'supabase_realtime'
          and pt.schemaname = 'public' and pt.tablename = 'realtime_table_events'
      ) into v_in_pub;
      if not v_in_pub then
        status := case when v_broadcast then 'warn' else 'error' end;
        detail := 'not in publication supabase_realtime: postgres_changes subscribers receive no event'
          || case when v_broadcast then ' (broadcast mode: fine once no client uses postgres_changes)' else '' end;
        fix := 'alter publication supabase_realtime add table public.realtime_table_events;';
      elsif not v_pub.pubinsert then
        status := 'error';
        detail := 'publication supabase_realtime does not publish inserts, and events are inserts';
        fix := 'alter publication supabase_realtime set (publish = ''insert, update, delete, truncate'');';
      else
        status := 'ok';
        detail := 'in publication supabase_realtime'
          || case when v_broadcast then ' (broadcast mode: used by clients still on postgres_changes)' else '' end;
        fix := null;
      end if;
    end if;
    return next;

    -- events-rls
    "check" := 'events-rls';
    select c.relrowsecurity into v_rls from pg_catalog.pg_class c where c.oid = v_events;
    if v_rls then
      status := 'ok';
      detail := 'row-level security is on';
      fix := null;
    else
      status := 'error';
      detail := 'row-level security is off: every signed-in user reads every organization''s events';
      fix := 'alter table public.realtime_table_events enable row level security;';
    end if;
    return next;

    -- events-select-policy
    "check" := 'events-select-policy';
    v_problems := '{}';
    v_fixes := '{}';
    v_warnings := '{}';
    if pg_catalog.to_regrole('authenticated') is null then
      v_problems := v_problems || 'role authenticated does not exist (not a Supabase database?)'::text;
      v_fixes := v_fixes || 'on plain Postgres apply supabase/local/supabase-shim.sql, then the migrations'::text;
    else
      if not pg_catalog.has_table_privilege('authenticated', v_events, 'SELECT') then
        v_problems := v_problems || 'authenticated has no SELECT privilege on it'::text;
        v_fixes := v_fixes || 'grant select on public.realtime_table_events to authenticated;'::text;
      end if;
      -- A permissive select policy that lets any row through leaks every organization's events.
      for v_table in
        select p.polname
        from pg_catalog.pg_policy p
        where p.polrelid = v_events and p.polpermissive and p.polcmd in ('r', '*')
          and pg_catalog.btrim(pg_catalog.pg_get_expr(p.polqual, p.polrelid)) = 'true'
      loop
        v_problems := v_problems || pg_catalog.format(
          'policy "%s" lets its roles read every organization''s events', v_table.polname);
        v_fixes := v_fixes || pg_catalog.format(
          'drop policy %I on public.realtime_table_events;', v_table.polname);
      end loop;
      select count(*) into v_count
        from pg_catalog.pg_policy p
        where p.polrelid = v_events and p.polpermissive and p.polcmd in ('r', '*')
          and (0::oid = any (p.polroles) or 'authenticated'::regrole = any (p.polroles))
          and pg_catalog.btrim(coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), 'true')) <> 'true';
      if v_count = 0 then
        v_problems := v_problems
          || 'no select policy lets members read their organizations'' events: every read and every postgres_changes delivery is refused'::text;
        v_fixes := v_fixes || c_select_policy;
      elsif not exists (
        select 1 from pg_catalog.pg_policy p
        where p.polrelid = v_events and p.polpermissive and p.polcmd in ('r', '*')
          and pg_catalog.pg_get_expr(p.polqual, p.polrelid) like '%is_organization_member(%'
      ) then
        v_warnings := v_warnings
          || 'its select policy is not the migration''s and does not ask is_organization_member(): check that it lets members, and only members, read their organizations'' rows'::text;
      end if;
    end if;
    status := case when pg_catalog.cardinality(v_problems) > 0 then 'error'
      when pg_catalog.cardinality(v_warnings) > 0 then 'warn' else 'ok' end;
    detail := case status when 'ok'
      then 'members read their organizations'' events (realtime_is_organization_member)'
      else pg_catalog.array_to_string(v_problems || v_warnings, '; ') end;
    fix := case status when 'error' then pg_catalog.array_to_string(v_fixes, E'\n')
      when 'warn' then 'compare your policy with: ' || c_select_policy end;
    return next;

    -- events-client-writes
    "check" := 'events-client-writes';
    v_problems := '{}';
    v_warnings := '{}';
    foreach v_role in array array['anon', 'authenticated'] loop
      continue when pg_catalog.to_regrole(v_role) is null;
      if pg_catalog.has_table_privilege(v_role, v_events, 'TRUNCATE') then
        v_problems := v_problems || pg_catalog.format('%s may truncate it (RLS does not stop TRUNCATE)', v_role);
      end if;
      foreach v_cmd in array array['INSERT', 'UPDATE', 'DELETE'] loop
        continue when not pg_catalog.has_table_privilege(v_role, v_events, v_cmd);
        if not v_rls or exists (
          select 1 from pg_catalog.pg_policy p
          where p.polrelid = v_events and p.polpermissive
            and p.polcmd in (case v_cmd when 'INSERT' then 'a' when 'UPDATE' then 'w' else 'd' end, '*')
            and (0::oid = any (p.polroles) or v_role::regrole = any (p.polroles))
        ) then
          v_problems := v_problems || pg_catalog.format('%s may %s rows', v_role, pg_catalog.lower(v_cmd));
        else
          v_warnings := v_warnings || pg_catalog.format('%s holds %s (no policy allows it)', v_role, v_cmd);
        end if;
      end loop;
    end loop;
    status := case when pg_catalog.cardinality(v_problems) > 0 then 'error'
      when pg_catalog.cardinality(v_warnings) > 0 then 'warn' else 'ok' end;
    detail := case status
      when 'ok' then 'no client role can write it; only the trigger does'
      when 'error' then 'clients can forge or erase events: ' || pg_catalog.array_to_string(v_problems || v_warnings, '; ')
      else 'row-level security refuses the writes, but ' || pg_catalog.array_to_string(v_warnings, '; ') end;
    fix := case when status <> 'ok' then
      'revoke insert, update, delete, truncate on public.realtime_table_events from public, anon, authenticated;' end;
    return next;

    -- events-replay-index
    "check" := 'events-replay-index';
    if exists (
      select 1 from pg_catalog.pg_index i
      where i.indrelid = v_events and i.indisvalid and i.indpred is null and i.indnatts >= 2
        and i.indkey[0] = (select a.attnum from pg_catalog.pg_attribute a
                           where a.attrelid = v_events and a.attname = 'organization_id')
        and i.indkey[1] = (select a.attnum from pg_catalog.pg_attribute a
                           where a.attrelid = v_events and a.attname = 'id')
    ) then
      status := 'ok';
      detail := 'an index on (organization_id, id) serves the replay (organization_id = x and id > n)';
      fix := null;
    else
      status := 'error';
      detail := 'no valid index leads with (organization_id, id): every replay after a gap scans the table';
      fix := 'create index if not exists realtime_table_events_organization_id_id_idx on public.realtime_table_events (organization_id, id);';
    end if;
    return next;

    -- events-retention
    "check" := 'events-retention';
    execute 'select min(e.created_at) from public.realtime_table_events e' into v_oldest;
    v_age := case when v_oldest is null then 'the table is empty'
      else 'oldest row ' || pg_catalog.date_trunc('second', pg_catalog.now() - v_oldest)::text || ' old' end;
    v_cron_active := null;
    if exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron') then
      begin
        execute 'select bool_or(j.active) from cron.job j where j.command like ''%prune_realtime_table_events%'''
          into v_cron_active;
        v_cron_active := coalesce(v_cron_active, false);
      exception when others then
        v_cron_active := false;
      end;
    end if;
    if pg_catalog.to_regprocedure('public.prune_realtime_table_events(interval)') is null then
      status := 'error';
      detail := 'public.prune_realtime_table_events() is missing: nothing prunes; ' || v_age;
      fix := 're-apply 20261123000000_realtime_table_events.sql (it is idempotent)';
    elsif v_cron_active is null then
      status := 'warn';
      detail := 'pg_cron is not installed: only the trigger prunes, every 1,000th event, so rows stay while few are written; ' || v_age;
      fix := 'create extension if not exists pg_cron;' || E'\n' || c_cron_schedule;
    elsif not v_cron_active then
      status := 'warn';
      detail := 'pg_cron has no active job calling prune_realtime_table_events(): only the trigger prunes, every 1,000th event; ' || v_age;
      fix := c_cron_schedule;
    elsif v_oldest < pg_catalog.now() - interval '2 hours' then
      status := 'warn';
      detail := 'a pg_cron job prunes, yet ' || v_age || ' (rows are kept 1 hour): check cron.job_run_details';
      fix := 'select * from cron.job_run_details where command like ''%prune_realtime_table_events%'' order by start_time desc limit 5;';
    else
      status := 'ok';
      detail := 'pg_cron prunes rows older than 1 hour every 10 minutes; ' || v_age;
      fix := null;
    end if;
    return next;
  end if;

  -- ---- The tracked tables ---------------------------------------------------------------
  if pg_catalog.to_regclass('public.realtime_parent_routes') is null
    or pg_catalog.to_regclass('public.realtime_org_columns') is null
    or c_notify is null
  then
    "check" := 'table-tracked';
    status := 'error';
    subject := null;
    detail := 'the trigger function or the route tables are missing: the database half is not applied';
    fix := 'npx realtime-sync-devtools init, then supabase db push';
    return next;
    return;
  end if;

  select pg_catalog.md5(pg_catalog.regexp_replace(p.prosrc, '\s+', '', 'g')) <> c_shipped_tracer
    into v_replaced_tracer
    from pg_catalog.pg_proc p
    where p.oid = pg_catalog.to_regprocedure('public.get_organization_id_for_change(text, jsonb)');
  v_replaced_tracer := coalesce(v_replaced_tracer, true);

  -- table-tracked: every table that is or should be tracked.
  v_count := 0;
  for v_table in
    select c.oid::regclass as rel, c.relname::text as name,
           pg_catalog.format('%I.%I', n.nspname, c.relname) as qualified,
           r.parent_column, r.parent_table, r.parent_key, oc.org_column,
           exists (select 1 from pg_catalog.pg_attribute a
                   where a.attrelid = c.oid and a.attname = 'organization_id'
                     and a.attnum > 0 and not a.attisdropped) as has_org,
           exists (select 1 from public.realtime_untracked_tables u
                   where u.table_name = pg_catalog.format('%I.%I', n.nspname, c.relname)) as untracked
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    left join public.realtime_parent_routes r on r.table_name = c.relname
    left join public.realtime_org_columns oc on oc.table_name = c.relname
    where c.relkind in ('r', 'p') and not c.relispartition
      and n.nspname <> all (c_system_schemas) and n.nspname not like 'pg\_%'
      and c.oid is distinct from v_events
      and (r.table_name is not null or oc.table_name is not null
        or exists (select 1 from pg_catalog.pg_attribute a
                   where a.attrelid = c.oid and a.attname = 'organization_id'
                     and a.attnum > 0 and not a.attisdropped)
        or exists (select 1 from pg_catalog.pg_trigger t
                   where t.tgrelid = c.oid and t.tgfoid = c_notify and not t.tgisinternal))
    order by n.nspname, c.relname
  loop
    v_count := v_count + 1;
    "check" := 'table-tracked';
    subject := v_table.qualified;
    v_call := pg_catalog.format('select public.realtime_track_table(%L', v_table.qualified)
      || case
           when v_table.parent_table is not null then pg_catalog.format(', %L, %L, %L',
             v_table.parent_column, v_table.parent_table, v_table.parent_key)
           when v_table.org_column is not null then pg_catalog.format(', org_column => %L', v_table.org_column)
           else '' end
      || ');';
    v_problems := '{}';
    v_fixes := '{}';
    v_warnings := '{}';
    select count(*) into v_hops from pg_catalog.pg_trigger t
      where t.tgrelid = v_table.rel and t.tgfoid = c_notify and not t.tgisinternal;
    for v_trigger in
      select t.tgname::text as name, t.tgtype::int as type, t.tgenabled::text as enabled,
             t.tgqual is not null as conditional, pg_catalog.array_length(t.tgattr::int2[], 1) > 0 as columns
      from pg_catalog.pg_trigger t
      where t.tgrelid = v_table.rel and t.tgfoid = c_notify and not t.tgisinternal
      order by t.tgname
    loop
      v_reason := pg_catalog.concat_ws(', ',
        case when v_trigger.type & 1 = 0 then 'statement-level, not for each row' end,
        case when v_trigger.type & 2 <> 0 then 'before, not after' end,
        case when v_trigger.type & 64 <> 0 then 'instead of, not after' end,
        case when v_trigger.type & 4 = 0 then 'not on insert' end,
        case when v_trigger.type & 16 = 0 then 'not on update' end,
        case when v_trigger.type & 8 = 0 then 'not on delete' end,
        case v_trigger.enabled when 'D' then 'disabled' when 'R' then 'fires only for replicas' end);
      if v_reason <> '' then
        v_problems := v_problems || pg_catalog.format('trigger %s is %s', v_trigger.name, v_reason);
        if v_trigger.name <> 'trigger_notify_org_change' then
          v_fixes := v_fixes || pg_catalog.format('drop trigger %I on %s;', v_trigger.name, v_table.qualified);
        end if;
      elsif v_trigger.conditional or v_trigger.columns then
        v_warnings := v_warnings || pg_catalog.format(
          'trigger %s fires only for some changes (a WHEN condition or UPDATE OF columns)', v_trigger.name);
        if v_trigger.name <> 'trigger_notify_org_change' then
          v_fixes := v_fixes || pg_catalog.format('drop trigger %I on %s;', v_trigger.name, v_table.qualified);
        end if;
      end if;
    end loop;
    if v_hops = 0 then
      if v_table.untracked then
        status := 'ok';
        detail := 'not tracked, on purpose (public.realtime_untracked_tables)';
        fix := null;
        return next;
        continue;
      end if;
      v_problems := v_problems
        || 'no trigger calls notify_organization_of_table_change(): its changes reach no screen'::text;
    elsif v_hops > 1 then
      v_warnings := v_warnings || pg_catalog.format(
        '%s triggers call notify_organization_of_table_change(): each change is sent %s times', v_hops, v_hops);
      for v_trigger in
        select t.tgname::text as name from pg_catalog.pg_trigger t
        where t.tgrelid = v_table.rel and t.tgfoid = c_notify and not t.tgisinternal
          and t.tgname <> 'trigger_notify_org_change'
      loop
        v_fixes := v_fixes || pg_catalog.format('drop trigger %I on %s;', v_trigger.name, v_table.qualified);
      end loop;
    elsif v_table.untracked then
      v_warnings := v_warnings || 'tracked, yet listed in public.realtime_untracked_tables'::text;
    end if;
    status := case when pg_catalog.cardinality(v_problems) > 0 then 'error'
      when pg_catalog.cardinality(v_warnings) > 0 then 'warn' else 'ok' end;
    detail := case status when 'ok'
      then 'trigger after insert, update, delete, for each row; organization through '
        || case when v_table.parent_table is not null then pg_catalog.format('%s -> %s.%s',
               v_table.parent_column, v_table.parent_table, v_table.parent_key)
             when v_table.org_column is not null then v_table.org_column || ' (realtime_org_columns)'
             when v_table.has_org then 'organization_id'
             else 'get_organization_id_for_change()' end
      else pg_catalog.array_to_string(v_problems || v_warnings, '; ')
        || case when v_hops = 0 then '. If that is on purpose: select public.realtime_untrack_table('
             || pg_catalog.quote_literal(v_table.qualified) || ');' else '' end
      end;
    if status = 'ok' then
      fix := null;
    elsif v_table.untracked and v_hops = 1 and pg_catalog.cardinality(v_problems) = 0 then
      fix := pg_catalog.format('delete from public.realtime_untracked_tables where table_name = %L;', v_table.qualified);
    else
      fix := pg_catalog.array_to_string(v_fixes || v_call, E'\n');
    end if;
    return next;
  end loop;
  if v_count = 0 then
    "check" := 'table-tracked';
    status := 'warn';
    subject := null;
    detail := 'no table has organization_id, a route or the trigger: nothing is synced yet';
    fix := 'select public.realtime_track_table(''public.my_table'');  -- for each organization-scoped table';
    return next;
  end if;

  -- route-valid: routes and tenant columns name existing tables and columns.
  v_count := 0;
  for v_route in
    select r.table_name, r.parent_column, r.parent_table, r.parent_key,
           coalesce(
             pg_catalog.to_regclass(pg_catalog.format('public.%I', r.table_name)),
             (select c.oid::regclass from pg_catalog.pg_class c
              join pg_catalog.pg_namespace n on n.oid = c.relnamespace
              where c.relname = r.table_name and c.relkind in ('r', 'p')
                and n.nspname <> all (c_system_schemas) and n.nspname not like 'pg\_%'
              order by n.nspname limit 1)
           ) as rel,
           coalesce(
             pg_catalog.to_regclass(r.parent_table),
             pg_catalog.to_regclass(pg_catalog.format('public.%I', r.parent_table))
           ) as parent
    from public.realtime_parent_routes r
    order by r.table_name
  loop
    v_count := v_count + 1;
    "check" := 'route-valid';
    subject := pg_catalog.format('%s.%s -> %s.%s', coalesce(v_route.rel::text, v_route.table_name),
      v_route.parent_column, v_route.parent_table, v_route.parent_key);
    v_problems := '{}';
    if v_route.rel is null then
      v_problems := v_problems || pg_catalog.format('table %s does not exist', v_route.table_name);
    elsif not exists (select 1 from pg_catalog.pg_attribute a where a.attrelid = v_route.rel
                      and a.attname = v_route.parent_column and a.attnum > 0 and not a.attisdropped) then
      v_problems := v_problems || pg_catalog.format('%s has no column %s', v_route.rel, v_route.parent_column);
    end if;
    if v_route.parent is null then
      v_problems := v_problems || pg_catalog.format('parent table %s does not exist', v_route.parent_table);
    elsif not exists (select 1 from pg_catalog.pg_attribute a where a.attrelid = v_route.parent
                      and a.attname = v_route.parent_key and a.attnum > 0 and not a.attisdropped) then
      v_problems := v_problems || pg_catalog.format('parent %s has no column %s', v_route.parent, v_route.parent_key);
    end if;
    if pg_catalog.cardinality(v_problems) = 0 then
      status := 'ok';
      detail := 'the table and columns exist';
      fix := null;
    else
      status := 'error';
      detail := pg_catalog.array_to_string(v_problems, '; ') || ': its rows reach no organization';
      if v_route.rel is null then
        fix := pg_catalog.format('delete from public.realtime_parent_routes where table_name = %L;', v_route.table_name);
      elsif exists (select 1 from pg_catalog.pg_attribute a where a.attrelid = v_route.rel
                    and a.attname = coalesce((select oc.org_column from public.realtime_org_columns oc
                                              where oc.table_name = v_route.table_name), 'organization_id')
                    and a.attnum > 0 and not a.attisdropped) then
        -- Its own tenant column answers first; the route is never read.
        fix := pg_catalog.format('delete from public.realtime_parent_routes where table_name = %L;', v_route.table_name);
      else
        -- A single-column foreign key of the table: to the route's parent when it has one, else any.
        select a.attname::text as col, pg_catalog.format('%I.%I', pn.nspname, pc.relname) as parent,
               pa.attname::text as key
          into v_fk
          from pg_catalog.pg_constraint k
          join pg_catalog.pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
          join pg_catalog.pg_class pc on pc.oid = k.confrelid
          join pg_catalog.pg_namespace pn on pn.oid = pc.relnamespace
          join pg_catalog.pg_attribute pa on pa.attrelid = k.confrelid and pa.attnum = k.confkey[1]
          where k.conrelid = v_route.rel and k.contype = 'f' and pg_catalog.cardinality(k.conkey) = 1
          order by (k.confrelid = v_route.parent) desc nulls last, k.conname
          limit 1;
        if found then
          fix := pg_catalog.format('select public.realtime_track_table(%L, %L, %L, %L);',
            v_route.rel::text, v_fk.col, v_fk.parent, v_fk.key);
        else
          fix := pg_catalog.format('select public.realtime_track_table(%L, ''<column>'', ''<parent table>'', ''<parent key>'');  -- or: delete from public.realtime_parent_routes where table_name = %L;',
            v_route.rel::text, v_route.table_name);
        end if;
      end if;
    end if;
    return next;
  end loop;
  for v_route in
    select oc.table_name, oc.org_column,
           pg_catalog.to_regclass(pg_catalog.format('public.%I', oc.table_name)) as rel
    from public.realtime_org_columns oc
    order by oc.table_name
  loop
    v_count := v_count + 1;
    "check" := 'route-valid';
    subject := pg_catalog.format('%s.%s (tenant column)', coalesce(v_route.rel::text, v_route.table_name), v_route.org_column);
    if v_route.rel is null then
      status := 'error';
      detail := pg_catalog.format('table %s does not exist', v_route.table_name);
      fix := pg_catalog.format('delete from public.realtime_org_columns where table_name = %L;', v_route.table_name);
    elsif not exists (select 1 from pg_catalog.pg_attribute a where a.attrelid = v_route.rel
                      and a.attname = v_route.org_column and a.attnum > 0 and not a.attisdropped) then
      status := 'error';
      detail := pg_catalog.format('%s has no column %s: its rows reach no organization', v_route.rel, v_route.org_column);
      fix := pg_catalog.format('select public.realtime_track_table(%L, org_column => ''<its tenant column>'');', v_route.rel::text);
    else
      status := 'ok';
      detail := 'the table and column exist';
      fix := null;
    end if;
    return next;
  end loop;
  if v_count = 0 then
    "check" := 'route-valid';
    status := 'ok';
    subject := null;
    detail := 'no routes and no tenant columns other than organization_id';
    fix := null;
    return next;
  end if;

  -- untraceable-table: a tracked table whose rows reach no organization, followed as
  -- get_organization_id_for_change() follows them (tenant column, else route, 5 hops at most).
  v_count := 0;
  for v_table in
    select distinct c.oid::regclass as rel, pg_catalog.format('%I.%I', n.nspname, c.relname) as qualified
    from pg_catalog.pg_trigger t
    join pg_catalog.pg_class c on c.oid = t.tgrelid
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where t.tgfoid = c_notify and not t.tgisinternal
    order by 2
  loop
    v_current := v_table.rel;
    v_hops := 0;
    v_traced := false;
    v_reason := null;
    loop
      if exists (
        select 1 from pg_catalog.pg_attribute a
        where a.attrelid = v_current and a.attnum > 0 and not a.attisdropped
          and a.attname = coalesce((select oc.org_column from public.realtime_org_columns oc
                                    where oc.table_name = (select relname from pg_catalog.pg_class where oid = v_current)),
                                   'organization_id')
      ) then
        v_traced := true;
        exit;
      end if;
      if v_hops >= 5 then
        v_reason := 'its route is longer than 5 hops';
        exit;
      end if;
      select r.parent_column, r.parent_table, r.parent_key,
             coalesce(pg_catalog.to_regclass(r.parent_table),
                      pg_catalog.to_regclass(pg_catalog.format('public.%I', r.parent_table))) as parent
        into v_route
        from public.realtime_parent_routes r
        where r.table_name = (select relname from pg_catalog.pg_class where oid = v_current);
      if not found then
        v_reason := case when v_hops = 0
          then 'it has no organization_id (nor a tenant column of its own) and no route'
          else pg_catalog.format('its route ends at %s, which has no organization_id and no route', v_current) end;
        exit;
      end if;
      if v_route.parent is null
        or not exists (select 1 from pg_catalog.pg_attribute a where a.attrelid = v_current
                       and a.attname = v_route.parent_column and a.attnum > 0 and not a.attisdropped)
        or not exists (select 1 from pg_catalog.pg_attribute a where a.attrelid = v_route.parent
                       and a.attname = v_route.parent_key and a.attnum > 0 and not a.attisdropped)
      then
        v_reason := pg_catalog.format('the route of %s is broken (see route-valid)', v_current);
        exit;
      end if;
      v_current := v_route.parent;
      v_hops := v_hops + 1;
    end loop;
    continue when v_traced;
    v_count := v_count + 1;
    "check" := 'untraceable-table';
    subject := v_table.qualified;
    status := case when v_replaced_tracer then 'warn' else 'error' end;
    detail := 'its rows reach no organization, so its changes produce no event: ' || v_reason
      || case when v_replaced_tracer
           then ' (get_organization_id_for_change() was replaced: if your version traces it, all is well)'
           else '' end;
    select a.attname::text as col, pg_catalog.format('%I.%I', pn.nspname, pc.relname) as parent,
           pa.attname::text as key
      into v_fk
      from pg_catalog.pg_constraint k
      join pg_catalog.pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
      join pg_catalog.pg_class pc on pc.oid = k.confrelid
      join pg_catalog.pg_namespace pn on pn.oid = pc.relnamespace
      join pg_catalog.pg_attribute pa on pa.attrelid = k.confrelid and pa.attnum = k.confkey[1]
      where k.conrelid = v_table.rel and k.contype = 'f' and pg_catalog.cardinality(k.conkey) = 1
        and exists (select 1 from pg_catalog.pg_trigger t where t.tgrelid = k.confrelid and t.tgfoid = c_notify)
      order by k.conname
      limit 1;
    fix := case when found
      then pg_catalog.format('select public.realtime_track_table(%L, %L, %L, %L);',
        v_table.qualified, v_fk.col, v_fk.parent, v_fk.key)
      else pg_catalog.format('select public.realtime_track_table(%L, ''<column>'', ''<parent table>'');  -- route it to a parent with organization_id; or add an organization_id column',
        v_table.qualified) end;
    return next;
  end loop;
  if v_count = 0 then
    "check" := 'untraceable-table';
    status := 'ok';
    subject := null;
    detail := 'every tracked table reaches an organization';
    fix := null;
    return next;
  end if;

  -- ---- Broadcast ------------------------------------------------------------------------
  "check" := 'broadcast-policies';
  subject := 'realtime.messages';
  if not v_broadcast then
    status := 'ok';
    detail := 'transport is postgres_changes: realtime.messages'' policies are not used';
    fix := null;
    return next;
    return;
  end if;
  v_problems := '{}';
  v_fixes := '{}';
  if pg_catalog.to_regclass('realtime.messages') is null
    or pg_catalog.to_regprocedure('realtime.send(jsonb, text, text, boolean)') is null
  then
    status := 'error';
    detail := 'broadcast mode, but realtime.messages or realtime.send() is missing: nothing is broadcast';
    fix := 'update public.realtime_sync_settings set transport = ''postgres_changes'';  -- or run on a Supabase project';
    return next;
    return;
  end if;
  if not (select c.relrowsecurity from pg_catalog.pg_class c where c.oid = 'realtime.messages'::regclass) then
    v_problems := v_problems || 'row-level security is off on realtime.messages'::text;
    v_fixes := v_fixes || 'alter table realtime.messages enable row level security;'::text;
  end if;
  if not exists (
    select 1 from pg_catalog.pg_policy p
    where p.polrelid = 'realtime.messages'::regclass and p.polpermissive and p.polcmd in ('r', '*')
      and (0::oid = any (p.polroles) or 'authenticated'::regrole = any (p.polroles))
      and pg_catalog.pg_get_expr(p.polqual, p.polrelid) like '%realtime_is_organization_member(%'
  ) then
    v_problems := v_problems || 'no select policy lets members receive on org:<id> topics: every private join is refused'::text;
    v_fixes := v_fixes || $fix$create policy "Members receive their organizations' broadcasts" on realtime.messages for select to authenticated using (realtime.messages.extension = 'broadcast' and (select realtime.topic()) like 'org:%' and realtime.messages.topic = (select realtime.topic()) and public.realtime_is_organization_member(substring((select realtime.topic()) from 5)));$fix$::text;
  end if;
  foreach v_cmd in array array['a', 'w', 'd'] loop
    if not exists (
      select 1 from pg_catalog.pg_policy p
      where p.polrelid = 'realtime.messages'::regclass and not p.polpermissive and p.polcmd in (v_cmd, '*')
        and (0::oid = any (p.polroles)
          or ('anon'::regrole = any (p.polroles) and 'authenticated'::regrole = any (p.polroles)))
        and coalesce(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), pg_catalog.pg_get_expr(p.polqual, p.polrelid))
          like '%org:%'
    ) then
      v_problems := v_problems || pg_catalog.format('no restrictive %s policy keeps clients off org: topics',
        case v_cmd when 'a' then 'insert' when 'w' then 'update' else 'delete' end);
      v_fixes := v_fixes || case v_cmd
        when 'a' then $fix$create policy "Nobody sends on org topics from a client" on realtime.messages as restrictive for insert to anon, authenticated with check (realtime.messages.topic not like 'org:%');$fix$
        when 'w' then $fix$create policy "Nobody changes org topic messages from a client" on realtime.messages as restrictive for update to anon, authenticated using (realtime.messages.topic not like 'org:%') with check (realtime.messages.topic not like 'org:%');$fix$
        else $fix$create policy "Nobody deletes org topic messages from a client" on realtime.messages as restrictive for delete to anon, authenticated using (realtime.messages.topic not like 'org:%');$fix$
      end::text;
    end if;
  end loop;
  if not exists (select 1 from pg_catalog.pg_proc p where p.oid = c_notify and p.prosrc like '%realtime.send(%') then
    v_problems := v_problems || 'the trigger function does not call realtime.send(): nothing is broadcast'::text;
    v_fixes := v_fixes || 're-apply 20261202000000_realtime_broadcast.sql (it is idempotent)'::text;
  end if;
  if pg_catalog.cardinality(v_problems) = 0 then
    status := 'ok';
    detail := 'broadcast mode: members receive on org:<id>; clients cannot send, change or delete there';
    fix := null;
  else
    status := 'error';
    detail := 'broadcast mode: ' || pg_catalog.array_to_string(v_problems, '; ');
    fix := pg_catalog.array_to_string(v_fixes, E'\n');
  end if;
  return next;
end;
$doctor$;

revoke all on function public.realtime_sync_doctor() from public, anon, authenticated;
grant execute on function public.realtime_sync_doctor() to service_role;

do $$
begin
  if pg_catalog.to_regrole('postgres') is not null then
    grant execute on function public.realtime_sync_doctor() to postgres;
  end if;
end
$$;
