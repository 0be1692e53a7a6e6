-- Database security check (splinter-style, one assertion per rule): fails when
--   * a table in an exposed schema (public) lacks RLS — partitions included;
--   * a SECURITY DEFINER function lacks a fixed search_path, or anon may execute one in an
--     exposed schema;
--   * an INSERT/UPDATE/DELETE/ALL policy for anon/authenticated is always true;
--   * a secret (Vault, the private schema, net, auth) is readable by an API role (cron is left
--     to pg_cron's own row-level security, as on Supabase);
--   * a view in an exposed schema runs with its owner's rights (no security_invoker) while an API
--     role can read it.
begin;
set local search_path = public, extensions;
select plan(7);

select is(
  array(select format('%I.%I', n.nspname, c.relname)
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relrowsecurity
        order by 1),
  '{}'::text[],
  'every table and partition in public has row-level security enabled');

select is(
  array(select p.oid::regprocedure::text
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where p.prosecdef
          and n.nspname not in ('pg_catalog', 'information_schema', 'extensions', 'vault', 'cron', 'net', 'auth', 'pgtap')
          and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) cfg where cfg like 'search_path=%')
        order by 1),
  '{}'::text[],
  'every SECURITY DEFINER function of the project pins search_path');

select is(
  array(select p.oid::regprocedure::text
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where p.prosecdef and n.nspname = 'public' and has_function_privilege('anon', p.oid, 'execute')
        order by 1),
  '{}'::text[],
  'anon cannot execute any SECURITY DEFINER function in the exposed schema');

select is(
  array(select format('%s on %I.%I (%s)', pol.polname, n.nspname, c.relname, pol.polcmd)
        from pg_policy pol
        join pg_class c on c.oid = pol.polrelid
        join pg_namespace n on n.oid = c.relnamespace
        where pol.polcmd in ('a', 'w', 'd', '*')
          and (pol.polroles = '{0}' or exists (select 1 from pg_roles r where r.oid = any (pol.polroles) and r.rolname in ('anon', 'authenticated')))
          and (coalesce(pg_get_expr(pol.polqual, pol.polrelid), 'true') = 'true'
               and coalesce(pg_get_expr(pol.polwithcheck, pol.polrelid), 'true') = 'true')
        order by 1),
  '{}'::text[],
  'no write policy for API roles is always true');

select is(
  array(select format('%s can read %I.%I', r.role, n.nspname, c.relname)
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        cross join (values ('anon'), ('authenticated'), ('service_role')) as r(role)
        where n.nspname in ('vault') and c.relkind in ('r', 'v', 'm')
          and has_table_privilege(r.role, c.oid, 'select')
        order by 1),
  '{}'::text[],
  'no API role can read Vault (secrets, decrypted_secrets)');

select is(
  array(select format('%s can read %I.%I', r.role, n.nspname, c.relname)
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        cross join (values ('anon'), ('authenticated')) as r(role)
        where n.nspname in ('private', 'net', 'auth') and c.relkind in ('r', 'p', 'v', 'm')
          and has_table_privilege(r.role, c.oid, 'select')
          -- The premium-gated public view reads this materialized view with the caller's rights.
          and not (n.nspname = 'private' and c.relname = 'category_trend_summary' and r.role = 'authenticated')
        order by 1),
  '{}'::text[],
  'anon and authenticated read nothing in private, net or auth (webhook signatures, outbox, PII, counters)');

select is(
  array(select format('%I.%I', n.nspname, c.relname)
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'v'
          and not coalesce('security_invoker=true' = any (c.reloptions) or 'security_invoker=on' = any (c.reloptions), false)
          and (has_table_privilege('anon', c.oid, 'select') or has_table_privilege('authenticated', c.oid, 'select'))
        order by 1),
  '{}'::text[],
  'every view API roles can read runs with the caller''s rights (security_invoker)');

select * from finish();
rollback;
