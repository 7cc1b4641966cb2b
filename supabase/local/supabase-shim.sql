-- Supabase shim for plain Postgres and PGlite.
--
-- NEVER apply this to a real Supabase project: Supabase already provides all of it
-- (and more). It exists so that supabase/migrations/*.sql and supabase/demo/*.sql run
-- unchanged on an embedded PGlite (tests, local server) or on a vanilla Postgres
-- (DATABASE_URL). It provides only what those files rely on:
--
--   * roles anon, authenticated, service_role (service_role has BYPASSRLS, as on Supabase);
--   * schema auth with auth.uid(), auth.role(), auth.jwt(), reading the claims the way
--     PostgREST / Realtime set them: set_config('request.jwt.claims', '<json>', true);
--   * usage on schemas public and auth for those roles;
--   * Supabase's default privileges: every new table, sequence and function in public is
--     granted to anon, authenticated and service_role, so that, as on Supabase, RLS and
--     explicit REVOKEs are what protect a table. Tests therefore exercise the migration's
--     revokes exactly as they matter on the real platform;
--   * the pieces of Supabase Realtime's schema that Broadcast from Database uses:
--     realtime.messages, realtime.topic(), realtime.send(), realtime.broadcast_changes(),
--     with the hosted signatures, grants and behaviour (see the section at the end).
--
-- Idempotent: safe to run any number of times.

do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    -- BYPASSRLS is supported by PGlite 0.5 and by every Postgres >= 9.5.
    create role service_role nologin noinherit bypassrls;
  end if;
end
$$;

create schema if not exists auth;

-- After a transaction-local set_config() the setting reads '' (not NULL) once the
-- transaction ends, hence the nullif(..., '') around every cast.
create or replace function auth.jwt()
returns jsonb
language sql
stable
set search_path = ''
as $$
  select coalesce(
    nullif(pg_catalog.current_setting('request.jwt.claim', true), ''),
    nullif(pg_catalog.current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

create or replace function auth.uid()
returns uuid
language sql
stable
set search_path = ''
as $$
  select nullif(
    coalesce(
      nullif(pg_catalog.current_setting('request.jwt.claim.sub', true), ''),
      nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
    ),
    ''
  )::uuid
$$;

create or replace function auth.role()
returns text
language sql
stable
set search_path = ''
as $$
  select nullif(
    coalesce(
      nullif(pg_catalog.current_setting('request.jwt.claim.role', true), ''),
      nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'
    ),
    ''
  )::text
$$;

grant usage on schema public to anon, authenticated, service_role;
grant usage on schema auth to anon, authenticated, service_role;
grant execute on all functions in schema auth to anon, authenticated, service_role;

-- Supabase's default privileges for objects created in public by the migration role.
alter default privileges in schema public
  grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public
  grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public
  grant all on functions to anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------
-- Realtime: Broadcast from Database
-- ---------------------------------------------------------------------------------------
-- As created by Supabase Realtime in every project (supabase/realtime,
-- priv/repo/tenant_schema/realtime). Differences from hosted, all invisible to SQL that
-- only inserts, selects and calls these functions:
--   * realtime.messages is a plain table; hosted it is partitioned by day on inserted_at
--     (and Realtime deletes partitions after 72 hours); it also has binary_payload and
--     skip_broadcast columns there, which nothing here uses;
--   * the owner is whoever runs this file; hosted it is supabase_realtime_admin. Hosted,
--     send() and broadcast_changes() are SECURITY INVOKER, and so they are here: the insert
--     into realtime.messages runs as the caller, under RLS for anon / authenticated. A
--     trigger that calls them must therefore be SECURITY DEFINER (owned by the migration
--     role, which bypasses RLS on Supabase), or the API roles need an insert policy;
--     making them SECURITY DEFINER here would hide that difference.

create schema if not exists realtime;
grant usage on schema realtime to anon, authenticated, service_role;

create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  -- UTC wall-clock time, as hosted (timestamp without time zone).
  updated_at timestamp not null default timezone('utc', now()),
  inserted_at timestamp not null default timezone('utc', now()),
  id uuid not null default gen_random_uuid(),
  primary key (id, inserted_at)
);

create index if not exists messages_inserted_at_topic_index
  on realtime.messages (inserted_at desc, topic)
  where extension = 'broadcast' and private is true;

-- As on Supabase: the API roles hold the privileges and RLS (no policy = nothing) decides.
alter table realtime.messages enable row level security;
grant select, insert, update on realtime.messages to anon, authenticated;
grant all on realtime.messages to service_role;

-- The channel topic Realtime is authorizing (it sets realtime.topic before probing the
-- policies of realtime.messages); null outside such a check.
create or replace function realtime.topic()
returns text
language sql
stable
set search_path = ''
as $$
  select nullif(pg_catalog.current_setting('realtime.topic', true), '')
$$;

-- Sends a broadcast message to `topic` through Realtime: inserts it into realtime.messages,
-- whence Realtime relays it to the channel's subscribers. Adds payload.id when absent.
-- Never aborts the caller: a failure (RLS, a missing partition hosted) is only a warning.
-- Like hosted, it sets realtime.topic for the rest of the caller's transaction.
create or replace function realtime.send(
  payload jsonb,
  event text,
  topic text,
  private boolean default true
)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  generated_id uuid;
  final_payload jsonb;
begin
  begin
    generated_id := pg_catalog.gen_random_uuid();
    if payload ? 'id' then
      final_payload := payload;
    else
      final_payload := pg_catalog.jsonb_set(payload, '{id}', pg_catalog.to_jsonb(generated_id));
    end if;

    execute pg_catalog.format('set local realtime.topic to %L', topic);

    insert into realtime.messages (id, payload, event, topic, private, extension)
    values (generated_id, final_payload, event, topic, private, 'broadcast');
  exception
    when others then
      raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
  end;
end;
$$;

-- For a row trigger: sends {old_record, record, operation, table, schema} (private).
create or replace function realtime.broadcast_changes(
  topic_name text,
  event_name text,
  operation text,
  table_name text,
  table_schema text,
  new record,
  old record,
  level text default 'ROW'
)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  row_data jsonb;
begin
  if level = 'STATEMENT' then
    raise exception 'function can only be triggered for each row, not for each statement';
  end if;
  if operation in ('INSERT', 'UPDATE', 'DELETE') then
    row_data := pg_catalog.jsonb_build_object(
      'old_record', old,
      'record', new,
      'operation', operation,
      'table', table_name,
      'schema', table_schema
    );
    perform realtime.send(row_data, event_name, topic_name);
  else
    raise exception 'Unexpected operation type: %', operation;
  end if;
exception
  when others then
    raise exception 'Failed to process the row: %', sqlerrm;
end;
$$;

grant execute on all functions in schema realtime to anon, authenticated, service_role;
