-- RPC behind the watch-ingest Edge Function: one validated batch, one round trip, as the calling
-- user (SECURITY INVOKER; the user is auth.uid()). For the batch's new events:
--   1. claim each event_id in watch_event_receipts first (race-safe idempotency: a concurrent
--      retry of the same event waits on the key, then sees a duplicate);
--   2. the first play/replay of a video in a session creates its video_interactions row
--      ('view'); a trial user past 50 per day gets trial_limit_exceeded for that video's events
--      while the rest of the batch lands (one savepoint per new interaction);
--   3. every event becomes a watch_events row linked to its interaction;
--   4. interactions take the furthest playhead as watch_duration and the reported length as
--      total_duration (so completion_rate is right); user_session_details totals follow;
--   5. skips are counted for the keyword (private.count_watch_skips); views, clicks and watch
--      time follow through video_interactions' statement triggers.
-- A rejected event leaves nothing behind (its receipt is released, so a retry is not a
-- "duplicate"). Returns {"accepted", "duplicates", "rejected": [{"event_id","code","field","message"}]}.

-- Appends skip deltas for keyword_effectiveness. SECURITY DEFINER only because the counter
-- table is private; it writes nothing but counters.
create or replace function private.count_watch_skips(p_skips jsonb)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  insert into private.keyword_counter_deltas (keyword, video_id, day, skips)
  select btrim(s->>'source_keyword'), (s->>'video_id')::uuid, ((s->>'occurred_at')::timestamptz at time zone 'UTC')::date, count(*)
  from jsonb_array_elements(p_skips) s
  where nullif(btrim(s->>'source_keyword'), '') is not null
  group by 1, 2, 3
$$;
revoke all on function private.count_watch_skips(jsonb) from public, anon, service_role;
grant execute on function private.count_watch_skips(jsonb) to authenticated;

-- Releasing the receipt of a rejected event (so a later retry is not a "duplicate") is a
-- delete of the caller's own row.
create policy watch_event_receipts_delete_own on public.watch_event_receipts
  for delete to authenticated
  using (user_id = (select auth.uid()));
grant delete on table public.watch_event_receipts to authenticated;

create or replace function public.ingest_watch_events(events jsonb)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_user uuid := auth.uid();
  v_claimed uuid[];
  v_unknown_video uuid[];
  v_blocked text[] := '{}'::text[];
  v_pair record;
  v_accepted integer;
  v_total integer;
  v_rejected jsonb;
begin
  if v_user is null then
    raise exception using errcode = '42501', message = 'watch ingestion needs a signed-in user';
  end if;
  if jsonb_typeof(events) is distinct from 'array' then
    raise exception using errcode = '22023', message = 'events must be a JSON array';
  end if;
  v_total := jsonb_array_length(events);

  -- 1. Claim new event ids; what is not claimed was stored before (a duplicate).
  with claimed as (
    insert into public.watch_event_receipts (user_id, event_id, watch_event_id, event_timestamp)
    select v_user, (e->>'event_id')::uuid, gen_random_uuid(), (e->>'occurred_at')::timestamptz
    from jsonb_array_elements(events) e
    on conflict (user_id, event_id) do nothing
    returning event_id
  )
  select coalesce(array_agg(event_id), '{}') into v_claimed from claimed;

  select coalesce(array_agg(distinct (e->>'video_id')::uuid), '{}') into v_unknown_video
  from jsonb_array_elements(events) e
  where (e->>'event_id')::uuid = any (v_claimed)
    and not exists (select 1 from public.cached_videos v where v.id = (e->>'video_id')::uuid);

  -- 2. First play of a (session, video) with no interaction yet: create it, oldest first.
  for v_pair in
    select (e->>'session_id')::uuid as session_id, (e->>'video_id')::uuid as video_id,
           max(e->>'source_keyword') as source_keyword,
           round(max((e->>'total_duration')::numeric))::integer as total_duration,
           min((e->>'occurred_at')::timestamptz) as first_at
    from jsonb_array_elements(events) e
    where (e->>'event_id')::uuid = any (v_claimed)
      and e->>'event_type' in ('play', 'replay')
      and not ((e->>'video_id')::uuid = any (v_unknown_video))
      and not exists (select 1 from public.video_interactions vi
                      where vi.user_id = v_user and vi.session_id = (e->>'session_id')::uuid
                        and vi.video_id = (e->>'video_id')::uuid)
    group by 1, 2
    order by first_at
  loop
    begin
      insert into public.video_interactions (user_id, video_id, session_id, interaction_type, watch_duration, total_duration, source_keyword)
      values (v_user, v_pair.video_id, v_pair.session_id, 'view', 0, nullif(v_pair.total_duration, 0), v_pair.source_keyword);
    exception when sqlstate 'P0001' then
      if sqlerrm <> 'trial_limit_exceeded' then
        raise;
      end if;
      v_blocked := v_blocked || (v_pair.session_id::text || '/' || v_pair.video_id::text);
    end;
  end loop;

  -- Rejections, reported and released.
  with rejected as (
    select (e->>'event_id')::uuid as event_id,
           case when (e->>'video_id')::uuid = any (v_unknown_video) then 'invalid_value' else 'trial_limit_exceeded' end as code
    from jsonb_array_elements(events) e
    where (e->>'event_id')::uuid = any (v_claimed)
      and ((e->>'video_id')::uuid = any (v_unknown_video)
           or ((e->>'session_id') || '/' || (e->>'video_id')) = any (v_blocked))
  ), released as (
    delete from public.watch_event_receipts r
    using rejected x
    where r.user_id = v_user and r.event_id = x.event_id
    returning r.event_id
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'event_id', x.event_id, 'code', x.code,
           'field', case when x.code = 'invalid_value' then 'video_id' end,
           'message', case when x.code = 'invalid_value' then 'video_id does not name a cached video'
                           else 'trial accounts may record 50 video interactions per day (UTC)' end)), '[]'::jsonb)
  into v_rejected
  from rejected x
  where x.event_id in (select event_id from released);

  v_claimed := array(select c from unnest(v_claimed) c
                     where not c in (select (r->>'event_id')::uuid from jsonb_array_elements(v_rejected) r));

  -- 3. Every accepted event becomes a watch_events row, linked to its interaction.
  with accepted as (
    select e, r.watch_event_id
    from jsonb_array_elements(events) e
    join public.watch_event_receipts r on r.user_id = v_user and r.event_id = (e->>'event_id')::uuid
    where (e->>'event_id')::uuid = any (v_claimed)
  ), written as (
    insert into public.watch_events (id, interaction_id, user_id, session_id, video_id, event_id, event_type, event_timestamp,
                                     video_timestamp, seek_from, seek_to, total_duration, source_keyword)
    select a.watch_event_id,
           (select vi.id from public.video_interactions vi
            where vi.user_id = v_user and vi.session_id = (a.e->>'session_id')::uuid and vi.video_id = (a.e->>'video_id')::uuid
            order by vi.created_at desc limit 1),
           v_user, (a.e->>'session_id')::uuid, (a.e->>'video_id')::uuid, (a.e->>'event_id')::uuid, a.e->>'event_type',
           (a.e->>'occurred_at')::timestamptz, (a.e->>'video_timestamp')::numeric, (a.e->>'seek_from')::numeric,
           (a.e->>'seek_to')::numeric, (a.e->>'total_duration')::numeric, a.e->>'source_keyword'
    from accepted a
    returning 1
  )
  select count(*)::integer into v_accepted from written;

  -- 4. Interactions: furthest playhead and reported length; then the sessions' totals.
  with progress as (
    select (e->>'session_id')::uuid as session_id, (e->>'video_id')::uuid as video_id,
           round(max(greatest((e->>'video_timestamp')::numeric, coalesce((e->>'seek_from')::numeric, 0))))::integer as furthest,
           round(max((e->>'total_duration')::numeric))::integer as total_duration
    from jsonb_array_elements(events) e
    where (e->>'event_id')::uuid = any (v_claimed)
    group by 1, 2
  )
  update public.video_interactions vi
  set watch_duration = greatest(coalesce(vi.watch_duration, 0), p.furthest),
      total_duration = coalesce(nullif(p.total_duration, 0), vi.total_duration)
  from progress p
  where vi.user_id = v_user and vi.session_id = p.session_id and vi.video_id = p.video_id
    and (vi.watch_duration is distinct from greatest(coalesce(vi.watch_duration, 0), p.furthest)
         or vi.total_duration is distinct from coalesce(nullif(p.total_duration, 0), vi.total_duration));

  insert into public.user_session_details (user_id, session_id, session_start)
  select v_user, (e->>'session_id')::uuid, min((e->>'occurred_at')::timestamptz)
  from jsonb_array_elements(events) e
  where (e->>'event_id')::uuid = any (v_claimed)
  group by 2
  on conflict (user_id, session_id) do nothing;

  with sessions as (
    select (e->>'session_id')::uuid as session_id, max((e->>'occurred_at')::timestamptz) as last_at
    from jsonb_array_elements(events) e
    where (e->>'event_id')::uuid = any (v_claimed)
    group by 1
  )
  update public.user_session_details d
  set total_videos_watched = t.videos,
      total_watch_time = t.watch_time,
      session_end = greatest(d.session_end, s.last_at, d.session_start)
  from sessions s
  cross join lateral (
    select count(*)::integer as videos, coalesce(sum(vi.watch_duration), 0)::integer as watch_time
    from public.video_interactions vi
    where vi.user_id = v_user and vi.session_id = s.session_id
  ) t
  where d.user_id = v_user and d.session_id = s.session_id;

  -- 5. Skips, for keyword_effectiveness.
  perform private.count_watch_skips(coalesce(jsonb_agg(e), '[]'::jsonb))
  from jsonb_array_elements(events) e
  where (e->>'event_id')::uuid = any (v_claimed) and e->>'event_type' = 'skip';

  return jsonb_build_object(
    'accepted', v_accepted,
    'duplicates', v_total - cardinality(v_claimed) - jsonb_array_length(v_rejected),
    'rejected', v_rejected);
end;
$$;

comment on function public.ingest_watch_events(jsonb) is
  'watch-ingest: store a validated batch for auth.uid(); idempotent per event_id; trial limit per new interaction.';
revoke all on function public.ingest_watch_events(jsonb) from public, anon, service_role;
grant execute on function public.ingest_watch_events(jsonb) to authenticated;
