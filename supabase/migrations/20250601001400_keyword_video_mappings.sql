-- keyword_video_mappings: which cached videos answer a keyword, in which rank (ER).
-- Catalogue: service_role writes, everyone reads.
--
-- click_count is the seed's denormalised COUNT of keyword clicks (read 100+ times a second for
-- sorting). It is NOT incremented per click on this row: at 100+ clicks/s that single row lock
-- would serialise every click. Clicks are appended to private.keyword_counter_deltas (no shared
-- row) and folded in once a minute by pg_cron (see 20250601002400_keyword_counter_rollup.sql),
-- so click_count lags by at most about a minute.
--
-- keyword is matched to trending_keywords.keyword by value (the ER's "influences"); it is not
-- a foreign key because mappings exist for keywords that are not (or no longer) trending.
create table if not exists public.keyword_video_mappings (
  id              uuid primary key default gen_random_uuid(),
  keyword         varchar(100) not null check (btrim(keyword) <> ''),
  video_id        uuid not null references public.cached_videos (id) on delete cascade,
  rank_position   integer check (rank_position >= 1),
  relevance_score numeric(3,2) check (relevance_score between 0 and 1),
  source          text check (char_length(source) between 1 and 50),
  click_count     bigint not null default 0 check (click_count >= 0),
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  constraint keyword_video_mappings_keyword_video_key unique (keyword, video_id)
);
comment on column public.keyword_video_mappings.click_count is
  'Clicks from this keyword on this video; maintained from private.keyword_counter_deltas by pg_cron job keyword-counter-rollup (lag <= ~1 min).';

create trigger keyword_video_mappings_set_updated_at
  before update on public.keyword_video_mappings
  for each row execute function private.set_updated_at();

-- Seed 4.3.1 pattern 2: high-quality videos of a keyword.
create index if not exists idx_keyword_quality_videos on public.keyword_video_mappings (keyword, relevance_score desc)
  include (video_id, rank_position)
  where relevance_score > 0.7;
-- The ranking / listing path: a keyword's videos by rank; and the FK.
create index if not exists idx_keyword_video_mappings_rank on public.keyword_video_mappings (keyword, rank_position)
  include (video_id, click_count);
create index if not exists idx_keyword_video_mappings_video on public.keyword_video_mappings (video_id);

alter table public.keyword_video_mappings enable row level security;

create policy keyword_video_mappings_public_read on public.keyword_video_mappings
  for select to anon, authenticated
  using (true);

revoke all on table public.keyword_video_mappings from anon, authenticated;
grant select on table public.keyword_video_mappings to anon, authenticated;
grant select, insert, update, delete on table public.keyword_video_mappings to service_role;
