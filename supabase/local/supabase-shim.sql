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
--     revokes exactly as they matter on the real platform.
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
