-- plpgsql_check over every PL/pgSQL function in public and private, with extra, performance
-- and security warnings enabled. Trigger functions are checked against every table they are
-- attached to (with its transition tables), which `supabase db lint` does not do.
begin;
set search_path = public, extensions;

create temporary table check_targets as
select p.oid as fn, coalesce(t.tgrelid, 0::oid) as relid, t.tgoldtable::text as oldtable, t.tgnewtable::text as newtable,
       p.oid::regprocedure::text || coalesce(' on ' || t.tgrelid::regclass::text, '') as label
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
join pg_language l on l.oid = p.prolang
left join lateral (
  -- cloned partition triggers (tgparentid <> 0) are the same check as on the parent
  select distinct tg.tgrelid, tg.tgoldtable, tg.tgnewtable from pg_trigger tg where tg.tgfoid = p.oid and tg.tgparentid = 0
) t on p.prorettype = 'trigger'::regtype
where n.nspname in ('public', 'private') and l.lanname = 'plpgsql';

select plan((select count(*)::int from check_targets) + 2);

select ok((select count(distinct fn) from check_targets) >= 15, 'there are PL/pgSQL functions to check');
select is_empty($$select label from check_targets where relid = 0 and fn in (select oid from pg_proc where prorettype = 'trigger'::regtype)$$,
  'every trigger function is attached to a table (so it is checked in context)');

select is(
  array(select c.level || ' line ' || coalesce(c.lineno::text, '?') || ': ' || c.message
        from plpgsql_check_function_tb(t.fn, t.relid, oldtable => t.oldtable, newtable => t.newtable,
                                       extra_warnings => true, performance_warnings => true, security_warnings => true) c),
  '{}'::text[],
  'plpgsql_check is clean: ' || t.label)
from check_targets t
order by t.label;

select * from finish();
rollback;
