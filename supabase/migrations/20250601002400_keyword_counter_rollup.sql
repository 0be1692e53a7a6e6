-- Counter maintenance for keyword_video_mappings.click_count and keyword_effectiveness without
-- hot-spot row locks.
--
-- Design: an append-only delta table. Statement-level triggers (transition tables, so a batch
-- insert of 500 rows is one trigger call and one INSERT ... SELECT) append one row per
-- (keyword, video, day) touched by the statement; nobody updates a shared counter row in the
-- request path, so 100+ clicks/s on one keyword never queue behind each other. pg_cron job
-- keyword-counter-rollup runs private.roll_up_keyword_counters() every minute: it deletes the
-- pending deltas and adds their sums to keyword_effectiveness (upsert per keyword/day) and to
-- keyword_video_mappings.click_count, in one transaction (a failed run loses nothing).
-- Considered and rejected: sharded counter rows (still updates in the request path, and every
-- reader must sum shards).
--
-- What counts (only rows that name a source_keyword / keyword; the day is the UTC date of the
-- source row's created_at):
--   search_sessions insert          -> search_count +1 (keyword)
--   video_interactions insert       -> click_count +1 for 'view' and 'click' (also the mapping's
--                                      click_count for (source_keyword, video_id)),
--                                      view_count +1 for 'view', skip_count +1 for 'skip',
--                                      watch time and completion of the row
--   video_interactions update       -> the change of watch time and completion
--   user_feedback insert / delete   -> like_count +1 / -1 for 'like' (likes are counted from
--                                      feedback only, so a like is never counted twice)
-- The ingestion functions may also insert deltas directly (service_role) for counters that have
-- no source row.

create table if not exists private.keyword_counter_deltas (
  id                 bigint generated always as identity primary key,
  keyword            varchar(100) not null,
  video_id           uuid,
  day                date not null,
  searches           integer not null default 0,
  clicks             integer not null default 0,
  views              integer not null default 0,
  likes              integer not null default 0,
  skips              integer not null default 0,
  watch_time         bigint not null default 0,
  completion_sum     numeric(14,2) not null default 0,
  completion_samples integer not null default 0,
  recorded_at        timestamptz not null default now()
);
comment on table private.keyword_counter_deltas is
  'Append-only counter deltas, summed into keyword_effectiveness and keyword_video_mappings.click_count every minute.';

-- search_sessions: one search per row.
create or replace function private.count_keyword_searches()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.keyword_counter_deltas (keyword, day, searches)
  select btrim(n.keyword), (n.created_at at time zone 'UTC')::date, count(*)
  from new_rows n
  where nullif(btrim(n.keyword), '') is not null
  group by 1, 2;
  return null;
end;
$$;

create or replace function private.count_interaction_inserts()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.keyword_counter_deltas
    (keyword, video_id, day, clicks, views, skips, watch_time, completion_sum, completion_samples)
  select btrim(n.source_keyword), n.video_id, (n.created_at at time zone 'UTC')::date,
         count(*) filter (where n.interaction_type in ('view', 'click')),
         count(*) filter (where n.interaction_type = 'view'),
         count(*) filter (where n.interaction_type = 'skip'),
         coalesce(sum(n.watch_duration), 0),
         coalesce(sum(n.completion_rate), 0),
         count(n.completion_rate)
  from new_rows n
  where nullif(btrim(n.source_keyword), '') is not null
  group by 1, 2, 3;
  return null;
end;
$$;

-- Watch progress updates: add only the difference.
create or replace function private.count_interaction_updates()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.keyword_counter_deltas
    (keyword, video_id, day, watch_time, completion_sum, completion_samples)
  select btrim(n.source_keyword), n.video_id, (n.created_at at time zone 'UTC')::date,
         sum(coalesce(n.watch_duration, 0) - coalesce(o.watch_duration, 0)),
         sum(coalesce(n.completion_rate, 0) - coalesce(o.completion_rate, 0)),
         sum((n.completion_rate is not null)::integer - (o.completion_rate is not null)::integer)
  from new_rows n
  join old_rows o on o.id = n.id and o.created_at = n.created_at
  where nullif(btrim(n.source_keyword), '') is not null
    and (n.watch_duration is distinct from o.watch_duration
         or n.completion_rate is distinct from o.completion_rate)
  group by 1, 2, 3;
  return null;
end;
$$;

create or replace function private.count_feedback_like_inserts()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.keyword_counter_deltas (keyword, video_id, day, likes)
  select btrim(n.source_keyword), n.video_id, (n.created_at at time zone 'UTC')::date, count(*)
  from new_rows n
  where n.feedback_type = 'like' and nullif(btrim(n.source_keyword), '') is not null
  group by 1, 2, 3;
  return null;
end;
$$;

-- An un-like (the feedback row deleted) takes the like back.
create or replace function private.count_feedback_like_deletes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.keyword_counter_deltas (keyword, video_id, day, likes)
  select btrim(o.source_keyword), o.video_id, (o.created_at at time zone 'UTC')::date, -count(*)
  from old_rows o
  where o.feedback_type = 'like' and nullif(btrim(o.source_keyword), '') is not null
  group by 1, 2, 3;
  return null;
end;
$$;

create trigger search_sessions_count_keyword_searches
  after insert on public.search_sessions
  referencing new table as new_rows
  for each statement execute function private.count_keyword_searches();

create trigger video_interactions_count_inserts
  after insert on public.video_interactions
  referencing new table as new_rows
  for each statement execute function private.count_interaction_inserts();

create trigger video_interactions_count_updates
  after update on public.video_interactions
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.count_interaction_updates();

create trigger user_feedback_count_like_inserts
  after insert on public.user_feedback
  referencing new table as new_rows
  for each statement execute function private.count_feedback_like_inserts();

create trigger user_feedback_count_like_deletes
  after delete on public.user_feedback
  referencing old table as old_rows
  for each statement execute function private.count_feedback_like_deletes();

-- The roll-up. Deltas committed while it runs are not visible to its DELETE and wait for the
-- next run. Counters never go below zero (a like deleted after its day was rolled up, etc.).
create or replace function private.roll_up_keyword_counters()
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_rows integer;
begin
  with moved as (
    delete from private.keyword_counter_deltas d returning d.*
  ),
  per_day as (
    select m.keyword, m.day,
           sum(m.searches)::integer as searches, sum(m.clicks)::integer as clicks,
           sum(m.views)::integer as views, sum(m.likes)::integer as likes, sum(m.skips)::integer as skips,
           sum(m.watch_time)::bigint as watch_time, sum(m.completion_sum) as completion_sum,
           sum(m.completion_samples)::integer as completion_samples
    from moved m
    group by m.keyword, m.day
  ),
  -- Existing rows get the signed sums (a like removed is -1) ...
  updated as (
    update public.keyword_effectiveness k set
      search_count       = greatest(k.search_count + p.searches, 0),
      click_count        = greatest(k.click_count + p.clicks, 0),
      view_count         = greatest(k.view_count + p.views, 0),
      like_count         = greatest(k.like_count + p.likes, 0),
      skip_count         = greatest(k.skip_count + p.skips, 0),
      total_watch_time   = greatest(k.total_watch_time + p.watch_time, 0),
      completion_sum     = greatest(k.completion_sum + p.completion_sum, 0),
      completion_samples = greatest(k.completion_samples + p.completion_samples, 0),
      updated_at         = now()
    from per_day p
    where k.keyword = p.keyword and k.date = p.day
    returning k.keyword, k.date
  ),
  -- ... new (keyword, day) rows start from the sums, floored at zero.
  inserted as (
    insert into public.keyword_effectiveness as k
      (keyword, date, search_count, click_count, view_count, like_count, skip_count,
       total_watch_time, completion_sum, completion_samples)
    select p.keyword, p.day, greatest(p.searches, 0), greatest(p.clicks, 0), greatest(p.views, 0),
           greatest(p.likes, 0), greatest(p.skips, 0), greatest(p.watch_time, 0),
           greatest(p.completion_sum, 0), greatest(p.completion_samples, 0)
    from per_day p
    where not exists (select 1 from updated u where u.keyword = p.keyword and u.date = p.day)
    order by p.keyword, p.day
    -- Only if a row appeared concurrently (the roll-up itself runs one at a time).
    on conflict (keyword, date) do update set
      search_count       = k.search_count + excluded.search_count,
      click_count        = k.click_count + excluded.click_count,
      view_count         = k.view_count + excluded.view_count,
      like_count         = k.like_count + excluded.like_count,
      skip_count         = k.skip_count + excluded.skip_count,
      total_watch_time   = k.total_watch_time + excluded.total_watch_time,
      completion_sum     = k.completion_sum + excluded.completion_sum,
      completion_samples = k.completion_samples + excluded.completion_samples,
      updated_at         = now()
    returning 1
  ),
  per_mapping as (
    select m.keyword, m.video_id, sum(m.clicks) as clicks
    from moved m
    where m.video_id is not null
    group by m.keyword, m.video_id
    having sum(m.clicks) <> 0
  ),
  mapped as (
    update public.keyword_video_mappings kvm
       set click_count = greatest(kvm.click_count + p.clicks, 0)
      from per_mapping p
     where kvm.keyword = p.keyword and kvm.video_id = p.video_id
    returning 1
  )
  select count(*)::integer into v_rows from moved;
  return v_rows;
end;
$$;
comment on function private.roll_up_keyword_counters() is
  'Folds private.keyword_counter_deltas into keyword_effectiveness and keyword_video_mappings.click_count; returns the number of deltas consumed. pg_cron job keyword-counter-rollup, every minute.';

revoke execute on function private.count_keyword_searches(), private.count_interaction_inserts(),
  private.count_interaction_updates(), private.count_feedback_like_inserts(), private.count_feedback_like_deletes(),
  private.roll_up_keyword_counters()
  from public, anon, authenticated, service_role;

-- The ingestion functions (service_role) may record counters that have no source row.
grant insert on table private.keyword_counter_deltas to service_role;

select cron.schedule('keyword-counter-rollup', '* * * * *', $cron$select private.roll_up_keyword_counters()$cron$);
