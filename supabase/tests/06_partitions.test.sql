-- Monthly partitions: present after the migrations (current month + 2 ahead), created by an
-- idempotent maintenance function, retired after 12 months, RLS on and no grants on every
-- partition, and look-alike tables never touched.
begin;
set search_path = public, extensions;
select plan(29);

create function pg_temp.month_name(p_table text, p_offset integer) returns text language sql as $$
  select p_table || '_' || to_char(date_trunc('month', now() at time zone 'UTC') + make_interval(months => p_offset), 'YYYY_MM')
$$;
create function pg_temp.partitions_of(p_table text) returns text[] language sql as $$
  select coalesce(array_agg(c.relname::text order by c.relname), '{}')
  from pg_inherits i join pg_class c on c.oid = i.inhrelid
  where i.inhparent = format('public.%I', p_table)::regclass
$$;

-- After the migrations ------------------------------------------------------------------------
select ok(pg_temp.partitions_of(t) @> array[pg_temp.month_name(t, 0), pg_temp.month_name(t, 1), pg_temp.month_name(t, 2)],
  format('%s has partitions for this month and the next two', t))
from unnest(array['video_interactions', 'watch_events', 'audit_logs_enhanced']) t;

select is(
  (select pg_get_expr(c.relpartbound, c.oid) from pg_class c where c.relname = pg_temp.month_name('watch_events', 1)),
  format('FOR VALUES FROM (%L) TO (%L)',
    (date_trunc('month', now() at time zone 'UTC') + interval '1 month') at time zone 'UTC',
    (date_trunc('month', now() at time zone 'UTC') + interval '2 months') at time zone 'UTC'),
  'partition bounds are UTC month boundaries');

select is_empty($$
  select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
  where i.inhparent in ('public.video_interactions'::regclass, 'public.watch_events'::regclass, 'public.audit_logs_enhanced'::regclass)
    and not c.relrowsecurity$$,
  'every partition has row level security enabled');

select is_empty($$
  select c.relname || ' ' || r.rolname from pg_inherits i join pg_class c on c.oid = i.inhrelid
  cross join (values ('anon'), ('authenticated'), ('service_role')) r(rolname)
  where i.inhparent in ('public.video_interactions'::regclass, 'public.watch_events'::regclass, 'public.audit_logs_enhanced'::regclass)
    and (has_table_privilege(r.rolname, c.oid, 'select') or has_table_privilege(r.rolname, c.oid, 'insert')
         or has_table_privilege(r.rolname, c.oid, 'update') or has_table_privilege(r.rolname, c.oid, 'delete'))$$,
  'no API role has any privilege on a partition itself');

select results_eq(
  $$select table_name::text, months_ahead, retention_months from private.time_partitioned_tables order by table_name$$,
  $$values ('audit_logs_enhanced', 2, 12), ('video_interactions', 2, 12), ('watch_events', 2, 12)$$,
  'exactly the three time-series tables are managed (2 months ahead, 12 months retention)');

-- Decoys: look-alike names that maintenance must never touch --------------------------------
create table public.video_interactions_backup_2020_01 (id int);                 -- look-alike name, plain table
create table public.video_interactions_2019_12 (id int);                         -- exact partition-style name, not a partition
create table public.watch_events_archive (id int);                              -- prefix look-alike
create table public.video_interactionsx_2019_01 (id int);                        -- similar prefix
create table private.video_interactions_2019_11 (id int);                        -- right name, other schema

-- An old partition (beyond retention) and one just inside retention, attached for real.
create table public.video_interactions_2020_01 partition of public.video_interactions
  for values from ('2020-01-01 00:00:00+00') to ('2020-02-01 00:00:00+00');
create table public.watch_events_2020_02 partition of public.watch_events
  for values from ('2020-02-01 00:00:00+00') to ('2020-03-01 00:00:00+00');
select pg_temp.month_name('audit_logs_enhanced', -12) as keep_name \gset
select format('create table public.%I partition of public.audit_logs_enhanced for values from (%L) to (%L)',
  :'keep_name',
  (date_trunc('month', now() at time zone 'UTC') - interval '12 months') at time zone 'UTC',
  (date_trunc('month', now() at time zone 'UTC') - interval '11 months') at time zone 'UTC') as ddl \gset
:ddl;
-- A partition someone created by hand without RLS.
alter table public.video_interactions_2020_01 disable row level security;

select lives_ok($$select private.maintain_time_partitions()$$, 'maintenance runs');
select lives_ok($$select private.maintain_time_partitions()$$, 'maintenance is idempotent (second run)');

select hasnt_table('public', 'video_interactions_2020_01', 'a video_interactions partition older than 12 months is dropped');
select hasnt_table('public', 'watch_events_2020_02', 'a watch_events partition older than 12 months is dropped');
select has_table('public', :'keep_name', 'a partition exactly 12 months old is kept');
select has_table('public', 'video_interactions_backup_2020_01', 'decoy video_interactions_backup_2020_01 survives');
select has_table('public', 'video_interactions_2019_12', 'decoy table named like a partition but not attached survives');
select has_table('public', 'watch_events_archive', 'decoy watch_events_archive survives');
select has_table('public', 'video_interactionsx_2019_01', 'decoy with a similar prefix survives');
select has_table('private', 'video_interactions_2019_11', 'decoy in another schema survives');
select ok(not (select relrowsecurity from pg_class where oid = 'public.video_interactions_backup_2020_01'::regclass),
  'decoys are not altered (RLS untouched)');

-- A later date: new months appear, with RLS and no grants ---------------------------------------
select lives_ok($$select private.maintain_time_partitions((now() at time zone 'UTC')::date + 70)$$,
  'maintenance for a date ~2 months ahead');
select has_table('public', pg_temp.month_name(t, 4), format('%s gets its new month 4 ahead', t))
from unnest(array['video_interactions', 'watch_events', 'audit_logs_enhanced']) t;
select ok((select relrowsecurity from pg_class where oid = format('public.%I', pg_temp.month_name('watch_events', 4))::regclass),
  'a newly created partition has RLS enabled');
select ok(not has_table_privilege('authenticated', format('public.%I', pg_temp.month_name('watch_events', 4)), 'select')
          and not has_table_privilege('service_role', format('public.%I', pg_temp.month_name('watch_events', 4)), 'select')
          and not has_table_privilege('anon', format('public.%I', pg_temp.month_name('watch_events', 4)), 'select'),
  'a newly created partition has no grants');
select is((select count(*)::int from pg_inherits where inhparent = 'public.video_interactions'::regclass
            and inhrelid::regclass::text like 'video_interactions_%'),
  cardinality(pg_temp.partitions_of('video_interactions')), 'only real partitions are attached');

-- Rows land in the right partition, through the parent only ---------------------------------------
insert into auth.users (id, email) values ('10000000-0000-4000-8000-000000000031', 'partition.user@example.com');
insert into public.watch_events (user_id, event_type, event_timestamp, video_timestamp)
values ('10000000-0000-4000-8000-000000000031', 'play', now(), 1);
select is((select tableoid::regclass::text from public.watch_events where user_id = '10000000-0000-4000-8000-000000000031'),
  pg_temp.month_name('watch_events', 0), 'a watch event lands in the current month''s partition');
select is((select tableoid::regclass::text from public.audit_logs_enhanced where table_name = 'public.users'
            and new_data ->> 'id' = '10000000-0000-4000-8000-000000000031'),
  pg_temp.month_name('audit_logs_enhanced', 0), 'audit rows land in the current month''s partition');

-- Scheduled daily
select is((select schedule from cron.job where jobname = 'partition-maintenance'), '5 0 * * *',
  'partition-maintenance is scheduled daily with pg_cron');
select is((select command from cron.job where jobname = 'partition-maintenance'), 'select private.maintain_time_partitions()',
  'partition-maintenance runs private.maintain_time_partitions()');

select * from finish();
rollback;
