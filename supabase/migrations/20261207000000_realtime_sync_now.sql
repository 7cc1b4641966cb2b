-- The database's clock, for the sync engine's replay windows (docs/DESIGN.md, "The replay
-- window"). A browser's clock is often seconds and sometimes minutes off the database's, and
-- realtime_table_events.created_at is on the database's: the engine asks for this time around a
-- replay, so that "since the page loaded its data" becomes a bound on created_at that is never
-- later than the truth. Without this function the engine falls back to the organization's newest
-- event row as its anchor (correct, but it re-reads that row).
--
-- statement_timestamp(): the start of this call's statement, between the request's send and its
-- answer, which is all the engine assumes. Reveals nothing but the time.

create or replace function public.realtime_sync_now()
returns timestamptz
language sql
stable
security invoker
set search_path = ''
as $$ select statement_timestamp() $$;

revoke all on function public.realtime_sync_now() from public;
grant execute on function public.realtime_sync_now() to anon, authenticated, service_role;
