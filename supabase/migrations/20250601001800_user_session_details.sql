-- user_session_details: device, network and quality metrics of an app session (seed 4.2.1).
-- The owning user creates the row and keeps its running totals up to date; admins read all.
create table if not exists public.user_session_details (
  id                   uuid primary key default gen_random_uuid(),
  user_id              uuid not null references public.users (id) on delete cascade,
  session_id           uuid not null,
  device_type          text check (device_type in ('mobile', 'tablet', 'desktop')),
  device_os            text,
  app_version          text,
  connection_type      text check (connection_type in ('wifi', 'ethernet', 'cellular', '2g', '3g', '4g', '5g', 'offline', 'unknown')),
  session_start        timestamptz not null default now(),
  session_end          timestamptz,
  total_videos_watched integer not null default 0 check (total_videos_watched >= 0),
  total_watch_time     integer not null default 0 check (total_watch_time >= 0), -- seconds
  avg_load_time_ms     integer check (avg_load_time_ms >= 0),
  error_count          integer not null default 0 check (error_count >= 0),
  -- The ingestion upserts by the client's session id.
  constraint user_session_details_user_session_key unique (user_id, session_id),
  constraint user_session_details_period check (session_end is null or session_end >= session_start)
);

-- Seed: INDEX idx_session_user_time (user_id, session_start DESC).
create index if not exists idx_session_user_time on public.user_session_details (user_id, session_start desc);

alter table public.user_session_details enable row level security;

create policy user_session_details_select_own_or_admin on public.user_session_details
  for select to authenticated
  using (user_id = (select auth.uid()) or (select private.is_admin()));

create policy user_session_details_insert_own on public.user_session_details
  for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy user_session_details_update_own on public.user_session_details
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

revoke all on table public.user_session_details from anon, authenticated;
grant select, insert on table public.user_session_details to authenticated;
grant update (session_end, total_videos_watched, total_watch_time, avg_load_time_ms, error_count, connection_type)
  on table public.user_session_details to authenticated;
grant select, insert, update, delete on table public.user_session_details to service_role;
