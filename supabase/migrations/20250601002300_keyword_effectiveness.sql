-- keyword_effectiveness: per keyword and UTC day, how well a keyword's results perform
-- (seed 4.2.3). Premium analytics: premium users, admins and service_role read it; only the
-- counter roll-up (pg_cron, as the owner) and service_role write it.
--
-- The seed declared two primary keys (id and (keyword, date)); (keyword, date) is the key, id
-- stays as a unique surrogate. Rates are derived from raw counters (generated columns), so
-- additive counter deltas can be folded in without read-modify-write of averages:
--   ctr                 = click_count / search_count * 100
--   like_rate           = like_count / view_count * 100
--   skip_rate           = skip_count / view_count * 100
--   avg_completion_rate = completion_sum / completion_samples * 100
-- Percentages are numeric(14,2): a ratio of two integer counters can reach 2^31 * 100 (e.g.
-- clicks from a keyword whose searches were not recorded), which overflows the seed's
-- numeric(5,2) (max 999.99). total_watch_time is bigint (a popular keyword accumulates more
-- than 2^31 seconds).
create table if not exists public.keyword_effectiveness (
  id                  uuid not null default gen_random_uuid() unique,
  keyword             varchar(100) not null,
  date                date not null,
  search_count        integer not null default 0 check (search_count >= 0),
  click_count         integer not null default 0 check (click_count >= 0),
  view_count          integer not null default 0 check (view_count >= 0),
  like_count          integer not null default 0 check (like_count >= 0),
  skip_count          integer not null default 0 check (skip_count >= 0),
  total_watch_time    bigint not null default 0 check (total_watch_time >= 0), -- seconds
  completion_sum      numeric(14,2) not null default 0 check (completion_sum >= 0),
  completion_samples  integer not null default 0 check (completion_samples >= 0),
  ctr                 numeric(14,2) generated always as (
    case when search_count > 0 then round(click_count::numeric / search_count * 100, 2) else 0 end) stored,
  avg_completion_rate numeric(14,2) generated always as (
    case when completion_samples > 0 then round(completion_sum / completion_samples * 100, 2) end) stored,
  like_rate           numeric(14,2) generated always as (
    case when view_count > 0 then round(like_count::numeric / view_count * 100, 2) end) stored,
  skip_rate           numeric(14,2) generated always as (
    case when view_count > 0 then round(skip_count::numeric / view_count * 100, 2) end) stored,
  updated_at          timestamptz not null default now(),
  primary key (keyword, date)
);
comment on table public.keyword_effectiveness is
  'Per keyword and UTC day counters, folded in every minute from private.keyword_counter_deltas (job keyword-counter-rollup); rates are generated from the counters.';

create index if not exists idx_effectiveness_date on public.keyword_effectiveness (date desc);

alter table public.keyword_effectiveness enable row level security;

create policy keyword_effectiveness_premium_read on public.keyword_effectiveness
  for select to authenticated
  using ((select private.can_read_premium_analytics()));

revoke all on table public.keyword_effectiveness from anon, authenticated;
grant select on table public.keyword_effectiveness to authenticated;
grant select, insert, update, delete on table public.keyword_effectiveness to service_role;
