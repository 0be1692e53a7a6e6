-- RLS / grant matrix: every table (and API view, and a partition accessed directly)
--   x {anon, user on own rows, user on another's rows, trial, premium, admin, service_role}
--   x {select, insert, update, delete}
-- Each cell really runs the statement as that persona (SET LOCAL ROLE + request.jwt.claims,
-- as PostgREST does) inside a subtransaction that is always rolled back, so cells are
-- independent. allow = no error and at least one row selected/written; deny = 42501
-- (privilege or policy violation), a statement that cannot write a view at all (0A000/55000),
-- or zero rows (RLS filtered the rows out).
begin;
set search_path = public, extensions;

-- Personas ---------------------------------------------------------------------------------------
insert into auth.users (id, email, raw_app_meta_data) values
  ('10000000-0000-4000-8000-000000000081', 'rls.own@example.com', '{}'),
  ('10000000-0000-4000-8000-000000000082', 'rls.other@example.com', '{}'),
  ('10000000-0000-4000-8000-000000000083', 'rls.trial@example.com', '{}'),
  ('10000000-0000-4000-8000-000000000084', 'rls.premium@example.com', '{}'),
  ('10000000-0000-4000-8000-000000000085', 'rls.admin@example.com', '{"role": "admin"}'),
  ('10000000-0000-4000-8000-000000000086', 'rls.spare@example.com', '{}'),
  ('10000000-0000-4000-8000-000000000087', 'rls.noprofile@example.com', '{}');
update public.users set user_tier = 'trial' where id = '10000000-0000-4000-8000-000000000083';
update public.users set user_tier = 'premium', subscription_end = now() + interval '30 days' where id = '10000000-0000-4000-8000-000000000084';
-- An auth user without a public.users row, for the service_role insert into users.
delete from public.users where id = '10000000-0000-4000-8000-000000000087';

create temporary table personas (persona text, ord int, role text, claims text, target uuid, owner uuid);
insert into personas values
  ('anon',         1, 'anon',          '{"role": "anon"}', '10000000-0000-4000-8000-000000000082', '10000000-0000-4000-8000-000000000086'),
  ('own',          2, 'authenticated', '{"sub": "10000000-0000-4000-8000-000000000081", "role": "authenticated"}',
                      '10000000-0000-4000-8000-000000000081', '10000000-0000-4000-8000-000000000081'),
  ('other',        3, 'authenticated', '{"sub": "10000000-0000-4000-8000-000000000081", "role": "authenticated"}',
                      '10000000-0000-4000-8000-000000000082', '10000000-0000-4000-8000-000000000086'),
  ('trial',        4, 'authenticated', '{"sub": "10000000-0000-4000-8000-000000000083", "role": "authenticated"}',
                      '10000000-0000-4000-8000-000000000083', '10000000-0000-4000-8000-000000000083'),
  ('premium',      5, 'authenticated', '{"sub": "10000000-0000-4000-8000-000000000084", "role": "authenticated"}',
                      '10000000-0000-4000-8000-000000000084', '10000000-0000-4000-8000-000000000084'),
  ('admin',        6, 'authenticated', '{"sub": "10000000-0000-4000-8000-000000000085", "role": "authenticated", "app_metadata": {"role": "admin"}}',
                      '10000000-0000-4000-8000-000000000082', '10000000-0000-4000-8000-000000000086'),
  ('service_role', 7, 'service_role',  '{"role": "service_role"}', '10000000-0000-4000-8000-000000000082', '10000000-0000-4000-8000-000000000086');

-- Fixture rows for every user-owned table, for each user that acts or is acted upon -----------------
insert into public.cached_videos (id, video_id, title, description) values ('20000000-0000-4000-8000-000000000081', 'rlsvideo081', 'RLS video', '');
insert into public.cached_channels (channel_id, channel_title) values ('rls-channel', 'RLS channel');
insert into public.trending_keywords (keyword, trend_score, valid_from) values ('rls-kw', 70, now());
insert into public.keyword_video_mappings (keyword, video_id) values ('rls-kw', '20000000-0000-4000-8000-000000000081');
insert into public.video_quality_scores (video_id, content_quality) values ('20000000-0000-4000-8000-000000000081', 0.8);
insert into public.keyword_effectiveness (keyword, date, search_count) values ('rls-kw', current_date, 1);
insert into public.keyword_performance_cache (keyword, date, total_views) values ('rls-kw', current_date, 1);
insert into public.trend_predictions (keyword, prediction_date, predicted_for_date, predicted_score, confidence_level, model_version)
values ('rls-kw', current_date, current_date + 1, 60, 0.8, 'rls');
select private.refresh_category_trend_summary();

insert into public.user_profiles (user_id)
select unnest(array['10000000-0000-4000-8000-000000000081', '10000000-0000-4000-8000-000000000082',
                    '10000000-0000-4000-8000-000000000083', '10000000-0000-4000-8000-000000000084']::uuid[]);
create temporary table fixture_users as
select unnest(array['10000000-0000-4000-8000-000000000081', '10000000-0000-4000-8000-000000000082',
                    '10000000-0000-4000-8000-000000000083', '10000000-0000-4000-8000-000000000084']::uuid[]) as id;
insert into public.search_sessions (user_id, session_id, search_type, keyword)
select id, gen_random_uuid(), t, 'rls-kw' from fixture_users cross join unnest(array['keyword', 'ai_chat']) t;
insert into public.video_interactions (user_id, video_id, interaction_type, watch_duration, total_duration)
select id, '20000000-0000-4000-8000-000000000081', 'view', 5, 10 from fixture_users;
insert into public.watch_events (user_id, video_id, event_type, video_timestamp, session_id, event_id)
select id, '20000000-0000-4000-8000-000000000081', 'play', 0, gen_random_uuid(), gen_random_uuid() from fixture_users;
insert into public.watch_event_receipts (user_id, event_id) select id, gen_random_uuid() from fixture_users;
insert into public.user_feedback (user_id, video_id, feedback_type, event_id)
select id, '20000000-0000-4000-8000-000000000081', 'like', gen_random_uuid() from fixture_users;
insert into public.user_session_details (user_id, session_id) select id, gen_random_uuid() from fixture_users;
insert into public.user_search_patterns (user_id, keyword) select id, 'rls-kw' from fixture_users;

-- The matrix ----------------------------------------------------------------------------------------
-- expect: one 4-letter string per persona in the order anon, own, other, trial, premium, admin,
-- service_role; letters S I U D = allowed, '-' = denied.
create temporary table rls_tables (tbl text, sel text, ins text, upd text, del text, expect text[]);
insert into rls_tables values
  ('users',
   $$select count(*) from public.users where id = '{target}'$$,
   $$insert into public.users (id, auth_id, username) values ('10000000-0000-4000-8000-000000000087', '10000000-0000-4000-8000-000000000087', 'rls_probe')$$,
   $$update public.users set preferences = preferences where id = '{target}'$$,
   $$delete from public.users where id = '{target}'$$,
   array['----', 'S-U-', '----', 'S-U-', 'S-U-', 'S---', 'SIUD']),
  ('user_profiles',
   $$select count(*) from public.user_profiles where user_id = '{target}'$$,
   $$insert into public.user_profiles (user_id) values ('{owner}')$$,
   $$update public.user_profiles set profile_confidence = profile_confidence where user_id = '{target}'$$,
   $$delete from public.user_profiles where user_id = '{target}'$$,
   array['----', 'S---', '----', 'S---', 'S---', 'S---', 'SIUD']),
  ('search_sessions (keyword)',
   $$select count(*) from public.search_sessions where user_id = '{target}' and search_type = 'keyword'$$,
   $$insert into public.search_sessions (user_id, session_id, search_type, keyword) values ('{owner}', gen_random_uuid(), 'keyword', 'rls-probe')$$,
   $$update public.search_sessions set results_count = results_count where user_id = '{target}' and search_type = 'keyword'$$,
   $$delete from public.search_sessions where user_id = '{target}' and search_type = 'keyword'$$,
   array['----', 'SIUD', '----', 'SIUD', 'SIUD', 'S---', 'SIUD']),
  ('search_sessions (ai_chat)',
   $$select count(*) from public.search_sessions where user_id = '{target}' and search_type = 'ai_chat'$$,
   $$insert into public.search_sessions (user_id, session_id, search_type, keyword) values ('{owner}', gen_random_uuid(), 'ai_chat', 'rls-probe')$$,
   $$update public.search_sessions set results_count = results_count where user_id = '{target}' and search_type = 'ai_chat'$$,
   $$delete from public.search_sessions where user_id = '{target}' and search_type = 'ai_chat'$$,
   array['----', '----', '----', '----', 'SIUD', 'S---', 'SIUD']),
  ('video_interactions',
   $$select count(*) from public.video_interactions where user_id = '{target}'$$,
   $$insert into public.video_interactions (user_id, video_id, interaction_type, watch_duration, total_duration) values ('{owner}', '20000000-0000-4000-8000-000000000081', 'view', 5, 10)$$,
   $$update public.video_interactions set watch_duration = watch_duration where user_id = '{target}'$$,
   $$delete from public.video_interactions where user_id = '{target}'$$,
   array['----', 'SIU-', '----', 'SIU-', 'SIU-', 'S---', 'SIUD']),
  ('watch_events',
   $$select count(*) from public.watch_events where user_id = '{target}'$$,
   $$insert into public.watch_events (user_id, video_id, event_type, video_timestamp, session_id, event_id) values ('{owner}', '20000000-0000-4000-8000-000000000081', 'play', 0, gen_random_uuid(), gen_random_uuid())$$,
   $$update public.watch_events set video_timestamp = video_timestamp where user_id = '{target}'$$,
   $$delete from public.watch_events where user_id = '{target}'$$,
   array['----', 'SI--', '----', 'SI--', 'SI--', 'S---', 'SIUD']),
  ('watch_event_receipts',
   $$select count(*) from public.watch_event_receipts where user_id = '{target}'$$,
   $$insert into public.watch_event_receipts (user_id, event_id) values ('{owner}', gen_random_uuid())$$,
   $$update public.watch_event_receipts set watch_event_id = watch_event_id where user_id = '{target}'$$,
   $$delete from public.watch_event_receipts where user_id = '{target}'$$,
   array['----', 'SI-D', '----', 'SI-D', 'SI-D', 'S---', 'SIUD']),
  ('user_feedback',
   $$select count(*) from public.user_feedback where user_id = '{target}'$$,
   $$insert into public.user_feedback (user_id, video_id, feedback_type, event_id) values ('{owner}', '20000000-0000-4000-8000-000000000081', 'dislike', gen_random_uuid())$$,
   $$update public.user_feedback set comment = comment where user_id = '{target}'$$,
   $$delete from public.user_feedback where user_id = '{target}'$$,
   array['----', 'SIUD', '----', 'SIUD', 'SIUD', 'S---', 'SIUD']),
  ('user_session_details',
   $$select count(*) from public.user_session_details where user_id = '{target}'$$,
   $$insert into public.user_session_details (user_id, session_id) values ('{owner}', gen_random_uuid())$$,
   $$update public.user_session_details set error_count = error_count where user_id = '{target}'$$,
   $$delete from public.user_session_details where user_id = '{target}'$$,
   array['----', 'SIU-', '----', 'SIU-', 'SIU-', 'S---', 'SIUD']),
  ('user_search_patterns',
   $$select count(*) from public.user_search_patterns where user_id = '{target}'$$,
   $$insert into public.user_search_patterns (user_id, keyword) values ('{owner}', 'rls-probe')$$,
   $$update public.user_search_patterns set search_count = search_count where user_id = '{target}'$$,
   $$delete from public.user_search_patterns where user_id = '{target}'$$,
   array['----', 'S--D', '----', 'S--D', 'S--D', 'S---', 'SIUD']),
  ('cached_videos',
   $$select count(*) from public.cached_videos where id = '20000000-0000-4000-8000-000000000081'$$,
   $$insert into public.cached_videos (video_id, title) values (left(md5(random()::text), 11), 'rls probe')$$,
   $$update public.cached_videos set title = title where id = '20000000-0000-4000-8000-000000000081'$$,
   $$delete from public.cached_videos where id = '20000000-0000-4000-8000-000000000081'$$,
   array['S---', 'S---', 'S---', 'S---', 'S---', 'S---', 'SIUD']),
  ('cached_channels',
   $$select count(*) from public.cached_channels where channel_id = 'rls-channel'$$,
   $$insert into public.cached_channels (channel_id, channel_title) values (left(md5(random()::text), 20), 'rls probe')$$,
   $$update public.cached_channels set channel_title = channel_title where channel_id = 'rls-channel'$$,
   $$delete from public.cached_channels where channel_id = 'rls-channel'$$,
   array['S---', 'S---', 'S---', 'S---', 'S---', 'S---', 'SIUD']),
  ('trending_keywords',
   $$select count(*) from public.trending_keywords where keyword = 'rls-kw'$$,
   $$insert into public.trending_keywords (keyword, trend_score) values ('rls-probe-' || md5(random()::text), 10)$$,
   $$update public.trending_keywords set trend_score = trend_score where keyword = 'rls-kw'$$,
   $$delete from public.trending_keywords where keyword = 'rls-kw'$$,
   array['S---', 'S---', 'S---', 'S---', 'S---', 'S---', 'SIUD']),
  ('keyword_video_mappings',
   $$select count(*) from public.keyword_video_mappings where keyword = 'rls-kw'$$,
   $$insert into public.keyword_video_mappings (keyword, video_id) values ('rls-probe-' || md5(random()::text), '20000000-0000-4000-8000-000000000081')$$,
   $$update public.keyword_video_mappings set rank_position = rank_position where keyword = 'rls-kw'$$,
   $$delete from public.keyword_video_mappings where keyword = 'rls-kw'$$,
   array['S---', 'S---', 'S---', 'S---', 'S---', 'S---', 'SIUD']),
  ('video_quality_scores',
   $$select count(*) from public.video_quality_scores where video_id = '20000000-0000-4000-8000-000000000081'$$,
   $$insert into public.video_quality_scores (video_id, content_quality) values ('20000000-0000-4000-8000-000000000081', 0.5)$$,
   $$update public.video_quality_scores set content_quality = content_quality where video_id = '20000000-0000-4000-8000-000000000081'$$,
   $$delete from public.video_quality_scores where video_id = '20000000-0000-4000-8000-000000000081'$$,
   array['S---', 'S---', 'S---', 'S---', 'S---', 'S---', 'SIUD']),
  ('keyword_effectiveness',
   $$select count(*) from public.keyword_effectiveness where keyword = 'rls-kw'$$,
   $$insert into public.keyword_effectiveness (keyword, date) values ('rls-probe-' || md5(random()::text), current_date)$$,
   $$update public.keyword_effectiveness set search_count = search_count where keyword = 'rls-kw'$$,
   $$delete from public.keyword_effectiveness where keyword = 'rls-kw'$$,
   array['----', '----', '----', '----', 'S---', 'S---', 'SIUD']),
  ('keyword_performance_cache',
   $$select count(*) from public.keyword_performance_cache where keyword = 'rls-kw'$$,
   $$insert into public.keyword_performance_cache (keyword, date) values ('rls-probe-' || md5(random()::text), current_date)$$,
   $$update public.keyword_performance_cache set total_views = total_views where keyword = 'rls-kw'$$,
   $$delete from public.keyword_performance_cache where keyword = 'rls-kw'$$,
   array['----', '----', '----', '----', 'S---', 'S---', 'SIUD']),
  ('trend_predictions',
   $$select count(*) from public.trend_predictions where keyword = 'rls-kw'$$,
   $$insert into public.trend_predictions (keyword, prediction_date, predicted_for_date, predicted_score, confidence_level, model_version) values ('rls-kw', current_date, current_date + 1, 50, 0.8, left(md5(random()::text), 20))$$,
   $$update public.trend_predictions set actual_score = actual_score where keyword = 'rls-kw'$$,
   $$delete from public.trend_predictions where keyword = 'rls-kw'$$,
   array['----', '----', '----', '----', 'S---', 'S---', 'SIUD']),
  ('category_trend_summary (view)',
   $$select count(*) from public.category_trend_summary$$,
   $$insert into public.category_trend_summary (trend_date, category) values (current_date, 'rls-probe')$$,
   $$update public.category_trend_summary set category = category$$,
   $$delete from public.category_trend_summary$$,
   array['----', '----', '----', '----', 'S---', 'S---', 'S---']),
  ('audit_logs_enhanced',
   $$select count(*) from public.audit_logs_enhanced$$,
   $$insert into public.audit_logs_enhanced (event_type, function_name) values ('FUNCTION', 'rls-probe')$$,
   $$update public.audit_logs_enhanced set user_agent = user_agent$$,
   $$delete from public.audit_logs_enhanced$$,
   array['----', '----', '----', '----', '----', 'S---', 'SI--']),
  ('users_secure (view)',
   $$select count(*) from public.users_secure where id = '{target}'$$,
   $$insert into public.users_secure (id, username) values ('10000000-0000-4000-8000-000000000087', 'rls_probe')$$,
   $$update public.users_secure set username = username where id = '{target}'$$,
   $$delete from public.users_secure where id = '{target}'$$,
   array['----', '----', '----', '----', '----', 'S---', 'S---']),
  ('database_health_metrics (view)',
   $$select count(*) from public.database_health_metrics$$,
   $$insert into public.database_health_metrics (metric, value, unit) values ('rls', 1, 'probe')$$,
   $$update public.database_health_metrics set unit = unit$$,
   $$delete from public.database_health_metrics$$,
   array['----', '----', '----', '----', '----', '----', 'S---']),
  ('index_recommendations (view)',
   $$select count(*) + 1 from public.index_recommendations$$,
   $$insert into public.index_recommendations (schemaname) values ('rls')$$,
   $$update public.index_recommendations set tablename = tablename$$,
   $$delete from public.index_recommendations$$,
   array['----', '----', '----', '----', '----', '----', 'S---']),
  ('a video_interactions partition, directly',
   $$select count(*) from public.{vi_partition}$$,
   $$insert into public.{vi_partition} (user_id, interaction_type) values ('{owner}', 'view')$$,
   $$update public.{vi_partition} set watch_duration = watch_duration$$,
   $$delete from public.{vi_partition}$$,
   array['----', '----', '----', '----', '----', '----', '----']);

create temporary table rls_cases as
select t.tbl, p.persona, p.ord, a.action, a.ord as action_ord, p.role, p.claims,
       replace(replace(replace(a.stmt, '{target}', p.target::text), '{owner}', p.owner::text),
               '{vi_partition}', 'video_interactions_' || to_char(now() at time zone 'UTC', 'YYYY_MM')) as stmt,
       case when substr(t.expect[p.ord], a.ord, 1) = '-' then 'deny' else 'allow' end as expected
from rls_tables t
cross join personas p
cross join lateral (values ('select', 1, t.sel), ('insert', 2, t.ins), ('update', 3, t.upd), ('delete', 4, t.del)) a(action, ord, stmt);

-- Runs one statement as a persona, always rolled back; returns allow / deny / error:<state> <msg>.
create function pg_temp.rls_probe(p_role text, p_claims text, p_action text, p_stmt text)
returns text
language plpgsql
as $$
declare
  v_rows   bigint;
  v_result text;
begin
  begin
    perform set_config('request.jwt.claims', p_claims, true);
    execute format('set local role %I', p_role);
    if p_action = 'select' then
      execute p_stmt into v_rows;
    else
      execute p_stmt;
      get diagnostics v_rows = row_count;
    end if;
    v_result := case when v_rows > 0 then 'allow' else 'deny' end;
    raise exception using errcode = 'P0999', message = 'probe rollback';
  exception
    when sqlstate 'P0999' then null;
    when insufficient_privilege or feature_not_supported or object_not_in_prerequisite_state then
      v_result := 'deny';
    when others then
      v_result := 'error:' || sqlstate || ' ' || sqlerrm;
  end;
  return v_result;
end;
$$;

select plan((select count(*)::int from rls_cases) + 1);

select is(pg_temp.rls_probe(role, claims, action, stmt), expected, format('%s | %s | %s', tbl, persona, action))
from rls_cases
order by tbl, ord, action_ord;

select is(current_user::text, 'postgres', 'probes leave the session role unchanged');

select * from finish();
rollback;
