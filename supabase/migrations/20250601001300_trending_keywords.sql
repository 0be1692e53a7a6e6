-- trending_keywords (ER + the columns the seed's index, materialized view and webhook use:
-- valid_from, time_slot, day_of_week, category). Catalogue: service_role writes, everyone reads.
-- The seed's per-row notify_trend_update webhook trigger is NOT created here: it is replaced by
-- the trend-update webhook migration (statement-level, Vault-signed, outbox).
create table if not exists public.trending_keywords (
  id          uuid primary key default gen_random_uuid(),
  keyword     varchar(100) not null unique check (btrim(keyword) <> ''),
  -- 0..100 (the trend-update function clamps to this range; the seed filters trend_score > 50).
  trend_score numeric(5,2) check (trend_score between 0 and 100),
  source      text check (char_length(source) between 1 and 50),
  category    text,
  time_slot   text check (time_slot in ('morning', 'afternoon', 'evening', 'night', 'all_day')),
  day_of_week smallint check (day_of_week between 0 and 6), -- 0 = Sunday, as extract(dow)
  valid_from  timestamptz not null default now(),
  valid_until timestamptz,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  constraint trending_keywords_validity check (valid_until is null or valid_until > valid_from)
);
comment on table public.trending_keywords is
  'Trending keywords; in supabase_realtime with replica identity full. Written by service_role only.';

create trigger trending_keywords_set_updated_at
  before update on public.trending_keywords
  for each row execute function private.set_updated_at();

-- Seed 4.3.1 pattern 3. The seed's predicate `WHERE valid_until > NOW()` is not allowed in an
-- index (NOW() is not immutable); valid_until is INCLUDEd instead so the query's
-- `valid_until > now()` filter is answered from the index.
create index if not exists idx_trend_time_score on public.trending_keywords (time_slot, day_of_week, trend_score desc)
  include (keyword, category, valid_until);
-- category_trend_summary scans the last 30 days by valid_from.
create index if not exists idx_trending_keywords_valid_from on public.trending_keywords (valid_from);

-- Realtime subscribers receive old values on UPDATE/DELETE.
alter table public.trending_keywords replica identity full;

alter table public.trending_keywords enable row level security;

create policy trending_keywords_public_read on public.trending_keywords
  for select to anon, authenticated
  using (true);

revoke all on table public.trending_keywords from anon, authenticated;
grant select on table public.trending_keywords to anon, authenticated;
grant select, insert, update, delete on table public.trending_keywords to service_role;
