-- watch_events: playback events (play/pause/seek/end/skip/replay) within a viewing session
-- (seed 4.2.3), partitioned by month.
--
-- Differences from the seed, each forced by PostgreSQL or by the ingestion contract:
-- * Partition key: event_timestamp, not the generated event_date - a generated column cannot
--   be a partition key, and DATE(timestamptz) is not immutable anyway. event_date is kept as a
--   generated column on the UTC date.
-- * Primary key (id, event_timestamp): a partitioned table's unique keys must contain the
--   partition key.
-- * interaction_id has no foreign key: video_interactions' key is (id, created_at), and
--   interactions and events of the same view can fall in different months and be retired at
--   different times. It is an indexed soft reference.
-- * Columns the ingestion needs: user_id, session_id, video_id, event_id, source_keyword,
--   total_duration. Positions and durations are numeric seconds with millisecond precision
--   (the client sends fractional seconds; the seed's INTEGER would truncate them).
-- * Idempotency: event_id is unique per user, but a unique index here would have to include
--   event_timestamp (and a retried event may carry a different corrected timestamp), so the
--   de-duplication key lives in the non-partitioned table watch_event_receipts below.
create table if not exists public.watch_events (
  id              uuid not null default gen_random_uuid(),
  interaction_id  uuid,
  user_id         uuid not null references public.users (id) on delete cascade,
  session_id      uuid,
  video_id        uuid references public.cached_videos (id) on delete set null,
  event_id        uuid,
  event_type      text not null check (event_type in ('play', 'pause', 'seek', 'end', 'skip', 'replay')),
  event_timestamp timestamptz not null default now(),
  video_timestamp numeric(8,3) check (video_timestamp between 0 and 86400),  -- playhead, seconds
  seek_from       numeric(8,3) check (seek_from between 0 and 86400),
  seek_to         numeric(8,3) check (seek_to between 0 and 86400),
  total_duration  numeric(8,3) check (total_duration > 0 and total_duration <= 86400),
  source_keyword  varchar(100),
  event_date      date generated always as ((event_timestamp at time zone 'UTC')::date) stored,
  received_at     timestamptz not null default now(),
  primary key (id, event_timestamp),
  -- A seek says where from and where to; nothing else carries seek positions.
  constraint watch_events_seek_fields check (
    case when event_type = 'seek' then seek_from is not null and seek_to is not null
         else seek_from is null and seek_to is null end)
) partition by range (event_timestamp);
comment on table public.watch_events is
  'Monthly partitions watch_events_YYYY_MM (UTC), kept 12 months. Append-only for users. Dedup: watch_event_receipts.';

create index if not exists idx_watch_events_user_time on public.watch_events (user_id, event_timestamp desc);
create index if not exists idx_watch_events_session on public.watch_events (session_id, event_timestamp)
  where session_id is not null;
create index if not exists idx_watch_events_video on public.watch_events (video_id);
create index if not exists idx_watch_events_interaction on public.watch_events (interaction_id)
  where interaction_id is not null;

alter table public.watch_events enable row level security;

create policy watch_events_select_own_or_admin on public.watch_events
  for select to authenticated
  using (user_id = (select auth.uid()) or (select private.is_admin()));

create policy watch_events_insert_own on public.watch_events
  for insert to authenticated
  with check (user_id = (select auth.uid()));

revoke all on table public.watch_events from anon, authenticated;
grant select on table public.watch_events to authenticated;
grant insert (id, interaction_id, user_id, session_id, video_id, event_id, event_type, event_timestamp,
              video_timestamp, seek_from, seek_to, total_duration, source_keyword)
  on table public.watch_events to authenticated;
grant select, insert, update, delete on table public.watch_events to service_role;

insert into private.time_partitioned_tables (table_schema, table_name, months_ahead, retention_months)
values ('public', 'watch_events', 2, 12)
on conflict do nothing;
select private.maintain_time_partitions();

-- watch_event_receipts: the idempotency keys of ingested watch events. The ingestion inserts
-- (user_id, event_id) with ON CONFLICT DO NOTHING and writes the event only when the receipt
-- was new. Receipts are kept 35 days (events older than 7 days are refused by the ingestion,
-- so an older receipt can never match a retry); see expired_data_cleanup.
create table if not exists public.watch_event_receipts (
  user_id         uuid not null references public.users (id) on delete cascade,
  event_id        uuid not null,
  watch_event_id  uuid,
  event_timestamp timestamptz,
  received_at     timestamptz not null default now(),
  primary key (user_id, event_id)
);
comment on table public.watch_event_receipts is
  'Idempotency keys (user_id, event_id) of watch events; kept 35 days.';

create index if not exists idx_watch_event_receipts_received on public.watch_event_receipts (received_at);

alter table public.watch_event_receipts enable row level security;

create policy watch_event_receipts_select_own_or_admin on public.watch_event_receipts
  for select to authenticated
  using (user_id = (select auth.uid()) or (select private.is_admin()));

create policy watch_event_receipts_insert_own on public.watch_event_receipts
  for insert to authenticated
  with check (user_id = (select auth.uid()));

revoke all on table public.watch_event_receipts from anon, authenticated;
grant select on table public.watch_event_receipts to authenticated;
grant insert (user_id, event_id, watch_event_id, event_timestamp) on table public.watch_event_receipts to authenticated;
grant select, insert, update, delete on table public.watch_event_receipts to service_role;
