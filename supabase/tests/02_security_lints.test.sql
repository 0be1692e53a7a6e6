-- Supabase conventions (splinter lints) and the grant model, checked on the catalog.
begin;
set search_path = public, extensions;
select plan(16);

-- 0014: no extension in public
select is_empty($$
  select e.extname from pg_extension e join pg_namespace n on n.oid = e.extnamespace
  where n.nspname = 'public' and e.extname <> 'plpgsql'$$,
  'no extension is installed in schema public');

-- 0011: every function of ours has a fixed search_path
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname in ('public', 'private')
    and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')$$,
  'every function in public and private sets search_path');

-- 0010: views in the exposed schema are security_invoker
select is_empty($$
  select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind = 'v'
    and not coalesce(c.reloptions @> array['security_invoker=true'], false)$$,
  'every view in public is security_invoker');

-- 0016: no materialized view in the exposed schema
select is_empty($$
  select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind = 'm'$$,
  'no materialized view is exposed in public');

-- 0013/0007: RLS on every table in public, partitions included
select is_empty($$
  select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relrowsecurity$$,
  'row level security is enabled on every table and partition in public');

-- 0008: every non-partition table in public has at least one policy
select is_empty($$
  select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
    and not exists (select 1 from pg_policy p where p.polrelid = c.oid)$$,
  'every table in public has policies');

-- 0003: auth.* and helper calls in policies are wrapped in (select ...)
select is_empty($$
  select format('%s.%s', tablename, policyname) from pg_policies
  where schemaname = 'public'
    and (  (select count(*) from regexp_matches(coalesce(qual, '') || ' ' || coalesce(with_check, ''), '(auth|private)\.\w+\(', 'g'))
        <> (select count(*) from regexp_matches(coalesce(qual, '') || ' ' || coalesce(with_check, ''), 'SELECT (auth|private)\.\w+\(', 'g')))$$,
  'policies call auth.*() and private helpers through (select ...)');

-- Policies name their roles (TO ...) instead of applying to PUBLIC
select is_empty($$
  select format('%s.%s', tablename, policyname) from pg_policies
  where schemaname = 'public' and roles = '{public}'$$,
  'every policy is restricted to explicit roles');

-- 0006: at most one permissive policy per table, role and action
select is_empty($$
  select format('%s %s %s', p.tablename, r.role, a.cmd)
  from pg_policies p
  cross join lateral unnest(p.roles) r(role)
  cross join lateral unnest(case when p.cmd = 'ALL' then array['SELECT', 'INSERT', 'UPDATE', 'DELETE'] else array[p.cmd] end) a(cmd)
  where p.schemaname = 'public' and p.permissive = 'PERMISSIVE'
  group by p.tablename, r.role, a.cmd
  having count(*) > 1$$,
  'no table has two permissive policies for the same role and action');

-- 0015: no policy reads user_metadata
select is_empty($$
  select policyname from pg_policies
  where coalesce(qual, '') || coalesce(with_check, '') ilike '%user_metadata%'$$,
  'no policy relies on user-editable user_metadata');

-- 0001: every foreign key is covered by an index starting with its columns
select is_empty($$
  select c.conrelid::regclass || ' ' || c.conname
  from pg_constraint c join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
  where c.contype = 'f' and n.nspname in ('public', 'private') and not t.relispartition
    and not exists (
      select 1 from pg_index i
      where i.indrelid = c.conrelid
        and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] = c.conkey)$$,
  'every foreign key has a covering index');

-- 0028/0029: SECURITY DEFINER functions are not executable by anon, and by authenticated only
-- where intended (helpers used by policies/views)
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname in ('public', 'private') and p.prosecdef and has_function_privilege('anon', p.oid, 'execute')$$,
  'anon cannot execute any SECURITY DEFINER function');
select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text)
   from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname = 'private' and p.prosecdef and has_function_privilege('authenticated', p.oid, 'execute')),
  array['private.count_watch_skips(jsonb)', 'private.current_user_tier()', 'private.decrypt_pii(text)', 'private.has_active_premium()'],
  'authenticated may execute only the intended SECURITY DEFINER helpers in private');

-- Roles PostgREST never uses get nothing: the seed's app_* roles do not exist
select is_empty($$select rolname from pg_roles where rolname like 'app\_%'$$,
  'the seed''s app_* roles are not created (PostgREST never switches to them)');

-- anon reads exactly the public catalogue
select is(
  (select array_agg(c.relname::text order by c.relname)
   from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm')
     and has_table_privilege('anon', c.oid, 'select')),
  array['cached_channels', 'cached_videos', 'keyword_video_mappings', 'trending_keywords', 'video_quality_scores'],
  'anon can read only the public catalogue');

-- anon has no write privilege anywhere in public
select is_empty($$
  select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm')
    and (has_table_privilege('anon', c.oid, 'insert') or has_table_privilege('anon', c.oid, 'update')
         or has_table_privilege('anon', c.oid, 'delete') or has_any_column_privilege('anon', c.oid, 'insert')
         or has_any_column_privilege('anon', c.oid, 'update'))$$,
  'anon cannot write any table');

select * from finish();
rollback;
