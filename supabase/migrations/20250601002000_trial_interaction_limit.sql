-- Trial users may record at most 50 video interactions per UTC day (seed 4.4.1 "Trial users
-- limited access").
--
-- The seed's policy counted the user's rows in a subquery: two concurrent inserts both see 49
-- and both pass, and the count scans the table on every insert. Instead each (user, day) has a
-- counter row that is incremented atomically:
--   INSERT ... ON CONFLICT DO UPDATE SET n = n + 1 WHERE n < limit RETURNING n
-- Concurrent inserts of the same user serialise on that one row (no other user is affected);
-- when the limit is reached the upsert returns nothing and the insert fails with
--   SQLSTATE P0001, message 'trial_limit_exceeded' (docs/error-codes.md, HTTP 429 in the API).
-- AFTER INSERT, so only rows really inserted count (an INSERT ... ON CONFLICT DO NOTHING that
-- skips a duplicate does not); a failed statement rolls the counter back with it.
-- Only users whose tier is 'trial' are limited; the day is the UTC date of created_at.

create table if not exists private.daily_interaction_counts (
  user_id           uuid not null references public.users (id) on delete cascade,
  day               date not null,
  interaction_count integer not null check (interaction_count >= 0),
  primary key (user_id, day)
);
comment on table private.daily_interaction_counts is
  'Per-user, per-UTC-day count of video_interactions inserted by trial users; old days purged daily.';

create or replace function private.trial_daily_interaction_limit()
returns integer
language sql
immutable
set search_path = ''
as $$ select 50 $$;

create or replace function private.enforce_trial_daily_limit()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_tier  text;
  v_day   date := (new.created_at at time zone 'UTC')::date;
  v_limit integer := private.trial_daily_interaction_limit();
  v_count integer;
begin
  select u.user_tier into v_tier from public.users u where u.id = new.user_id;
  if v_tier is distinct from 'trial' then
    return null;
  end if;

  insert into private.daily_interaction_counts as c (user_id, day, interaction_count)
  values (new.user_id, v_day, 1)
  on conflict (user_id, day) do update
    set interaction_count = c.interaction_count + 1
    where c.interaction_count < v_limit
  returning c.interaction_count into v_count;

  if v_count is null then
    raise exception using
      errcode = 'P0001',
      message = 'trial_limit_exceeded',
      detail  = format('Trial accounts may record %s video interactions per day (UTC); the limit for %s is reached.', v_limit, v_day),
      hint    = 'Upgrade to premium, or try again after midnight UTC.';
  end if;
  return null;
end;
$$;
comment on function private.enforce_trial_daily_limit() is
  'AFTER INSERT on video_interactions: counts a trial user''s interactions per UTC day, raises P0001 trial_limit_exceeded past the limit.';
revoke execute on function private.trial_daily_interaction_limit(), private.enforce_trial_daily_limit()
  from public, anon, authenticated, service_role;

create trigger video_interactions_trial_daily_limit
  after insert on public.video_interactions
  for each row execute function private.enforce_trial_daily_limit();
