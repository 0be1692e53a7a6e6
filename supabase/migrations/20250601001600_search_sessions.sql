-- search_sessions: one search (keyword, trending, category or AI chat) by a user (ER).
-- Seed 4.4.1 "Premium features for premium users": rows with search_type = 'ai_chat' exist
-- only for premium/pro users whose subscription is live: they cannot create, read, change or
-- delete them otherwise. Every user sees only their own sessions; admins read all.
create table if not exists public.search_sessions (
  id                   uuid primary key default gen_random_uuid(),
  user_id              uuid not null references public.users (id) on delete cascade,
  session_id           uuid not null,
  search_type          text not null check (search_type in ('keyword', 'trending', 'category', 'ai_chat')),
  -- The searched keyword / chat prompt summary; feeds keyword_effectiveness.search_count.
  keyword              varchar(100),
  conversation_context jsonb not null default '{}'::jsonb,
  results_count        integer check (results_count >= 0),
  response_time_ms     integer check (response_time_ms >= 0),
  created_at           timestamptz not null default now()
);

create index if not exists idx_search_sessions_user_time on public.search_sessions (user_id, created_at desc);
create index if not exists idx_search_sessions_session on public.search_sessions (session_id);

alter table public.search_sessions enable row level security;

create policy search_sessions_select on public.search_sessions
  for select to authenticated
  using (
    (user_id = (select auth.uid()) and (search_type <> 'ai_chat' or (select private.has_active_premium())))
    or (select private.is_admin()));

create policy search_sessions_insert on public.search_sessions
  for insert to authenticated
  with check (user_id = (select auth.uid()) and (search_type <> 'ai_chat' or (select private.has_active_premium())));

create policy search_sessions_update on public.search_sessions
  for update to authenticated
  using (user_id = (select auth.uid()) and (search_type <> 'ai_chat' or (select private.has_active_premium())))
  with check (user_id = (select auth.uid()) and (search_type <> 'ai_chat' or (select private.has_active_premium())));

create policy search_sessions_delete on public.search_sessions
  for delete to authenticated
  using (user_id = (select auth.uid()) and (search_type <> 'ai_chat' or (select private.has_active_premium())));

revoke all on table public.search_sessions from anon, authenticated;
grant select, insert, delete on table public.search_sessions to authenticated;
-- The session's outcome is filled in after the search; ownership and type are fixed.
grant update (conversation_context, results_count, response_time_ms) on table public.search_sessions to authenticated;
grant select, insert, update, delete on table public.search_sessions to service_role;
