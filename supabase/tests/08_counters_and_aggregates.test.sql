-- keyword_video_mappings.click_count and keyword_effectiveness via the append-only delta table
-- and the roll-up; keyword_performance_cache daily fill; category_trend_summary aggregates.
begin;
set search_path = public, extensions;
select plan(30);

insert into auth.users (id, email) values
  ('10000000-0000-4000-8000-000000000041', 'counter.user@example.com'),
  ('10000000-0000-4000-8000-000000000042', 'counter.premium@example.com');
update public.users set user_tier = 'premium', subscription_end = now() + interval '10 days'
 where id = '10000000-0000-4000-8000-000000000042';
insert into public.cached_videos (id, video_id, title, ai_analysis) values
  ('20000000-0000-4000-8000-000000000041', 'count000041', 'Counter video 1', '{"categories": ["test-music"]}'),
  ('20000000-0000-4000-8000-000000000042', 'count000042', 'Counter video 2', '{"categories": ["test-music"]}'),
  ('20000000-0000-4000-8000-000000000043', 'count000043', 'Counter video 3', '{"categories": ["test-music", "test-dance"]}'),
  ('20000000-0000-4000-8000-000000000044', 'count000044', 'Counter video 4', '{"categories": ["test-cooking"]}'),
  ('20000000-0000-4000-8000-000000000045', 'count000045', 'Counter video 5', '{}');
insert into public.keyword_video_mappings (keyword, video_id, rank_position, relevance_score) values
  ('kw-a', '20000000-0000-4000-8000-000000000041', 1, 0.9),
  ('kw-a', '20000000-0000-4000-8000-000000000042', 2, 0.8);
delete from private.keyword_counter_deltas;

create temporary table mapping_versions as
select id, xmin::text as version from public.keyword_video_mappings where keyword = 'kw-a';

-- Activity as the user (through RLS, as the API would write it) ------------------------------------
set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "10000000-0000-4000-8000-000000000041", "role": "authenticated"}', true);
insert into public.search_sessions (user_id, session_id, search_type, keyword)
select '10000000-0000-4000-8000-000000000041', gen_random_uuid(), 'keyword', 'kw-a' from generate_series(1, 4);
-- one batch: 2 views + 1 click on video 1, a view on video 2, a skip on video 2
insert into public.video_interactions (user_id, video_id, interaction_type, watch_duration, total_duration, source_keyword) values
  ('10000000-0000-4000-8000-000000000041', '20000000-0000-4000-8000-000000000041', 'view', 30, 60, 'kw-a'),
  ('10000000-0000-4000-8000-000000000041', '20000000-0000-4000-8000-000000000041', 'view', 60, 60, 'kw-a'),
  ('10000000-0000-4000-8000-000000000041', '20000000-0000-4000-8000-000000000041', 'click', null, null, 'kw-a'),
  ('10000000-0000-4000-8000-000000000041', '20000000-0000-4000-8000-000000000042', 'view', 10, 40, 'kw-a'),
  ('10000000-0000-4000-8000-000000000041', '20000000-0000-4000-8000-000000000042', 'skip', 2, 40, 'kw-a');
insert into public.user_feedback (user_id, video_id, feedback_type, source_keyword, event_id) values
  ('10000000-0000-4000-8000-000000000041', '20000000-0000-4000-8000-000000000041', 'like', 'kw-a', gen_random_uuid()),
  ('10000000-0000-4000-8000-000000000041', '20000000-0000-4000-8000-000000000042', 'like', 'kw-a', gen_random_uuid());
reset role;

select is_empty($$select 1 from public.keyword_video_mappings m join mapping_versions v on v.id = m.id where m.xmin::text <> v.version$$,
  'clicks do not update (or lock) the mapping rows in the request path');
select is((select count(*)::int from private.keyword_counter_deltas), 5,
  'one delta row per (statement, keyword, video, day): a batch is one row per video, not per click');
select is((select sum(click_count)::int from public.keyword_video_mappings where keyword = 'kw-a'), 0, 'click_count waits for the roll-up');

select is(private.roll_up_keyword_counters(), 5, 'the roll-up consumes the pending deltas');
select is((select click_count from public.keyword_video_mappings where keyword = 'kw-a' and video_id = '20000000-0000-4000-8000-000000000041'),
  3::bigint, 'click_count of video 1 = 2 views + 1 click');
select is((select click_count from public.keyword_video_mappings where keyword = 'kw-a' and video_id = '20000000-0000-4000-8000-000000000042'),
  1::bigint, 'click_count of video 2 = 1 view (a skip is not a click)');
select results_eq(
  $$select search_count, click_count, view_count, like_count, skip_count, total_watch_time::int, completion_samples
    from public.keyword_effectiveness where keyword = 'kw-a' and date = (now() at time zone 'UTC')::date$$,
  $$values (4, 4, 3, 2, 1, 102, 4)$$,
  'keyword_effectiveness counters: 4 searches, 4 clicks, 3 views, 2 likes, 1 skip, 102 s, 4 completion samples');
select results_eq(
  $$select ctr, like_rate, skip_rate, avg_completion_rate from public.keyword_effectiveness where keyword = 'kw-a'$$,
  $$values (100.00::numeric, 66.67::numeric, 33.33::numeric, 45.00::numeric)$$,
  'keyword_effectiveness rates derive from the counters');
select is_empty($$select 1 from private.keyword_counter_deltas$$, 'no delta is left after the roll-up');
select is(private.roll_up_keyword_counters(), 0, 'a roll-up with nothing pending changes nothing');
select is((select click_count from public.keyword_video_mappings where keyword = 'kw-a' and video_id = '20000000-0000-4000-8000-000000000041'),
  3::bigint, 'click_count is stable across empty roll-ups');

-- Watch progress and an un-like ---------------------------------------------------------------------
set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "10000000-0000-4000-8000-000000000041", "role": "authenticated"}', true);
update public.video_interactions set watch_duration = 40
 where user_id = '10000000-0000-4000-8000-000000000041' and video_id = '20000000-0000-4000-8000-000000000042' and interaction_type = 'view';
delete from public.user_feedback
 where user_id = '10000000-0000-4000-8000-000000000041' and video_id = '20000000-0000-4000-8000-000000000042';
reset role;
select is(private.roll_up_keyword_counters(), 2, 'the progress update and the un-like are two deltas');
select results_eq(
  $$select like_count, total_watch_time::int, completion_samples, avg_completion_rate
    from public.keyword_effectiveness where keyword = 'kw-a'$$,
  $$values (1, 132, 4, 63.75::numeric)$$,
  'watch progress adds its difference and an un-like removes the like');

-- The ingestion (service_role) may append deltas directly ------------------------------------------
set local role service_role;
select lives_ok($$insert into private.keyword_counter_deltas (keyword, day, searches) values ('kw-a', (now() at time zone 'UTC')::date, 6)$$,
  'service_role can append counter deltas');
reset role;
select is(private.roll_up_keyword_counters(), 1, 'one direct delta');
select is((select search_count from public.keyword_effectiveness where keyword = 'kw-a'), 10, 'directly appended deltas are rolled up');

-- keyword_performance_cache -------------------------------------------------------------------------
select ok(private.refresh_keyword_performance_cache((now() at time zone 'UTC')::date) >= 1, 'the daily fill writes rows for the day');
select results_eq(
  $$select total_views, avg_completion_rate, total_likes from public.keyword_performance_cache
    where keyword = 'kw-a' and date = (now() at time zone 'UTC')::date$$,
  $$values (3, 0.83::numeric, 1)$$,
  'keyword_performance_cache: 3 views, average completion of the views, 1 like');
select lives_ok($$select private.refresh_keyword_performance_cache((now() at time zone 'UTC')::date)$$, 'the daily fill can run again');
select is((select count(*)::int from public.keyword_performance_cache where keyword = 'kw-a'), 1, 'a re-run replaces the day''s row');
select is(
  (select count(*)::int from public.keyword_performance_cache where date = (now() at time zone 'UTC')::date - 1 and keyword = 'kw-a'), 0,
  'the default day (yesterday) is independent of today');

-- category_trend_summary ------------------------------------------------------------------------------
insert into public.trending_keywords (keyword, trend_score, valid_from) values
  ('kw-fan', 80, now() - interval '1 hour'),       -- three test-music videos, one also test-dance
  ('kw-low', 40, now() - interval '1 hour'),       -- one test-music video
  ('kw-cook', 70, now() - interval '1 hour'),      -- one test-cooking video, one uncategorised
  ('kw-none', 60, now() - interval '1 hour'),      -- only an uncategorised video
  ('kw-old', 99, now() - interval '40 days');      -- outside the 30-day window
insert into public.keyword_video_mappings (keyword, video_id) values
  ('kw-fan', '20000000-0000-4000-8000-000000000041'), ('kw-fan', '20000000-0000-4000-8000-000000000042'),
  ('kw-fan', '20000000-0000-4000-8000-000000000043'), ('kw-low', '20000000-0000-4000-8000-000000000041'),
  ('kw-cook', '20000000-0000-4000-8000-000000000044'), ('kw-cook', '20000000-0000-4000-8000-000000000045'),
  ('kw-none', '20000000-0000-4000-8000-000000000045'), ('kw-old', '20000000-0000-4000-8000-000000000041');
select lives_ok($$select private.refresh_category_trend_summary()$$, 'the summary refreshes concurrently');
select results_eq(
  $$select trending_keyword_count, avg_trend_score, top_keywords from private.category_trend_summary
    where category = 'test-music' and trend_date = (now() at time zone 'UTC')::date$$,
  $$values (2::bigint, 60.00::numeric, array['kw-fan'])$$,
  'each keyword counts once per category: no fan-out over its videos (avg 60, not 70)');
select results_eq(
  $$select trending_keyword_count, avg_trend_score from private.category_trend_summary
    where category = 'test-cooking' and trend_date = (now() at time zone 'UTC')::date$$,
  $$values (1::bigint, 70.00::numeric)$$,
  'an uncategorised video does not add the keyword to ''unknown'' when it has a category');
select ok((select 'kw-none' = any(top_keywords) from private.category_trend_summary
           where category = 'unknown' and trend_date = (now() at time zone 'UTC')::date),
  'a keyword without any categorised video is counted under ''unknown''');
select is_empty($$select 1 from private.category_trend_summary where 'kw-old' = any(top_keywords)$$,
  'keywords older than 30 days are left out');
select is_empty($$select 1 from private.category_trend_summary where category = 'test-dance'$$,
  'the category is the first one of the video''s list');

-- Premium-only access
set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "10000000-0000-4000-8000-000000000041", "role": "authenticated"}', true);
select is_empty($$select 1 from public.category_trend_summary$$, 'a free user sees no trend summary');
select set_config('request.jwt.claims', '{"sub": "10000000-0000-4000-8000-000000000042", "role": "authenticated"}', true);
select isnt_empty($$select 1 from public.category_trend_summary where category = 'test-music'$$, 'a premium user reads the trend summary');
reset role;
set local role anon;
select throws_ok($$select 1 from public.category_trend_summary$$, '42501', null, 'anon cannot read the trend summary');
reset role;

select * from finish();
rollback;
