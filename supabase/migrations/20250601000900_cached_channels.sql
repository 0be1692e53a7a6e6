-- cached_channels: YouTube channel metadata cache (seed 4.2.2). Shared catalogue: written by
-- the backend (service_role) only, readable by everyone.
create table if not exists public.cached_channels (
  id                uuid primary key default gen_random_uuid(),
  channel_id        varchar(50) not null unique,
  channel_title     varchar(200) not null,
  subscriber_count  bigint check (subscriber_count >= 0),
  video_count       integer check (video_count >= 0),
  total_view_count  bigint check (total_view_count >= 0),
  primary_category  varchar(50),
  content_language  varchar(10),
  -- videos per week; numeric(6,2) instead of the seed's (4,2): news/shorts channels post
  -- well over 99.99 videos a week.
  upload_frequency  numeric(6,2) check (upload_frequency >= 0),
  avg_video_quality numeric(3,2) check (avg_video_quality between 0 and 1),
  verified          boolean not null default false,
  trust_score       numeric(3,2) not null default 0.5 check (trust_score between 0 and 1),
  last_updated      timestamptz not null default now()
);
comment on table public.cached_channels is 'YouTube channel cache. Written by service_role only.';

create index if not exists idx_channel_trust on public.cached_channels (trust_score desc);
create index if not exists idx_channel_category on public.cached_channels (primary_category);

alter table public.cached_channels enable row level security;

create policy cached_channels_public_read on public.cached_channels
  for select to anon, authenticated
  using (true);

revoke all on table public.cached_channels from anon, authenticated;
grant select on table public.cached_channels to anon, authenticated;
grant select, insert, update, delete on table public.cached_channels to service_role;
