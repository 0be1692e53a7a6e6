-- Monitoring views (seed 4.4.4), corrected for PostgreSQL 15 and Supabase:
-- * pg_stat_user_tables has relname, not tablename; sizes come from relid (no string
--   concatenation of unquoted names); idx_scan is NULL for tables without indexes.
-- * Ratios guard against division by zero on an idle database.
-- * pg_stat_statements lives in schema `extensions`.
-- Both views are security_invoker (splinter 0010) and granted to service_role only: server
-- statistics are not for anon or app users. Admin dashboards read them through the backend.
create or replace view public.database_health_metrics
with (security_invoker = true)
as
select 'connection_count'::text as metric, count(*)::numeric as value, 'connections'::text as unit
from pg_catalog.pg_stat_activity
where datname = current_database()
union all
select 'cache_hit_ratio',
       round(sum(heap_blks_hit)::numeric / nullif(sum(heap_blks_hit) + sum(heap_blks_read), 0) * 100, 2),
       'percentage'
from pg_catalog.pg_statio_user_tables
union all
select 'transaction_rollback_ratio',
       round(xact_rollback::numeric / nullif(xact_commit + xact_rollback, 0) * 100, 2),
       'percentage'
from pg_catalog.pg_stat_database
where datname = current_database()
union all
select 'slow_queries', count(*)::numeric, 'queries'
from extensions.pg_stat_statements
where mean_exec_time > 100;   -- ms
comment on view public.database_health_metrics is 'Connection count, cache hit %, rollback %, statements slower than 100 ms on average.';

create or replace view public.index_recommendations
with (security_invoker = true)
as
with table_stats as (
  select s.relid,
         s.schemaname,
         s.relname as tablename,
         s.seq_scan,
         s.seq_tup_read,
         coalesce(s.idx_scan, 0) as idx_scan,
         coalesce(s.idx_tup_fetch, 0) as idx_tup_fetch,
         case when s.seq_scan > 0 then round(s.seq_tup_read::numeric / s.seq_scan, 2) else 0 end as avg_tuples_per_seq_scan
  from pg_catalog.pg_stat_user_tables s
)
select t.schemaname,
       t.tablename,
       t.seq_scan,
       t.idx_scan,
       t.avg_tuples_per_seq_scan,
       pg_catalog.pg_size_pretty(pg_catalog.pg_total_relation_size(t.relid)) as table_size,
       case
         when t.seq_scan > t.idx_scan and t.avg_tuples_per_seq_scan > 1000
           then 'High sequential scan with large reads - consider indexing'
         when t.seq_scan > 100 and t.idx_scan = 0
           then 'No indexes used - consider adding indexes'
         else 'OK'
       end as recommendation
from table_stats t
where t.seq_scan > 100
order by t.seq_scan desc;
comment on view public.index_recommendations is 'Tables with many sequential scans and a hint whether an index may help.';

revoke all on table public.database_health_metrics, public.index_recommendations from anon, authenticated;
grant select on table public.database_health_metrics, public.index_recommendations to service_role;
