-- user_feedback: explicit feedback on a video (seed 4.2.1), streamed through Realtime.
-- * event_id: the client's idempotency key, unique per user (the ingestion upserts on it);
--   occurred_at: when the user gave the feedback (client clock, corrected by the ingestion).
-- * video_id is SET NULL when the cached video is purged (the seed's plain REFERENCES would
--   make the purge fail); the (user, video, type) uniqueness still holds for live videos.
-- * replica identity full: Realtime subscribers receive old values.
create table if not exists public.user_feedback (
  id               uuid primary key default gen_random_uuid(),
  user_id          uuid not null references public.users (id) on delete cascade,
  video_id         uuid references public.cached_videos (id) on delete set null,
  session_id       uuid,
  event_id         uuid,
  feedback_type    text not null check (feedback_type in ('like', 'dislike', 'not_interested', 'report')),
  reason           text check (reason in ('irrelevant', 'seen_too_many', 'offensive', 'quality', 'other')),
  comment          text check (char_length(comment) <= 1000),
  source_keyword   varchar(100),
  position_in_list integer check (position_in_list between 0 and 10000),
  occurred_at      timestamptz not null default now(),
  created_at       timestamptz not null default now(),
  constraint user_feedback_user_video_type_key unique (user_id, video_id, feedback_type),
  constraint user_feedback_user_event_key unique (user_id, event_id)
);
comment on column public.user_feedback.event_id is 'Client idempotency key, unique per user.';

create index if not exists idx_user_feedback_video on public.user_feedback (video_id);
create index if not exists idx_user_feedback_user_time on public.user_feedback (user_id, created_at desc);
create index if not exists idx_user_feedback_keyword_time on public.user_feedback (source_keyword, created_at)
  where source_keyword is not null;

alter table public.user_feedback replica identity full;

alter table public.user_feedback enable row level security;

create policy user_feedback_select_own_or_admin on public.user_feedback
  for select to authenticated
  using (user_id = (select auth.uid()) or (select private.is_admin()));

create policy user_feedback_insert_own on public.user_feedback
  for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy user_feedback_update_own on public.user_feedback
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy user_feedback_delete_own on public.user_feedback
  for delete to authenticated
  using (user_id = (select auth.uid()));

revoke all on table public.user_feedback from anon, authenticated;
grant select, delete on table public.user_feedback to authenticated;
grant insert (id, user_id, video_id, session_id, event_id, feedback_type, reason, comment,
              source_keyword, position_in_list, occurred_at)
  on table public.user_feedback to authenticated;
grant update (reason, comment) on table public.user_feedback to authenticated;
grant select, insert, update, delete on table public.user_feedback to service_role;
