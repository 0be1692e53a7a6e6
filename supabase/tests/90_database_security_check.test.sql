-- Database security check (splinter-style, one assertion per rule). Fails when
--   R1 a table in an exposed schema lacks row-level security (partitions included; a foreign
--      table, which cannot have RLS, counts as lacking it);
--   R2 a SECURITY DEFINER function lacks a fixed search_path (none set, "$user" in it, or a
--      schema API roles can create objects in), or
--   R3 anon may execute one (in any schema anon can use);
--   R4 a write policy (INSERT/UPDATE/DELETE/ALL) that applies to anon or authenticated is
--      always true: `true`, or any other expression that reads neither the row nor the caller
--      (`1 = 1`, `not false`) and evaluates to true; for UPDATE/ALL both USING and WITH CHECK;
--   R5 a secret is readable by an API role: Vault (tables, views, columns, functions) by anon,
--      authenticated or service_role; the private, net and auth schemas (webhook signatures,
--      outbox, PII keys, counters, auth.users) by anon or authenticated; a schema that holds
--      secrets in rows (vault, cron: job commands) usable by them at all; a secret-looking
--      setting (…secret, …password, …jwt…) on the database or an API role, or in the
--      server's custom settings, which anyone can read with current_setting();
--   R6 a view in an exposed schema runs with its owner's rights while an API role can read it.
-- Exposed schemas = supabase/config.toml [api] schemas (public). Functions and tables that
-- belong to an extension (pg_net, Vault, pg_cron, pgTAP …) are the platform's and not judged
-- by R2–R3.
-- Each rule is a function; the second half plants one violation of each kind (inside this
-- transaction, rolled back) and checks that the rule reports exactly it — so every rule can fail.
begin;
set local search_path = public, extensions;
select plan(20);

create function pg_temp.exposed_schemas() returns name[] language sql immutable
  as $$ select array['public']::name[] $$;
create function pg_temp.api_roles() returns name[] language sql immutable
  as $$ select array['anon', 'authenticated', 'service_role']::name[] $$;

-- R1
create function pg_temp.tables_without_rls() returns text[] language sql as $$
  select coalesce(array_agg(format('%I.%I', n.nspname, c.relname) order by n.nspname, c.relname), '{}')
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = any (pg_temp.exposed_schemas()) and c.relkind in ('r', 'p', 'f') and not c.relrowsecurity
$$;

create function pg_temp.is_extension_member(p_oid oid) returns boolean language sql stable as $$
  select exists (select 1 from pg_depend d where d.objid = p_oid and d.deptype = 'e')
$$;

-- R2: the schemas of a SECURITY DEFINER function's pinned search_path, each judged.
create function pg_temp.definers_without_fixed_search_path() returns text[] language sql as $$
  select coalesce(array_agg(distinct p.oid::regprocedure::text), '{}')
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  left join lateral (
    select substr(cfg, length('search_path=') + 1) as path
    from unnest(coalesce(p.proconfig, '{}')) cfg where cfg like 'search_path=%'
  ) sp on true
  left join lateral (
    select btrim(s, ' "') as schema from regexp_split_to_table(sp.path, ',') s
  ) entry on true
  where p.prosecdef
    and n.nspname not in ('pg_catalog', 'information_schema')
    and not pg_temp.is_extension_member(p.oid)
    and (sp.path is null
         or entry.schema = '$user'
         or exists (select 1 from pg_namespace w, unnest(array['anon', 'authenticated']) r(role)
                    where w.nspname = entry.schema and has_schema_privilege(r.role, w.oid, 'create')))
$$;

-- R3
create function pg_temp.definers_anon_can_execute() returns text[] language sql as $$
  select coalesce(array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text), '{}')
  from pg_proc p
  where p.prosecdef
    and not pg_temp.is_extension_member(p.oid)
    and has_schema_privilege('anon', p.pronamespace, 'usage')
    and has_function_privilege('anon', p.oid, 'execute')
$$;

-- R4: an expression is "always true" when it reads neither the row nor anything about the
-- caller (no column, function call, sub-select or parameter in its node tree) and is true.
create function pg_temp.always_true(p_tree pg_node_tree, p_rel oid) returns boolean language plpgsql as $$
declare
  v_result boolean;
begin
  if p_tree is null then
    return true;
  end if;
  if p_tree::text ~ '\{(VAR|FUNCEXPR|SUBLINK|PARAM|SQLVALUEFUNCTION|NEXTVALUEEXPR|CURRENTOFEXPR) ' then
    return false;
  end if;
  execute format('select (%s)::boolean', pg_get_expr(p_tree, p_rel)) into v_result;
  return coalesce(v_result, false);
end;
$$;

create function pg_temp.always_true_write_policies() returns text[] language sql as $$
  select coalesce(array_agg(format('%s on %s (%s)', pol.polname, pol.polrelid::regclass, pol.polcmd)
                            order by format('%s on %s (%s)', pol.polname, pol.polrelid::regclass, pol.polcmd)), '{}')
  from pg_policy pol
  where pol.polpermissive
    and pol.polcmd in ('a', 'w', 'd', '*')
    and (pol.polroles = '{0}' or exists (select 1 from pg_roles r where r.oid = any (pol.polroles) and r.rolname in ('anon', 'authenticated')))
    and case pol.polcmd
          when 'a' then pg_temp.always_true(coalesce(pol.polwithcheck, pol.polqual), pol.polrelid)
          when 'd' then pg_temp.always_true(pol.polqual, pol.polrelid)
          else pg_temp.always_true(pol.polqual, pol.polrelid)
               or pg_temp.always_true(coalesce(pol.polwithcheck, pol.polqual), pol.polrelid)
        end
$$;

-- R5: relations, columns, functions, and schemas that hold secrets in rows (a parameter, so a
-- planted schema can be tested: the real ones belong to supabase_admin).
create function pg_temp.readable_secrets(p_secret_schemas name[] default array['vault', 'cron']) returns text[] language sql as $$
  select coalesce(array_agg(what order by what), '{}') from (
    select format('%s can read %I.%I', r.role, n.nspname, c.relname) as what
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    cross join unnest(pg_temp.api_roles()) as r(role)
    where c.relkind in ('r', 'p', 'v', 'm', 'f')
      and (n.nspname = 'vault' or (n.nspname in ('private', 'net', 'auth') and r.role <> 'service_role'))
      and (has_table_privilege(r.role, c.oid, 'select') or has_any_column_privilege(r.role, c.oid, 'select'))
      -- The premium-gated public view reads this materialized view with the caller's rights.
      and not (n.nspname = 'private' and c.relname = 'category_trend_summary' and r.role = 'authenticated')
    union all
    select format('%s can execute %s', r.role, p.oid::regprocedure)
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    cross join unnest(pg_temp.api_roles()) as r(role)
    where n.nspname = 'vault' and has_function_privilege(r.role, p.oid, 'execute')
    union all
    select format('%s may use schema %I', r.role, n.nspname)
    from pg_namespace n cross join unnest(pg_temp.api_roles()) as r(role)
    where n.nspname = any (p_secret_schemas) and has_schema_privilege(r.role, n.oid, 'usage')
  ) found
$$;

-- R5, settings: judged by a pure function so a planted secret can be tested without a
-- superuser (ALTER ROLE … SET app.* needs one).
create function pg_temp.secret_settings(p_settings text[]) returns text[] language sql immutable as $$
  select coalesce(array_agg(split_part(s, '=', 1) order by split_part(s, '=', 1)), '{}')
  from unnest(p_settings) s
  where split_part(s, '=', 1) ~* '(secret|password|passwd|jwt|private_?key|api_?key)'
    and split_part(s, '=', 2) <> ''
$$;
create function pg_temp.visible_settings() returns text[] language sql as $$
  select coalesce(array_agg(cfg), '{}') from (
    select unnest(s.setconfig) as cfg
    from pg_db_role_setting s
    where (s.setdatabase = 0 or s.setdatabase = (select oid from pg_database where datname = current_database()))
      and (s.setrole = 0 or s.setrole in (select oid from pg_roles where rolname in ('anon', 'authenticated', 'authenticator', 'service_role')))
    union all
    select name || '=' || setting from pg_settings where name like '%.%'
  ) settings
$$;

-- R6
create function pg_temp.definer_rights_views() returns text[] language sql as $$
  select coalesce(array_agg(format('%I.%I', n.nspname, c.relname) order by n.nspname, c.relname), '{}')
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = any (pg_temp.exposed_schemas()) and c.relkind = 'v'
    and not coalesce('security_invoker=true' = any (c.reloptions) or 'security_invoker=on' = any (c.reloptions), false)
    and exists (select 1 from unnest(array['anon', 'authenticated']) r(role) where has_table_privilege(r.role, c.oid, 'select'))
$$;

-- ===== The check on the migrated database =====
select is(pg_temp.tables_without_rls(), '{}'::text[],
  'R1: every table and partition in an exposed schema has row-level security enabled');
select is(pg_temp.definers_without_fixed_search_path(), '{}'::text[],
  'R2: every SECURITY DEFINER function pins a search_path without "$user" or schemas API roles can create in');
select is(pg_temp.definers_anon_can_execute(), '{}'::text[],
  'R3: anon cannot execute any SECURITY DEFINER function (in any schema it can use)');
select is(pg_temp.always_true_write_policies(), '{}'::text[],
  'R4: no write policy for anon/authenticated is always true');
select is(pg_temp.readable_secrets(), '{}'::text[],
  'R5: no API role can read Vault, cron jobs, private, net or auth data');
select is(pg_temp.secret_settings(pg_temp.visible_settings()), '{}'::text[],
  'R5: no secret sits in a database, API-role or custom server setting');
select is(pg_temp.definer_rights_views(), '{}'::text[],
  'R6: every view API roles can read runs with the caller''s rights (security_invoker)');
-- The rules see what they judge (an empty answer from an empty catalog would prove nothing).
select ok((select count(*) from pg_policy pol where pol.polcmd in ('a', 'w', 'd', '*')) >= 10
          and (select count(*) from pg_proc where prosecdef and not pg_temp.is_extension_member(oid)) >= 10,
  'the rules ran over the project''s write policies and SECURITY DEFINER functions');

-- ===== Each rule catches a planted violation =====
create table public.sec_canary_no_rls (id int);
select is(pg_temp.tables_without_rls(), array['public.sec_canary_no_rls'],
  'R1 catches a table without RLS');

create function public.sec_canary_unpinned() returns int language sql security definer as $$ select 1 $$;
create function public.sec_canary_user_path() returns int language sql security definer
  set search_path = "$user", public as $$ select 1 $$;
create schema sec_canary_open;
grant usage, create on schema sec_canary_open to authenticated;
create function public.sec_canary_open_path() returns int language sql security definer
  set search_path = '' , sec_canary_open as $$ select 1 $$;
create function public.sec_canary_pinned() returns int language sql security definer set search_path = '' as $$ select 1 $$;
revoke execute on function public.sec_canary_pinned(), public.sec_canary_open_path(), public.sec_canary_user_path() from public;
select is(pg_temp.definers_without_fixed_search_path(),
  array['sec_canary_open_path()', 'sec_canary_unpinned()', 'sec_canary_user_path()'],
  'R2 catches no search_path, "$user", and a schema API roles can create in (not a pinned empty path)');
select is(pg_temp.definers_anon_can_execute(), array['sec_canary_unpinned()'],
  'R3 catches a SECURITY DEFINER function anon can execute (PUBLIC execute is the default)');
revoke execute on function public.sec_canary_unpinned() from public;
grant execute on function public.sec_canary_pinned() to anon;
select is(pg_temp.definers_anon_can_execute(), array['sec_canary_pinned()'],
  'R3 catches an explicit grant to anon');

create table public.sec_canary_policies (id int, owner uuid);
alter table public.sec_canary_policies enable row level security;
create policy upd_const on public.sec_canary_policies for update to authenticated using (1 = 1) with check (owner = (select auth.uid()));
create policy ins_not_false on public.sec_canary_policies for insert to anon with check (not false);
create policy del_true on public.sec_canary_policies for delete to public using (true);
create policy all_check_true on public.sec_canary_policies for all to authenticated using (owner = (select auth.uid())) with check (true);
create policy upd_deny on public.sec_canary_policies as permissive for update to anon using (false);
create policy ins_owner on public.sec_canary_policies for insert to authenticated with check (owner = (select auth.uid()));
create policy upd_service on public.sec_canary_policies for update to service_role using (true);
select is(pg_temp.always_true_write_policies(), array[
    'all_check_true on sec_canary_policies (*)', 'del_true on sec_canary_policies (d)',
    'ins_not_false on sec_canary_policies (a)', 'upd_const on sec_canary_policies (w)'],
  'R4 catches constant-true USING / WITH CHECK, and not a deny, an owner check or a service_role policy');

create table private.sec_canary_secret (token text, note text);
grant select on private.sec_canary_secret to anon;
create table private.sec_canary_column (token text, note text);
grant select (note) on private.sec_canary_column to authenticated;
select is(pg_temp.readable_secrets(), array[
    'anon can read private.sec_canary_secret', 'authenticated can read private.sec_canary_column'],
  'R5 catches a table grant and a column grant in private');
revoke all on private.sec_canary_secret from anon;
revoke all on private.sec_canary_column from authenticated;
create schema sec_canary_jobs;
grant usage on schema sec_canary_jobs to authenticated;
select is(pg_temp.readable_secrets(array['vault', 'cron', 'sec_canary_jobs']), array['authenticated may use schema sec_canary_jobs'],
  'R5 catches API-role access to a schema that holds secrets in rows');
select is(pg_temp.readable_secrets(), '{}'::text[], 'R5 is clean again once the grants are revoked');
select is(pg_temp.secret_settings(array['statement_timeout=8s', 'app.settings.jwt_secret=super-secret', 'app.db_password=x',
                                         'pgrst.db_schemas=public', 'app.empty_secret=']),
  array['app.db_password', 'app.settings.jwt_secret'],
  'R5 catches secret-looking settings (not ordinary or empty ones)');
select ok(array_length(pg_temp.visible_settings(), 1) > 0, 'R5 reads the database, role and custom settings');

create view public.sec_canary_view as select 1 as one;
grant select on public.sec_canary_view to anon;
select is(pg_temp.definer_rights_views(), array['public.sec_canary_view'],
  'R6 catches a view with its owner''s rights that anon can read');
alter view public.sec_canary_view set (security_invoker = true);
select is(pg_temp.definer_rights_views(), '{}'::text[], 'R6 accepts it once it runs with the caller''s rights');

select * from finish();
rollback;
