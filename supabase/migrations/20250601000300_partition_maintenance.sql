-- Monthly range partitions for the time-series tables (video_interactions, watch_events,
-- audit_logs_enhanced).
--
-- Each partitioned table registers itself in private.time_partitioned_tables in its own
-- migration and calls private.maintain_time_partitions() once, so partitions exist as soon as
-- the migrations finish. pg_cron then runs the same function daily. The function
--   * creates the current month and `months_ahead` following months (idempotent),
--   * enables RLS on every partition and grants nothing on it (access goes through the parent),
--   * drops partitions whose month ended more than `retention_months` ago,
--   * only ever touches relations that are *attached partitions* (pg_inherits) of a registered
--     parent and whose name is exactly <parent>_YYYY_MM; a look-alike table such as
--     video_interactions_backup_2020_01, or even a detached video_interactions_2020_01, is never
--     touched.
-- Month boundaries are UTC midnights.

create table if not exists private.time_partitioned_tables (
  table_schema     text not null default 'public',
  table_name       text not null,
  months_ahead     integer not null default 2 check (months_ahead between 0 and 24),
  retention_months integer not null default 12 check (retention_months >= 1),
  primary key (table_schema, table_name)
);
comment on table private.time_partitioned_tables is
  'Registry of monthly-partitioned tables that private.maintain_time_partitions() manages.';

create or replace function private.partition_name_for(p_table_name text, p_month date)
returns text
language sql
immutable
set search_path = ''
as $$
  select p_table_name || '_' || to_char(p_month, 'YYYY_MM')
$$;

create or replace function private.maintain_time_partitions(p_today date default null)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_today       date := coalesce(p_today, (now() at time zone 'UTC')::date);
  v_this_month  date := date_trunc('month', v_today)::date;
  v_table       record;
  v_child       record;
  v_parent      oid;
  v_month       date;
  v_name        text;
begin
  for v_table in
    select t.table_schema, t.table_name, t.months_ahead, t.retention_months
    from private.time_partitioned_tables t
    order by t.table_schema, t.table_name
  loop
    select c.oid into v_parent
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = v_table.table_schema
      and c.relname = v_table.table_name
      and c.relkind = 'p';
    if v_parent is null then
      raise warning 'maintain_time_partitions: %.% is registered but is not a partitioned table; skipped',
        v_table.table_schema, v_table.table_name;
      continue;
    end if;

    -- 1. The current month and the months ahead.
    for v_offset in 0 .. v_table.months_ahead loop
      v_month := (v_this_month + make_interval(months => v_offset))::date;
      v_name := private.partition_name_for(v_table.table_name, v_month);
      if to_regclass(format('%I.%I', v_table.table_schema, v_name)) is null then
        execute format(
          'create table if not exists %I.%I partition of %I.%I for values from (%L) to (%L)',
          v_table.table_schema, v_name, v_table.table_schema, v_table.table_name,
          v_month::timestamp at time zone 'UTC',
          (v_month + interval '1 month')::timestamp at time zone 'UTC');
        -- A partition is a table of its own: reachable by name, so RLS on and no grants.
        execute format('alter table %I.%I enable row level security', v_table.table_schema, v_name);
        execute format('revoke all on table %I.%I from public, anon, authenticated, service_role',
          v_table.table_schema, v_name);
      end if;
    end loop;

    -- 2. Every attached partition: RLS on (cheap no-op check first, so no lock is taken on the
    --    live partitions), and retirement after the retention period.
    for v_child in
      select c.relname, c.relrowsecurity
      from pg_catalog.pg_inherits i
      join pg_catalog.pg_class c on c.oid = i.inhrelid
      where i.inhparent = v_parent
        and left(c.relname, length(v_table.table_name) + 1) = v_table.table_name || '_'
        and substr(c.relname, length(v_table.table_name) + 2) ~ '^[0-9]{4}_(0[1-9]|1[0-2])$'
      order by c.relname
    loop
      v_month := to_date(substr(v_child.relname, length(v_table.table_name) + 2), 'YYYY_MM');
      if v_month < (v_this_month - make_interval(months => v_table.retention_months))::date then
        execute format('drop table %I.%I', v_table.table_schema, v_child.relname);
      elsif not v_child.relrowsecurity then
        execute format('alter table %I.%I enable row level security', v_table.table_schema, v_child.relname);
      end if;
    end loop;
  end loop;
end;
$$;
comment on function private.maintain_time_partitions(date) is
  'Creates this month + months_ahead partitions, enforces RLS on them and drops partitions older than retention_months, for the tables in private.time_partitioned_tables only. Idempotent; run daily by pg_cron job partition-maintenance.';

revoke execute on function private.partition_name_for(text, date) from public, anon, authenticated;
revoke execute on function private.maintain_time_partitions(date) from public, anon, authenticated;

-- Daily at 00:05 UTC (the seed ran monthly; daily means a missed run never leaves a month
-- without its partition). cron.schedule with an existing name replaces the job.
select cron.schedule('partition-maintenance', '5 0 * * *', $cron$select private.maintain_time_partitions()$cron$);
