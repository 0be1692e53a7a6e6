-- RPC behind the feedback-ingest Edge Function: stores one validated batch in one round trip,
-- as the calling user (SECURITY INVOKER: RLS and column grants decide; the user is auth.uid(),
-- never a payload field). The function has already validated every event (crates/ingest).
--
-- Per event: accepted (stored), duplicate (its event_id — or the same user/video/feedback_type —
-- is already stored; clients may retry blindly) or rejected (video_id names no cached video).
-- Keyword like counters follow through user_feedback's statement triggers.
-- Returns {"accepted": n, "duplicates": n, "rejected": [{"event_id","code","field","message"}]}.

create or replace function public.ingest_feedback_events(events jsonb)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_user uuid := auth.uid();
  v_result jsonb;
begin
  if v_user is null then
    raise exception using errcode = '42501', message = 'feedback ingestion needs a signed-in user';
  end if;
  if jsonb_typeof(events) is distinct from 'array' then
    raise exception using errcode = '22023', message = 'events must be a JSON array';
  end if;

  with incoming as (
    select (e->>'event_id')::uuid as event_id,
           (e->>'video_id')::uuid as video_id,
           e->>'feedback_type' as feedback_type,
           e->>'reason' as reason,
           e->>'comment' as comment,
           e->>'source_keyword' as source_keyword,
           (e->>'position_in_list')::integer as position_in_list,
           (e->>'session_id')::uuid as session_id,
           (e->>'occurred_at')::timestamptz as occurred_at
    from jsonb_array_elements(events) as e
  ), checked as (
    select i.*, exists (select 1 from public.cached_videos v where v.id = i.video_id) as video_known
    from incoming i
  ), stored as (
    insert into public.user_feedback
      (user_id, video_id, session_id, event_id, feedback_type, reason, comment, source_keyword, position_in_list, occurred_at)
    select v_user, c.video_id, c.session_id, c.event_id, c.feedback_type, c.reason, c.comment, c.source_keyword,
           c.position_in_list, c.occurred_at
    from checked c
    where c.video_known
    -- Either unique key (user, event_id) or (user, video, feedback_type): already recorded.
    on conflict do nothing
    returning event_id
  )
  select jsonb_build_object(
    'accepted', (select count(*) from stored),
    'duplicates', (select count(*) from checked c where c.video_known and c.event_id not in (select event_id from stored)),
    'rejected', coalesce((
      select jsonb_agg(jsonb_build_object('event_id', c.event_id, 'code', 'invalid_value', 'field', 'video_id',
                                          'message', 'video_id does not name a cached video'))
      from checked c where not c.video_known), '[]'::jsonb))
  into v_result;
  return v_result;
end;
$$;

comment on function public.ingest_feedback_events(jsonb) is
  'feedback-ingest: store a validated batch for auth.uid(); idempotent per event_id.';
revoke all on function public.ingest_feedback_events(jsonb) from public, anon, service_role;
grant execute on function public.ingest_feedback_events(jsonb) to authenticated;
