-- Which changed rows each Realtime subscriber may read, answered in one statement per batch of
-- changes: for each check (a role, its JWT claims, a table and the primary keys of the changed
-- rows) the function switches to that role and those claims, as Supabase's Realtime does for
-- postgres_changes, and looks the rows up by key, so the table's grants and RLS policies decide.
--
-- Input:  [{"role": "authenticated", "claims": {...}, "table": <oid>, "keys": [{"id": 1}, ...]}, ...]
-- Output: (check_index, key_index) for every visible row, both zero-based.
--
-- The lookup is a LATERAL probe per key: the key equality is leakproof, so it becomes an index
-- scan and the policy runs on that one row. (A plain join lets the planner scan the whole table
-- evaluating the policy on every row first, which grows with the table.)
--
-- Not SECURITY DEFINER: switching roles is not allowed there. Only the stack's own connection
-- (the database owner) may execute it. A check that fails (a policy raising an error, a role
-- the connection may not switch to) is answered "not visible"; the others go on. Idempotent.

create schema if not exists realtime_stack;

create or replace function realtime_stack.visible_keys(p_checks jsonb)
returns table (check_index int, key_index int)
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_check jsonb;
  v_index int := -1;
  v_role text;
  v_table regclass;
  v_conditions text;
  v_found int[];
  v_known jsonb := '{}';
begin
  for v_check in select c.value from pg_catalog.jsonb_array_elements(p_checks) as c loop
    v_index := v_index + 1;
    v_role := v_check ->> 'role';
    if v_role is null or v_role not in ('anon', 'authenticated', 'service_role') then
      continue;
    end if;
    v_table := (v_check ->> 'table')::oid::regclass;

    -- Many checks of one batch share a table: build its key condition once.
    v_conditions := v_known ->> v_table::oid::text;
    if v_conditions is null then
      select pg_catalog.string_agg(
               pg_catalog.format('t.%I = (k.key ->> %L)::%s',
                 a.attname, a.attname, pg_catalog.format_type(a.atttypid, null)),
               ' and ' order by c.ord)
        into v_conditions
        from pg_catalog.pg_index i
        cross join lateral pg_catalog.unnest(i.indkey::int2[]) with ordinality as c (attnum, ord)
        join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = c.attnum
        where i.indrelid = v_table and i.indisprimary;
      if v_conditions is null then
        continue;
      end if;
      v_known := v_known || pg_catalog.jsonb_build_object(v_table::oid::text, v_conditions);
    end if;

    v_found := null;
    begin
      perform pg_catalog.set_config('role', v_role, true);
      perform pg_catalog.set_config('request.jwt.claims', (v_check -> 'claims')::text, true);
      if pg_catalog.has_table_privilege(v_role, v_table, 'SELECT') then
        execute pg_catalog.format(
          'select pg_catalog.array_agg((k.ord - 1)::int)
           from pg_catalog.jsonb_array_elements($1) with ordinality as k (key, ord)
           cross join lateral (select 1 from %s as t where %s limit 1) as found',
          v_table, v_conditions)
          into v_found
          using v_check -> 'keys';
      end if;
      perform pg_catalog.set_config('role', 'none', true);
    exception when others then
      -- The subtransaction rolled the role switch back; this check answers "not visible".
      v_found := null;
    end;

    if v_found is not null then
      return query select v_index, k from pg_catalog.unnest(v_found) as k;
    end if;
  end loop;
end;
$$;

revoke all on function realtime_stack.visible_keys(jsonb) from public;
