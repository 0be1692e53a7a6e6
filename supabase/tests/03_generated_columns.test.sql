-- Generated and denormalised fields with edge values.
begin;
set search_path = public, extensions;
select plan(35);

insert into auth.users (id, email) values ('10000000-0000-4000-8000-000000000001', 'gen.cols@example.com');
insert into public.cached_videos (id, video_id, title, description)
values ('20000000-0000-4000-8000-000000000001', 'gencols0001', 'Generated columns', 'edge values');

-- video_interactions.completion_rate -----------------------------------------------------------
create temporary table completion_cases (label text, watch integer, total integer, expected numeric);
insert into completion_cases values
  ('half watched', 30, 60, 0.50),
  ('fully watched', 60, 60, 1.00),
  ('replays are capped at 1.00', 600, 60, 1.00),
  ('nothing watched', 0, 60, 0.00),
  ('rounded to 2 decimals', 1, 3, 0.33),
  ('unknown total duration is NULL, not 100 %', 30, null, null),
  ('unknown watch duration is NULL', null, 60, null),
  ('both unknown is NULL', null, null, null);
insert into public.video_interactions (user_id, video_id, interaction_type, watch_duration, total_duration, source_keyword)
select '10000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001', 'view', watch, total, label
from completion_cases;

select is(vi.completion_rate, c.expected, 'completion_rate: ' || c.label)
from completion_cases c
join public.video_interactions vi on vi.source_keyword = c.label
order by c.label;

select throws_ok($$insert into public.video_interactions (user_id, interaction_type, watch_duration, total_duration)
                   values ('10000000-0000-4000-8000-000000000001', 'view', -5, 60)$$,
  '23514', null, 'a negative watch_duration is rejected');
select throws_ok($$insert into public.video_interactions (user_id, interaction_type, watch_duration, total_duration)
                   values ('10000000-0000-4000-8000-000000000001', 'view', 30, -60)$$,
  '23514', null, 'a negative total_duration is rejected (it cannot become 100 %)');
select throws_ok($$insert into public.video_interactions (user_id, interaction_type, watch_duration, total_duration)
                   values ('10000000-0000-4000-8000-000000000001', 'view', 30, 0)$$,
  '23514', null, 'a zero total_duration is rejected');
select lives_ok($$insert into public.video_interactions (user_id, interaction_type, watch_duration, total_duration)
                  values ('10000000-0000-4000-8000-000000000001', 'view', 2147483647, 1)$$,
  'extreme watch/total ratio does not overflow numeric(3,2)');

-- video_quality_scores.overall_score -----------------------------------------------------------
insert into public.video_quality_scores (video_id, engagement_rate, retention_rate, content_quality, trend_alignment, freshness_score, relevance_score)
values ('20000000-0000-4000-8000-000000000001', 100, 100, 1, 1, 1, 0.11),
       ('20000000-0000-4000-8000-000000000001', 0, 0, 0, 0, 0, 0.22),
       ('20000000-0000-4000-8000-000000000001', 50, 50, 0.5, 0.5, 0.5, 0.33),
       ('20000000-0000-4000-8000-000000000001', 5.25, 78, 0.9, 0.7, 0.8, 0.44),
       ('20000000-0000-4000-8000-000000000001', null, null, 0.9, null, null, 0.55),
       ('20000000-0000-4000-8000-000000000001', null, null, null, null, null, 0.66),
       ('20000000-0000-4000-8000-000000000001', null, 80, null, null, null, 0.77);
select is((select overall_score from public.video_quality_scores where relevance_score = 0.11), 1.00::numeric, 'overall_score: all components at maximum = 1.00');
select is((select overall_score from public.video_quality_scores where relevance_score = 0.22), 0.00::numeric, 'overall_score: all components at minimum = 0.00');
select is((select overall_score from public.video_quality_scores where relevance_score = 0.33), 0.50::numeric, 'overall_score: percentages and fractions share one scale');
select is((select overall_score from public.video_quality_scores where relevance_score = 0.44), 0.62::numeric,
  'overall_score: .3*0.9 + .25*0.0525 + .2*0.78 + .15*0.7 + .1*0.8 = 0.62');
select is((select overall_score from public.video_quality_scores where relevance_score = 0.55), 0.90::numeric, 'overall_score: NULL components are left out, not zeroed');
select is((select overall_score from public.video_quality_scores where relevance_score = 0.77), 0.80::numeric, 'overall_score: one percentage component alone is scaled to 0..1');
select is((select overall_score from public.video_quality_scores where relevance_score = 0.66), null, 'overall_score: no component at all is NULL');
select is(
  (select array_agg(relevance_score order by overall_score desc nulls last) from public.video_quality_scores
   where video_id = '20000000-0000-4000-8000-000000000001')[7],
  0.66::numeric, 'a NULL overall_score sorts last with the index order (DESC NULLS LAST)');
select ok(
  (select pg_get_indexdef('public.idx_quality_overall'::regclass) like '%overall_score DESC NULLS LAST%'),
  'idx_quality_overall is DESC NULLS LAST');
select throws_ok($$insert into public.video_quality_scores (video_id, engagement_rate) values ('20000000-0000-4000-8000-000000000001', 150)$$,
  '23514', null, 'engagement_rate above 100 % is rejected');
select throws_ok($$insert into public.video_quality_scores (video_id, content_quality) values ('20000000-0000-4000-8000-000000000001', 1.5)$$,
  '23514', null, 'content_quality above 1 is rejected');

-- keyword_effectiveness rates ------------------------------------------------------------------
insert into public.keyword_effectiveness (keyword, date, search_count, click_count, view_count, like_count, skip_count, completion_sum, completion_samples)
values ('gen-a', current_date, 200, 50, 40, 10, 4, 30, 40),
       ('gen-b', current_date, 0, 7, 0, 3, 0, 0, 0),
       ('gen-c', current_date, 1, 2147483647, 1, 2147483647, 2147483647, 0, 0);
select is((select ctr from public.keyword_effectiveness where keyword = 'gen-a'), 25.00::numeric, 'ctr = clicks / searches * 100');
select is((select like_rate from public.keyword_effectiveness where keyword = 'gen-a'), 25.00::numeric, 'like_rate = likes / views * 100');
select is((select skip_rate from public.keyword_effectiveness where keyword = 'gen-a'), 10.00::numeric, 'skip_rate = skips / views * 100');
select is((select avg_completion_rate from public.keyword_effectiveness where keyword = 'gen-a'), 75.00::numeric, 'avg_completion_rate = completion_sum / samples * 100');
select is((select ctr from public.keyword_effectiveness where keyword = 'gen-b'), 0.00::numeric, 'ctr without searches is 0 (seed)');
select is((select like_rate from public.keyword_effectiveness where keyword = 'gen-b'), null, 'like_rate without views is NULL');
select is((select ctr from public.keyword_effectiveness where keyword = 'gen-c'), 214748364700.00::numeric, 'ctr of extreme counters does not overflow');

-- trend_predictions.prediction_error -------------------------------------------------------------
insert into public.trend_predictions (keyword, prediction_date, predicted_for_date, predicted_score, actual_score, confidence_level, model_version)
values ('gen-p', current_date, current_date + 1, 80, 65.5, 0.8, 'v1'),
       ('gen-p', current_date, current_date + 2, 0, 100, 0.8, 'v1'),
       ('gen-p', current_date, current_date + 3, 70, null, 0.8, 'v1');
select is((select prediction_error from public.trend_predictions where keyword = 'gen-p' and predicted_for_date = current_date + 1), 14.50::numeric, 'prediction_error = |predicted - actual|');
select is((select prediction_error from public.trend_predictions where keyword = 'gen-p' and predicted_for_date = current_date + 2), 100.00::numeric, 'largest possible prediction_error fits numeric(5,2)');
select is((select prediction_error from public.trend_predictions where keyword = 'gen-p' and predicted_for_date = current_date + 3), null, 'prediction_error is NULL until the actual score is known');
select throws_ok($$insert into public.trend_predictions (keyword, prediction_date, predicted_for_date, predicted_score, confidence_level, model_version)
                   values ('gen-p', current_date, current_date + 1, 10, 0.8, 'v1')$$,
  '23505', null, 'the natural key makes a re-delivered forecast a conflict (upsert target)');

-- watch_events.event_date is the UTC date -------------------------------------------------------
set local timezone = 'Asia/Seoul';
insert into public.watch_events (user_id, event_type, event_timestamp, video_timestamp)
values ('10000000-0000-4000-8000-000000000001', 'play', date_trunc('month', now() at time zone 'UTC') at time zone 'UTC' + interval '1 day 23 hours 30 minutes', 0);
select is((select event_date from public.watch_events where user_id = '10000000-0000-4000-8000-000000000001'),
  (date_trunc('month', now() at time zone 'UTC') + interval '1 day')::date,
  'event_date is the UTC date whatever the session time zone');
reset timezone;

select * from finish();
rollback;
