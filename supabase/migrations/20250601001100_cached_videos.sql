-- cached_videos: YouTube Shorts metadata cache (ER 4.1.1 + every column the seed's indexes use:
-- description, published_at, is_shorts, quality_score). Shared catalogue: service_role writes,
-- everyone reads. Rows expire (expires_at) and are purged by pg_cron (see
-- 20250601003200_expired_data_cleanup.sql); rows that reference a video never block that purge
-- (mappings/quality scores cascade, interactions/feedback/watch events are set to NULL).
create table if not exists public.cached_videos (
  id               uuid primary key default gen_random_uuid(),
  video_id         varchar(20) not null unique,
  -- Bounded so that the covering index idx_channel_recent_videos (INCLUDE title) never hits the
  -- btree row-size limit; YouTube titles are at most 100 characters.
  title            text not null check (char_length(title) between 1 and 300),
  description      text not null default '',
  channel_id       text,
  channel_title    text,
  view_count       bigint check (view_count >= 0),
  like_count       bigint check (like_count >= 0),
  comment_count    bigint check (comment_count >= 0),
  duration_seconds integer check (duration_seconds > 0),
  published_at     timestamptz,
  is_shorts        boolean not null default true,
  quality_score    numeric(3,2) check (quality_score between 0 and 1),
  thumbnail_url    text,
  ai_analysis      jsonb not null default '{}'::jsonb check (jsonb_typeof(ai_analysis) = 'object'),
  -- Korean-aware full-text index over title + description (see korean_search_tokenizer).
  search_vector    tsvector generated always as
                   (private.korean_bigram_tsvector(title || ' ' || description)) stored,
  cached_at        timestamptz not null default now(),
  expires_at       timestamptz not null default now() + interval '7 days',
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);
comment on table public.cached_videos is 'YouTube video cache. Written by service_role only; expired rows are purged hourly.';
comment on column public.cached_videos.channel_id is
  'YouTube channel id (cached_channels.channel_id). Not a foreign key: videos are cached before (or without) their channel.';
comment on column public.cached_videos.ai_analysis is 'AI analysis, replaced as a whole: {"categories": [...], "keywords": [...], "emotions": {...}, ...}.';

create trigger cached_videos_set_updated_at
  before update on public.cached_videos
  for each row execute function private.set_updated_at();

-- Seed 4.3.1 pattern 4: a channel's latest good Shorts.
create index if not exists idx_channel_recent_videos on public.cached_videos (channel_id, published_at desc)
  include (video_id, title, view_count)
  where is_shorts = true and quality_score > 0.6;
-- Seed 4.3.2 JSONB indexes.
create index if not exists idx_ai_primary_category on public.cached_videos using gin ((ai_analysis -> 'categories' -> 0));
create index if not exists idx_trending_music on public.cached_videos using gin (ai_analysis)
  where ai_analysis @> '{"categories": ["music"]}';
create index if not exists idx_ai_analysis_path on public.cached_videos using gin (ai_analysis jsonb_path_ops);
-- Seed's composite GIN (text search + ai_analysis), with the Korean bigram vector.
create index if not exists idx_video_metadata on public.cached_videos using gin (search_vector, ai_analysis);
-- The expiry purge.
create index if not exists idx_cached_videos_expires_at on public.cached_videos (expires_at);

alter table public.cached_videos enable row level security;

-- Seed: "Public read access". Its "Authenticated write access" policy (FOR ALL to any
-- authenticated user) is dropped: only service_role (which bypasses RLS) writes the catalogue.
create policy cached_videos_public_read on public.cached_videos
  for select to anon, authenticated
  using (true);

revoke all on table public.cached_videos from anon, authenticated;
grant select on table public.cached_videos to anon, authenticated;
grant select, insert, update, delete on table public.cached_videos to service_role;

-- Search RPC: every query word must occur inside a word of title or description
-- ('김치' finds '김치찌개'). Expired rows are not offered.
create or replace function public.search_videos(search_text text, result_limit integer default 20)
returns setof public.cached_videos
language sql
stable
set search_path = ''
as $$
  select v.*
  from public.cached_videos v
  where v.search_vector @@ private.korean_bigram_tsquery(search_text)
    and v.expires_at > now()
  order by pg_catalog.ts_rank(v.search_vector, private.korean_bigram_tsquery(search_text)) desc,
           v.view_count desc nulls last, v.id
  limit least(greatest(coalesce(result_limit, 20), 1), 100)
$$;
comment on function public.search_videos(text, integer) is
  'Korean-aware search over title + description of live cached videos; at most 100 rows.';
revoke execute on function public.search_videos(text, integer) from public;
grant execute on function public.search_videos(text, integer) to anon, authenticated, service_role;
