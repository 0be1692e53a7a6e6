-- keyword_performance_cache: daily per-keyword performance snapshot (seed 4.1.2, "aggregate
-- cache": computable from video_interactions, stored for speed). Filled once a day by pg_cron
-- job keyword-performance-daily from the previous UTC day's video_interactions (views,
-- completion of views) and user_feedback (likes); a re-run for the same day replaces the row.
-- Premium analytics read access, like keyword_effectiveness.
create table if not exists public.keyword_performance_cache (
  keyword             varchar(100) not null,
  date                date not null,
  total_views         integer not null default 0 check (total_views >= 0),
  avg_completion_rate numeric(3,2) check (avg_completion_rate between 0 and 1),
  total_likes         integer not null default 0 check (total_likes >= 0),
  refreshed_at        timestamptz not null default now(),
  primary key (keyword, date)
);
create index if not exists idx_keyword_performance_cache_date on public.keyword_performance_cache (date desc);

alter table public.keyword_performance_cache enable row level security;

create policy keyword_performance_cache_premium_read on public.keyword_performance_cache
  for select to authenticated
  using ((select private.can_read_premium_analytics()));

revoke all on table public.keyword_performance_cache from anon, authenticated;
grant select on table public.keyword_performance_cache to authenticated;
grant select, insert, update, delete on table public.keyword_performance_cache to service_role;

create or replace function private.refresh_keyword_performance_cache(p_day date default null)
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_day   date := coalesce(p_day, (now() at time zone 'UTC')::date - 1);
  v_from  timestamptz := v_day::timestamp at time zone 'UTC';
  v_to    timestamptz := (v_day + 1)::timestamp at time zone 'UTC';
  v_rows  integer;
begin
  with views as (
    select btrim(vi.source_keyword) as keyword,
           count(*) as total_views,
           avg(vi.completion_rate) as avg_completion_rate
    from public.video_interactions vi
    where vi.created_at >= v_from and vi.created_at < v_to      -- one partition
      and vi.interaction_type = 'view'
      and nullif(btrim(vi.source_keyword), '') is not null
    group by 1
  ),
  likes as (
    select btrim(f.source_keyword) as keyword, count(*) as total_likes
    from public.user_feedback f
    where f.created_at >= v_from and f.created_at < v_to
      and f.feedback_type = 'like'
      and nullif(btrim(f.source_keyword), '') is not null
    group by 1
  )
  insert into public.keyword_performance_cache as c (keyword, date, total_views, avg_completion_rate, total_likes, refreshed_at)
  select coalesce(v.keyword, l.keyword), v_day,
         coalesce(v.total_views, 0), round(v.avg_completion_rate, 2), coalesce(l.total_likes, 0), now()
  from views v
  full join likes l on l.keyword = v.keyword
  on conflict (keyword, date) do update set
    total_views = excluded.total_views,
    avg_completion_rate = excluded.avg_completion_rate,
    total_likes = excluded.total_likes,
    refreshed_at = excluded.refreshed_at;
  get diagnostics v_rows = row_count;
  return v_rows;
end;
$$;
comment on function private.refresh_keyword_performance_cache(date) is
  'Recomputes keyword_performance_cache for one UTC day (default: yesterday). Idempotent. pg_cron job keyword-performance-daily.';
revoke execute on function private.refresh_keyword_performance_cache(date) from public, anon, authenticated;

select cron.schedule('keyword-performance-daily', '20 0 * * *', $cron$select private.refresh_keyword_performance_cache()$cron$);
