-- video_quality_scores: per-video quality components and their weighted overall score
-- (seed 4.2.2). Catalogue data: service_role writes, everyone reads.
--
-- overall_score fixes three problems of the seed's expression:
--   * one scale: engagement_rate and retention_rate are percentages (0-100) and are divided by
--     100; the other components are 0-1. CHECK constraints pin every component to its range,
--     so overall_score is always within 0..1 and numeric(3,2) cannot overflow;
--   * a NULL component no longer makes the whole score NULL (which sorts *first* in
--     `ORDER BY overall_score DESC`): the score is the weighted mean of the components that
--     are present (weights re-normalised), NULL only when every component is missing;
--   * the index sorts NULLs last.
create table if not exists public.video_quality_scores (
  id              uuid primary key default gen_random_uuid(),
  video_id        uuid not null references public.cached_videos (id) on delete cascade,
  engagement_rate numeric(5,2) check (engagement_rate between 0 and 100), -- (likes + comments) / views * 100
  retention_rate  numeric(5,2) check (retention_rate between 0 and 100),  -- average completion, %
  content_quality numeric(3,2) check (content_quality between 0 and 1),
  audio_quality   numeric(3,2) check (audio_quality between 0 and 1),
  video_quality   numeric(3,2) check (video_quality between 0 and 1),
  relevance_score numeric(3,2) check (relevance_score between 0 and 1),
  trend_alignment numeric(3,2) check (trend_alignment between 0 and 1),
  freshness_score numeric(3,2) check (freshness_score between 0 and 1),
  overall_score   numeric(3,2) generated always as (
    round(
      (  coalesce(content_quality * 0.30, 0)
       + coalesce(engagement_rate / 100 * 0.25, 0)
       + coalesce(retention_rate / 100 * 0.20, 0)
       + coalesce(trend_alignment * 0.15, 0)
       + coalesce(freshness_score * 0.10, 0))
      / nullif(  case when content_quality is null then 0 else 0.30 end
               + case when engagement_rate is null then 0 else 0.25 end
               + case when retention_rate  is null then 0 else 0.20 end
               + case when trend_alignment is null then 0 else 0.15 end
               + case when freshness_score is null then 0 else 0.10 end, 0),
      2)
  ) stored,
  calculated_at   timestamptz not null default now()
);
comment on column public.video_quality_scores.overall_score is
  'Weighted mean (0..1) of content_quality .30, engagement_rate/100 .25, retention_rate/100 .20, trend_alignment .15, freshness_score .10 over the non-NULL components.';

create index if not exists idx_quality_overall on public.video_quality_scores (overall_score desc nulls last);
create index if not exists idx_quality_video on public.video_quality_scores (video_id, calculated_at desc);

alter table public.video_quality_scores enable row level security;

create policy video_quality_scores_public_read on public.video_quality_scores
  for select to anon, authenticated
  using (true);

revoke all on table public.video_quality_scores from anon, authenticated;
grant select on table public.video_quality_scores to anon, authenticated;
grant select, insert, update, delete on table public.video_quality_scores to service_role;
