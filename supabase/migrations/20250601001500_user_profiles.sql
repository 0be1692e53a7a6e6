-- user_profiles: one AI-derived personalisation profile per user (ER + seed 4.1.2/4.1.3).
-- Written by the backend (service_role), read by its owner (the seed grants authenticated
-- SELECT only) and by admins. The `embedding` column is added by the next migration when
-- pgvector is available.
create table if not exists public.user_profiles (
  id                   uuid primary key default gen_random_uuid(),
  user_id              uuid not null unique references public.users (id) on delete cascade,
  personality_vector   jsonb not null default '{}'::jsonb,
  preferred_categories text[] not null default '{}',
  preferred_keywords   text[] not null default '{}',
  time_preferences     jsonb not null default '{}'::jsonb,   -- {morning: [...], afternoon: [...]}
  context_preferences  jsonb not null default '{}'::jsonb,   -- {mood: {...}, activity: {...}}
  profile_confidence   numeric(3,2) check (profile_confidence between 0 and 1),
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now()
);

create trigger user_profiles_set_updated_at
  before update on public.user_profiles
  for each row execute function private.set_updated_at();

-- Seed 4.1.3: personality_vector queried by containment (GIN); seed 4.3.2 morning preferences.
create index if not exists idx_user_profiles_personality on public.user_profiles using gin (personality_vector jsonb_path_ops);
create index if not exists idx_user_morning_prefs on public.user_profiles using gin ((time_preferences -> 'morning'));

alter table public.user_profiles enable row level security;

create policy user_profiles_select_own_or_admin on public.user_profiles
  for select to authenticated
  using (user_id = (select auth.uid()) or (select private.is_admin()));

revoke all on table public.user_profiles from anon, authenticated;
grant select on table public.user_profiles to authenticated;
grant select, insert, update, delete on table public.user_profiles to service_role;
