-- The stack serves every request "as" the caller: SET ROLE anon / authenticated / service_role
-- inside the request's transaction, as PostgREST and Realtime do from Supabase's
-- `authenticator` role. A superuser (PGlite, most local servers) may already switch to any
-- role; a plain login role given by DATABASE_URL needs membership. Idempotent.

do $$
begin
  if not (select r.rolsuper from pg_catalog.pg_roles r where r.rolname = current_user) then
    execute pg_catalog.format('grant anon, authenticated, service_role to %I', current_user);
  end if;
end
$$;
