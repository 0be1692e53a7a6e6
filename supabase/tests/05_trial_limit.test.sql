-- Trial users: at most 50 video interactions per UTC day, counted for the caller, with a clear
-- error; other tiers are not limited.
begin;
set search_path = public, extensions;
select plan(12);

insert into auth.users (id, email) values
  ('10000000-0000-4000-8000-000000000021', 'trial.one@example.com'),
  ('10000000-0000-4000-8000-000000000022', 'trial.two@example.com'),
  ('10000000-0000-4000-8000-000000000023', 'free.user@example.com');
update public.users set user_tier = 'trial'
 where id in ('10000000-0000-4000-8000-000000000021', '10000000-0000-4000-8000-000000000022');
insert into public.cached_videos (id, video_id, title) values ('20000000-0000-4000-8000-000000000021', 'trial000001', 'Trial video');

select is(private.trial_daily_interaction_limit(), 50, 'the trial limit is 50 a day');

set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "10000000-0000-4000-8000-000000000021", "role": "authenticated"}', true);

select lives_ok($$
  insert into public.video_interactions (user_id, video_id, interaction_type)
  select '10000000-0000-4000-8000-000000000021', '20000000-0000-4000-8000-000000000021', 'view'
  from generate_series(1, 49)$$,
  'a trial user records 49 interactions in one batch');
select lives_ok($$
  insert into public.video_interactions (user_id, video_id, interaction_type)
  values ('10000000-0000-4000-8000-000000000021', '20000000-0000-4000-8000-000000000021', 'click')$$,
  'the 50th interaction of the day is accepted');
select throws_ok($$
  insert into public.video_interactions (user_id, video_id, interaction_type)
  values ('10000000-0000-4000-8000-000000000021', '20000000-0000-4000-8000-000000000021', 'view')$$,
  'P0001', 'trial_limit_exceeded', 'the 51st interaction fails with P0001 trial_limit_exceeded');
select is((select count(*)::int from public.video_interactions where user_id = '10000000-0000-4000-8000-000000000021'), 50,
  'exactly 50 interactions were stored');

-- The error carries detail and hint for the API.
create function pg_temp.trial_error() returns text language plpgsql as $$
declare v_detail text; v_hint text;
begin
  insert into public.video_interactions (user_id, interaction_type) values ('10000000-0000-4000-8000-000000000021', 'view');
  return 'no error';
exception when sqlstate 'P0001' then
  get stacked diagnostics v_detail = pg_exception_detail, v_hint = pg_exception_hint;
  return v_detail || ' | ' || v_hint;
end $$;
select matches(pg_temp.trial_error(), '^Trial accounts may record 50 video interactions per day \(UTC\).*\| Upgrade',
  'the error has a DETAIL and a HINT');

-- Another trial user has their own allowance (counted per caller, not globally).
select set_config('request.jwt.claims', '{"sub": "10000000-0000-4000-8000-000000000022", "role": "authenticated"}', true);
select lives_ok($$
  insert into public.video_interactions (user_id, interaction_type)
  values ('10000000-0000-4000-8000-000000000022', 'view')$$,
  'another trial user is not affected by the first one''s limit');

-- A batch that would cross the limit fails as a whole.
select throws_ok($$
  insert into public.video_interactions (user_id, interaction_type)
  select '10000000-0000-4000-8000-000000000022', 'view' from generate_series(1, 50)$$,
  'P0001', 'trial_limit_exceeded', 'a batch crossing the limit is refused');
select is((select count(*)::int from public.video_interactions where user_id = '10000000-0000-4000-8000-000000000022'), 1,
  'the refused batch stored nothing (all or nothing)');

-- Free users are not limited.
select set_config('request.jwt.claims', '{"sub": "10000000-0000-4000-8000-000000000023", "role": "authenticated"}', true);
select lives_ok($$
  insert into public.video_interactions (user_id, interaction_type)
  select '10000000-0000-4000-8000-000000000023', 'view' from generate_series(1, 60)$$,
  'a free-tier user may record more than 50 interactions a day');
reset role;

select is((select interaction_count from private.daily_interaction_counts
           where user_id = '10000000-0000-4000-8000-000000000021' and day = (now() at time zone 'UTC')::date), 50,
  'the per-user per-day counter row holds the count (one row lock per user, no table scan)');
select is_empty($$select 1 from private.daily_interaction_counts where user_id = '10000000-0000-4000-8000-000000000023'$$,
  'no counter is kept for non-trial users');

select * from finish();
rollback;
