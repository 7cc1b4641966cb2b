-- Realtime transport: postgres_changes (default) or Broadcast from Database.
--
-- Switch this database to Broadcast (one statement, takes effect for the next change):
--
--   update public.realtime_sync_settings set transport = 'broadcast';
--
-- and back:
--
--   update public.realtime_sync_settings set transport = 'postgres_changes';
--
--   postgres_changes: as in 20261123000000_realtime_table_events.sql. Each change inserts a
--     row into public.realtime_table_events; clients subscribe to postgres_changes (INSERT,
--     filter organization_id=eq.<org>) and Realtime checks RLS of realtime_table_events for
--     every subscriber and every row.
--   broadcast: the same row is inserted and, in the same trigger call, also sent with
--     realtime.send(<the row as JSON>, <event_type>, 'org:' || organization_id, private)
--     to the private channel 'org:<organization_id>'. Realtime authorizes a subscriber once
--     when it joins (the select policy on realtime.messages below), not per row.
--     Clients join `supabase.channel('org:<id>', { config: { private: true } })` after
--     `supabase.realtime.setAuth()` and listen to broadcast events INSERT / UPDATE / DELETE.
--     The payload is exactly the realtime_table_events row (id, organization_id, table_name,
--     event_type, record_id, actor_id, created_at), so catch-up reads
--     (organization_id = x and id > n) work as before.
--
-- In broadcast mode the row still reaches postgres_changes subscribers as well (the table
-- stays in publication supabase_realtime), so clients can move to broadcast one release at a
-- time; once none uses postgres_changes, `alter publication supabase_realtime drop table
-- public.realtime_table_events` saves Realtime the per-subscriber work. Back in
-- postgres_changes mode nothing is broadcast: broadcast clients then catch up from
-- realtime_table_events by id after their next gap, and miss live changes until they switch.
--
-- Relies on what Supabase provides: the realtime schema, realtime.send(), realtime.topic()
-- and realtime.messages (for plain Postgres / PGlite, supabase/local/supabase-shim.sql).
-- Runs after 20261123000000_realtime_table_events.sql. Re-running it is safe and keeps the
-- chosen transport.

-- ---------------------------------------------------------------------------------------
-- The setting
-- ---------------------------------------------------------------------------------------
-- A table, not a GUC: a setting made with ALTER DATABASE ... SET is read only when a
-- session starts, so pooled connections (PostgREST, Supavisor, the app's own pool) would
-- keep the old value for hours and the database would send by both transports at once. An
-- UPDATE of this row is transactional and seen by every statement that starts after it
-- commits. Reading it is one primary-key lookup per trigger call.
--
-- One row (id is always true). RLS on and no policies, nothing granted to the API roles:
-- PostgREST never exposes it; the trigger reads it as its owner; service_role may switch it.

create table if not exists public.realtime_sync_settings (
  id boolean primary key default true check (id),
  transport text not null default 'postgres_changes'
    check (transport in ('postgres_changes', 'broadcast'))
);

comment on table public.realtime_sync_settings is
  'How notify_organization_of_table_change() delivers events: postgres_changes (default) or '
  'broadcast (also realtime.send to the private topic org:<organization_id>). Switch with '
  '`update public.realtime_sync_settings set transport = ''broadcast'';`.';

insert into public.realtime_sync_settings (id) values (true) on conflict do nothing;

alter table public.realtime_sync_settings enable row level security;
revoke all on public.realtime_sync_settings from public, anon, authenticated;
grant all on public.realtime_sync_settings to service_role;

-- ---------------------------------------------------------------------------------------
-- The trigger, now also broadcasting
-- ---------------------------------------------------------------------------------------
-- Same behaviour as in 20261123000000_realtime_table_events.sql (see the comments there),
-- plus: in broadcast mode each inserted event row is sent to 'org:<organization_id>'. In
-- postgres_changes mode realtime.send is not called at all.
--
-- SECURITY DEFINER matters twice here: the insert into realtime_table_events, and
-- realtime.send, which is SECURITY INVOKER on Supabase: its insert into realtime.messages
-- runs as this function's owner (the migration role, which RLS does not restrict), not as
-- the anon / authenticated user whose change fired the trigger, so the restrictive policy
-- below, which refuses them the org: topics, does not stop it.
--
-- realtime.send never raises (a failure is `WARNING: WarnSendingBroadcastMessage: ...`,
-- for instance when the day's realtime.messages partition is missing): the change and its
-- event row still commit, and clients catch up from realtime_table_events.
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
  v_event public.realtime_table_events;
  v_event_id bigint;
  v_broadcast boolean := false;
begin
  if tg_op in ('INSERT', 'UPDATE') then
    v_new := pg_catalog.to_jsonb(new);
    v_new_org := public.get_organization_id_for_change(tg_table_name, v_new);
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    v_old := pg_catalog.to_jsonb(old);
    v_old_org := public.get_organization_id_for_change(tg_table_name, v_old);
  end if;

  -- The transport, read once per call and only when there is an event to deliver.
  if v_new_org is not null or v_old_org is not null then
    select s.transport = 'broadcast'
      into v_broadcast
      from public.realtime_sync_settings s
      where s.id;
    v_broadcast := coalesce(v_broadcast, false);
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
    returning * into v_event;
    v_event_id := v_event.id;
    if v_broadcast then
      perform realtime.send(
        pg_catalog.to_jsonb(v_event),
        v_event.event_type,
        'org:' || v_event.organization_id,
        true
      );
    end if;
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
    returning * into v_event;
    v_event_id := v_event.id;
    if v_broadcast then
      perform realtime.send(
        pg_catalog.to_jsonb(v_event),
        v_event.event_type,
        'org:' || v_event.organization_id,
        true
      );
    end if;
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
-- Who may receive and send on org: topics (RLS on realtime.messages)
-- ---------------------------------------------------------------------------------------
-- Realtime authorizes a private channel when a client joins (and again on each
-- access_token push): as the client's role and claims, with realtime.topic set to the
-- channel's topic, it inserts a probe row (topic = that topic) into realtime.messages and
-- checks whether the user can SELECT it (may receive) and whether the user could INSERT
-- such a row (may send).
--
-- Receive: members of the organization, broadcast only. The row's topic must also be the
-- topic being authorized, so a session that sets realtime.topic itself still reads only
-- that topic's messages (Realtime's probe row satisfies it). The topic's id is text;
-- realtime_is_organization_member() (20261123000000_realtime_table_events.sql) casts it to the
-- type of the app's is_organization_member(), and a text that is no such id is no member.
drop policy if exists "Members receive their organizations' broadcasts" on realtime.messages;
create policy "Members receive their organizations' broadcasts"
  on realtime.messages
  for select
  to authenticated
  using (
    realtime.messages.extension = 'broadcast'
    and (select realtime.topic()) like 'org:%'
    and realtime.messages.topic = (select realtime.topic())
    and public.realtime_is_organization_member(substring((select realtime.topic()) from 5))
  );

-- Send: nobody from a client, whatever other (permissive) policies the app has for its own
-- topics; only this database's trigger (its owner bypasses RLS) and service_role
-- (BYPASSRLS) write org: messages. RESTRICTIVE policies only narrow what permissive ones
-- allow: with no permissive insert policy the API roles may insert nothing at all.
--
-- The row's topic is checked, not realtime.topic(): the row's topic is where a row of
-- realtime.messages is delivered (and replayed from), and in Realtime's probe it equals
-- realtime.topic(), so this refuses client broadcasts on org: channels too. realtime.topic()
-- alone would not do: it is null for an insert through PostgREST, and any session can set
-- it (coalesce(realtime.topic(), topic) lets a row for 'org:x' through once realtime.topic
-- is set to something else); and realtime.send() leaves it set for the rest of the
-- transaction, so it may name a topic other than the row's.
--
-- The same for UPDATE and DELETE (hosted grants UPDATE to the API roles): a client must
-- not rewrite or remove an org: message that Realtime may still replay.
drop policy if exists "Nobody sends on org topics from a client" on realtime.messages;
create policy "Nobody sends on org topics from a client"
  on realtime.messages
  as restrictive
  for insert
  to anon, authenticated
  with check (realtime.messages.topic not like 'org:%');

drop policy if exists "Nobody changes org topic messages from a client" on realtime.messages;
create policy "Nobody changes org topic messages from a client"
  on realtime.messages
  as restrictive
  for update
  to anon, authenticated
  using (realtime.messages.topic not like 'org:%')
  with check (realtime.messages.topic not like 'org:%');

drop policy if exists "Nobody deletes org topic messages from a client" on realtime.messages;
create policy "Nobody deletes org topic messages from a client"
  on realtime.messages
  as restrictive
  for delete
  to anon, authenticated
  using (realtime.messages.topic not like 'org:%');

-- ---------------------------------------------------------------------------------------
-- Publication
-- ---------------------------------------------------------------------------------------
-- 20261123000000_realtime_table_events.sql adds realtime_table_events to the publication
-- supabase_realtime; that stays. postgres_changes needs it. In broadcast mode it is needed
-- only while some client still subscribes with postgres_changes (during a switch, or an
-- older client); otherwise it is unused and costs next to nothing.
