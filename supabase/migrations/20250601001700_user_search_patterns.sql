-- user_search_patterns: what a user searches for, and when (ER `generates`; the ER gives the
-- table no columns). One row per (user, keyword, time slot, day of week), aggregated from
-- search_sessions and video_interactions by the backend; read by its owner (who may also
-- delete their history) and by admins.
create table if not exists public.user_search_patterns (
  id                  uuid primary key default gen_random_uuid(),
  user_id             uuid not null references public.users (id) on delete cascade,
  keyword             varchar(100) not null check (btrim(keyword) <> ''),
  search_type         text check (search_type in ('keyword', 'trending', 'category', 'ai_chat')),
  time_slot           text check (time_slot in ('morning', 'afternoon', 'evening', 'night', 'all_day')),
  day_of_week         smallint check (day_of_week between 0 and 6),
  search_count        integer not null default 0 check (search_count >= 0),
  click_count         integer not null default 0 check (click_count >= 0),
  avg_completion_rate numeric(3,2) check (avg_completion_rate between 0 and 1),
  last_searched_at    timestamptz not null default now(),
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now(),
  constraint user_search_patterns_natural_key unique nulls not distinct (user_id, keyword, time_slot, day_of_week)
);

create trigger user_search_patterns_set_updated_at
  before update on public.user_search_patterns
  for each row execute function private.set_updated_at();

create index if not exists idx_user_search_patterns_recent on public.user_search_patterns (user_id, last_searched_at desc);

alter table public.user_search_patterns enable row level security;

create policy user_search_patterns_select_own_or_admin on public.user_search_patterns
  for select to authenticated
  using (user_id = (select auth.uid()) or (select private.is_admin()));

create policy user_search_patterns_delete_own on public.user_search_patterns
  for delete to authenticated
  using (user_id = (select auth.uid()));

revoke all on table public.user_search_patterns from anon, authenticated;
grant select, delete on table public.user_search_patterns to authenticated;
grant select, insert, update, delete on table public.user_search_patterns to service_role;
