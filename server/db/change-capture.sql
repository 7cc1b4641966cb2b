-- Change capture for the local stack's Realtime: what the WAL and Supabase's replication slot
-- give the hosted service, done with a row trigger and NOTIFY so that it also runs on PGlite
-- (no logical replication there).
--
--   row change in a table of publication supabase_realtime
--     -> AFTER trigger realtime_stack_capture (realtime_stack.capture_change())
--       -> pg_notify('realtime_stack_changes', {seq, xid, schema, table, type, record, old_record})
--   -> delivered to the stack's LISTEN when the transaction commits, in commit order
--   -> the stack checks each subscriber's filters and RLS, and pushes postgres_changes.
--
-- A NOTIFY payload is limited to 8000 bytes. A larger change is sent as its primary key
-- ("truncated": true) and the stack reads the row back. `seq` makes every payload distinct:
-- Postgres folds identical notifications of one transaction into one, which would lose a
-- change made twice with the same values.
--
-- Which tables: those in publication supabase_realtime, as on Supabase
-- (`alter publication supabase_realtime add table ...`). realtime_stack.sync_capture_triggers()
-- (re)creates the triggers; the stack calls it on start and when a client subscribes to a
-- published table that has none yet. Idempotent.

create schema if not exists realtime_stack;
revoke all on schema realtime_stack from public;

create sequence if not exists realtime_stack.change_seq;

create or replace function realtime_stack.capture_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_new jsonb;
  v_old jsonb;
  v_envelope jsonb;
  v_payload text;
  v_key text[];
  v_seq bigint;
begin
  -- Streamed only while the table is in the publication, as on Supabase, where the publication
  -- decides what logical decoding emits: `alter publication supabase_realtime drop table ...`
  -- stops a subscribed table's changes at once, `add table` brings them back (the trigger of a
  -- table that left stays until the next sync_capture_triggers()).
  if not exists (
    select 1 from pg_catalog.pg_publication_tables p
    where p.pubname = 'supabase_realtime'
      and p.schemaname = tg_table_schema and p.tablename = tg_table_name
  ) then
    return null;
  end if;
  v_seq := pg_catalog.nextval('realtime_stack.change_seq');
  if tg_op <> 'DELETE' then
    v_new := pg_catalog.to_jsonb(new);
  end if;
  if tg_op <> 'INSERT' then
    v_old := pg_catalog.to_jsonb(old);
  end if;

  v_envelope := pg_catalog.jsonb_build_object(
    'seq', v_seq,
    'xid', pg_catalog.txid_current()::text,
    'schema', tg_table_schema,
    'table', tg_table_name,
    'type', tg_op
  );
  v_payload := (v_envelope || pg_catalog.jsonb_build_object(
    'record', v_new,
    'old_record', v_old
  ))::text;

  if pg_catalog.octet_length(v_payload) > 7900 then
    select pg_catalog.array_agg(a.attname::text order by k.ord)
      into v_key
      from pg_catalog.pg_index i
      cross join lateral pg_catalog.unnest(i.indkey::int2[]) with ordinality as k (attnum, ord)
      join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
      where i.indrelid = tg_relid and i.indisprimary;

    v_payload := (v_envelope || pg_catalog.jsonb_build_object(
      'truncated', true,
      'record', case when v_new is not null then
        (select pg_catalog.jsonb_object_agg(c, v_new -> c) from pg_catalog.unnest(v_key) as c) end,
      'old_record', case when v_old is not null then
        (select pg_catalog.jsonb_object_agg(c, v_old -> c) from pg_catalog.unnest(v_key) as c) end
    ))::text;
  end if;

  perform pg_catalog.pg_notify('realtime_stack_changes', v_payload);
  return null;
end;
$$;

revoke all on function realtime_stack.capture_change() from public;

-- Puts the capture trigger on every table of publication supabase_realtime and removes it from
-- tables that left the publication. Returns the tables captured, as schema.table.
create or replace function realtime_stack.sync_capture_triggers()
returns setof text
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_table regclass;
  v_name text;
begin
  for v_table in
    select c.oid::regclass
    from pg_catalog.pg_trigger t
    join pg_catalog.pg_class c on c.oid = t.tgrelid
    where t.tgname = 'realtime_stack_capture'
      and not exists (
        select 1 from pg_catalog.pg_publication_tables p
        join pg_catalog.pg_namespace n on n.nspname = p.schemaname
        join pg_catalog.pg_class pc on pc.relnamespace = n.oid and pc.relname = p.tablename
        where p.pubname = 'supabase_realtime' and pc.oid = c.oid
      )
  loop
    execute pg_catalog.format('drop trigger if exists realtime_stack_capture on %s', v_table);
  end loop;

  for v_table, v_name in
    select pg_catalog.format('%I.%I', p.schemaname, p.tablename)::regclass,
           p.schemaname || '.' || p.tablename
    from pg_catalog.pg_publication_tables p
    where p.pubname = 'supabase_realtime'
  loop
    if not exists (
      select 1 from pg_catalog.pg_trigger t
      where t.tgrelid = v_table and t.tgname = 'realtime_stack_capture'
    ) then
      execute pg_catalog.format(
        'create trigger realtime_stack_capture after insert or update or delete on %s '
        'for each row execute function realtime_stack.capture_change()',
        v_table
      );
    end if;
    return next v_name;
  end loop;
end;
$$;

revoke all on function realtime_stack.sync_capture_triggers() from public;

-- Supabase creates the publication; plain Postgres and PGlite get it from the migration, but a
-- database where that step was skipped still gets one here.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;

-- ---------------------------------------------------------------------------------------
-- Broadcast from Database
-- ---------------------------------------------------------------------------------------
-- Hosted, Realtime reads inserts into realtime.messages from a publication of its own and
-- relays each broadcast row to the channels joined to its topic. Here an AFTER INSERT trigger
-- does the same with NOTIFY, on a channel of its own:
--
--   realtime.send(payload, event, topic, private) -> insert into realtime.messages
--     -> AFTER trigger realtime_stack_broadcast (realtime_stack.capture_broadcast())
--       -> pg_notify('realtime_stack_broadcasts', <header json> || E'\n' || <payload json>)
--   -> delivered to the stack's LISTEN at commit, in commit order (a rolled-back send, or an
--      authorization probe, is never delivered).
--
-- The payload travels as Postgres wrote it, after a newline (jsonb text has none outside its
-- strings), so the stack relays it byte for byte, as Realtime does. Over NOTIFY's 8000 bytes
-- only {id, truncated} is sent and the stack reads the row back by id. Rows Realtime would skip
-- (not extension 'broadcast', or no topic, event, payload or private) are not sent.

create or replace function realtime_stack.capture_broadcast()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_header text;
  v_payload text;
begin
  if new.extension is distinct from 'broadcast' or new.topic is null or new.event is null
    or new.payload is null or new.private is null then
    return null;
  end if;
  v_header := pg_catalog.jsonb_build_object(
    'id', new.id,
    'topic', new.topic,
    'event', new.event,
    'private', new.private
  )::text;
  v_payload := v_header || E'\n' || new.payload::text;
  if pg_catalog.octet_length(v_payload) > 7900 then
    v_payload := pg_catalog.jsonb_build_object('id', new.id, 'truncated', true)::text;
  end if;
  perform pg_catalog.pg_notify('realtime_stack_broadcasts', v_payload);
  return null;
end;
$$;

revoke all on function realtime_stack.capture_broadcast() from public;

-- Puts the trigger on realtime.messages when that table exists (Supabase, or the shim); true
-- when broadcasts are captured. Where the stack may not create it (a Supabase database whose
-- realtime.messages belongs to supabase_realtime_admin) a warning says so and false is
-- returned: the stack then serves Broadcast between clients only. Idempotent.
create or replace function realtime_stack.sync_broadcast_capture()
returns boolean
language plpgsql
volatile
set search_path = ''
as $$
begin
  if pg_catalog.to_regclass('realtime.messages') is null then
    return false;
  end if;
  if not exists (
    select 1 from pg_catalog.pg_trigger t
    where t.tgrelid = 'realtime.messages'::regclass and t.tgname = 'realtime_stack_broadcast'
  ) then
    create trigger realtime_stack_broadcast after insert on realtime.messages
      for each row execute function realtime_stack.capture_broadcast();
  end if;
  return true;
exception
  when insufficient_privilege then
    raise warning 'realtime_stack: cannot put a trigger on realtime.messages: %', sqlerrm;
    return false;
end;
$$;

revoke all on function realtime_stack.sync_broadcast_capture() from public;

select realtime_stack.sync_broadcast_capture();
