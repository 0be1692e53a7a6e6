-- video_interactions: a user's interaction with a video (ER), partitioned by month on
-- created_at (seed 4.3.3; the seed built a second table `video_interactions_partitioned`
-- LIKE this one - here the table itself is partitioned).
--
-- * The primary key includes the partition key (PostgreSQL requires it): (id, created_at).
-- * created_at is server time (not insertable by API users): it decides the partition and the
--   trial user's day.
-- * completion_rate (seed 4.1.2, stored on purpose) is NULL when it is unknown - no or
--   non-positive total_duration, no or negative watch_duration - instead of the seed's 0, and
--   never exceeds 1.00 (replays). CHECKs keep negative durations out in the first place.
-- * video_id is SET NULL when the cached video expires and is purged: history stays, the purge
--   never fails.
create table if not exists public.video_interactions (
  id                uuid not null default gen_random_uuid(),
  user_id           uuid not null references public.users (id) on delete cascade,
  video_id          uuid references public.cached_videos (id) on delete set null,
  -- The ER's "search_sessions contains video_interactions".
  search_session_id uuid references public.search_sessions (id) on delete set null,
  -- The client's watch session (same id space as watch_events.session_id).
  session_id        uuid,
  interaction_type  text not null check (interaction_type in ('view', 'click', 'like', 'dislike', 'share', 'save', 'skip')),
  watch_duration    integer check (watch_duration >= 0),                          -- seconds
  total_duration    integer check (total_duration > 0),                           -- seconds
  completion_rate   numeric(3,2) generated always as (
    case when total_duration > 0 and watch_duration >= 0
         then round(least(watch_duration::numeric / total_duration, 1.0), 2)
    end) stored,
  source_keyword    varchar(100),
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now(),
  primary key (id, created_at)
) partition by range (created_at);
comment on table public.video_interactions is
  'Monthly partitions video_interactions_YYYY_MM (UTC), kept 12 months. Trial users: 50 inserts per UTC day.';
comment on column public.video_interactions.completion_rate is
  'watch_duration / total_duration capped at 1.00; NULL when either is missing or invalid.';

create trigger video_interactions_set_updated_at
  before update on public.video_interactions
  for each row execute function private.set_updated_at();

-- Seed 4.3.1 pattern 1: a user's recent views.
create index if not exists idx_user_recent_watch on public.video_interactions (user_id, created_at desc)
  include (video_id, watch_duration, completion_rate)
  where interaction_type = 'view';
-- The seed's per-partition (user_id, created_at DESC) index, declared once on the parent.
create index if not exists idx_video_interactions_user_time on public.video_interactions (user_id, created_at desc);
create index if not exists idx_video_interactions_video on public.video_interactions (video_id);
create index if not exists idx_video_interactions_search_session on public.video_interactions (search_session_id)
  where search_session_id is not null;
create index if not exists idx_video_interactions_session on public.video_interactions (session_id, video_id)
  where session_id is not null;
-- keyword_performance_cache's daily scan.
create index if not exists idx_video_interactions_keyword_time on public.video_interactions (source_keyword, created_at)
  where source_keyword is not null;

alter table public.video_interactions enable row level security;

create policy video_interactions_select_own_or_admin on public.video_interactions
  for select to authenticated
  using (user_id = (select auth.uid()) or (select private.is_admin()));

-- The seed's "Trial users limited access" INSERT policy counted rows with a subquery (racy, and
-- compared created_at with CURRENT_DATE); the daily limit is a race-free counter trigger instead
-- (20250601002000_trial_interaction_limit.sql).
create policy video_interactions_insert_own on public.video_interactions
  for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy video_interactions_update_own on public.video_interactions
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

revoke all on table public.video_interactions from anon, authenticated;
grant select on table public.video_interactions to authenticated;
grant insert (id, user_id, video_id, search_session_id, session_id, interaction_type,
              watch_duration, total_duration, source_keyword)
  on table public.video_interactions to authenticated;
-- Watch progress is reported while the video plays.
grant update (watch_duration, total_duration) on table public.video_interactions to authenticated;
grant select, insert, update, delete on table public.video_interactions to service_role;

insert into private.time_partitioned_tables (table_schema, table_name, months_ahead, retention_months)
values ('public', 'video_interactions', 2, 12)
on conflict do nothing;
select private.maintain_time_partitions();
