-- category_trend_summary: trending keywords per day and video category over the last 30 days
-- (seed 4.2.4).
--
-- Fixes to the seed's definition:
-- * `ai_analysis->>'categories'->>0` does not parse (->> yields text); the first category is
--   ai_analysis->'categories'->>0.
-- * Join fan-out: joining keywords to all their mapped videos repeated a keyword once per video,
--   so AVG(trend_score) weighted keywords by their number of videos. Here each keyword is first
--   reduced to its distinct categories, then counted once per (day, category); a keyword with
--   no categorised video is counted once under 'unknown'.
-- * ARRAY_AGG(DISTINCT keyword ORDER BY trend_score) is invalid (ORDER BY must use the DISTINCT
--   argument); keywords are already distinct per group, ordered by score.
-- * trend_date is the UTC date (date_trunc on timestamptz depends on the session time zone).
-- * A unique index on (trend_date, category) allows REFRESH ... CONCURRENTLY (pg_cron job
--   category-trend-summary-refresh, every 15 minutes) so readers are never blocked.
--
-- Access: a materialized view has no RLS. It lives in the unexposed schema `private`; the API
-- sees public.category_trend_summary, a security-invoker view that returns rows only to premium
-- users, admins and service_role (seed: GRANT SELECT ... TO app_premium).
create materialized view if not exists private.category_trend_summary as
with recent as (
  select tk.id, tk.keyword, tk.trend_score, (tk.valid_from at time zone 'UTC')::date as trend_date
  from public.trending_keywords tk
  where tk.valid_from >= now() - interval '30 days'
),
keyword_categories as (
  select distinct r.id, cv.ai_analysis -> 'categories' ->> 0 as category
  from recent r
  join public.keyword_video_mappings kvm on kvm.keyword = r.keyword
  join public.cached_videos cv on cv.id = kvm.video_id
  where cv.ai_analysis -> 'categories' ->> 0 is not null
),
categorised as (
  select r.keyword, r.trend_score, r.trend_date, coalesce(kc.category, 'unknown') as category
  from recent r
  left join keyword_categories kc on kc.id = r.id
)
select c.trend_date,
       c.category,
       count(*) as trending_keyword_count,
       round(avg(c.trend_score), 2) as avg_trend_score,
       coalesce(array_agg(c.keyword::text order by c.trend_score desc, c.keyword)
                  filter (where c.trend_score > 50), '{}') as top_keywords
from categorised c
group by c.trend_date, c.category
with data;

create unique index if not exists idx_trend_summary_date_category on private.category_trend_summary (trend_date, category);
create index if not exists idx_trend_summary_date on private.category_trend_summary (trend_date desc);

revoke all on table private.category_trend_summary from public, anon;
grant select on table private.category_trend_summary to authenticated, service_role;

create or replace view public.category_trend_summary
with (security_invoker = true)
as
select s.trend_date, s.category, s.trending_keyword_count, s.avg_trend_score, s.top_keywords
from private.category_trend_summary s
where (select private.can_read_premium_analytics());
comment on view public.category_trend_summary is
  'Trending keywords per UTC day and video category (last 30 days); rows only for premium users, admins and service_role. Refreshed every 15 minutes.';

revoke all on table public.category_trend_summary from anon, authenticated;
grant select on table public.category_trend_summary to authenticated, service_role;

create or replace function private.refresh_category_trend_summary()
returns void
language plpgsql
set search_path = ''
as $$
begin
  refresh materialized view concurrently private.category_trend_summary;
end;
$$;
revoke execute on function private.refresh_category_trend_summary() from public, anon, authenticated;

select cron.schedule('category-trend-summary-refresh', '*/15 * * * *', $cron$select private.refresh_category_trend_summary()$cron$);
