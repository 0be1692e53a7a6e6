-- Local demo data (applied by `supabase db reset` / `cargo xtask` after the migrations, as
-- postgres). Users are created through auth.users so the sign-up trigger builds public.users
-- (encrypted email, derived username); tiers are then set as the backend would.
-- Fixed ids make the data easy to refer to from the API while developing.

-- Users ---------------------------------------------------------------------------------------
insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
values
  ('a0000000-0000-4000-8000-000000000001', 'authenticated', 'authenticated', 'admin@shorts-curator.dev', now(),
   '{"provider": "email", "role": "admin"}', '{}'),
  ('a0000000-0000-4000-8000-000000000002', 'authenticated', 'authenticated', 'minsu.kim@example.com', now(),
   '{"provider": "email"}', '{"full_name": "김민수"}'),
  ('a0000000-0000-4000-8000-000000000003', 'authenticated', 'authenticated', 'jieun.lee@example.com', now(),
   '{"provider": "email"}', '{"full_name": "이지은"}'),
  ('a0000000-0000-4000-8000-000000000004', 'authenticated', 'authenticated', 'sarah.park@example.com', now(),
   '{"provider": "email"}', '{"full_name": "Sarah Park"}'),
  ('a0000000-0000-4000-8000-000000000005', 'authenticated', 'authenticated', 'john.doe@example.com', now(),
   '{"provider": "email"}', '{"full_name": "John Doe"}')
on conflict (id) do nothing;

update public.users set user_tier = 'premium', subscription_end = now() + interval '30 days'
 where id = 'a0000000-0000-4000-8000-000000000002';
update public.users set user_tier = 'trial' where id = 'a0000000-0000-4000-8000-000000000003';
update public.users set user_tier = 'pro', subscription_end = now() + interval '365 days'
 where id = 'a0000000-0000-4000-8000-000000000004';
update public.users set preferences = '{"language": "ko", "autoplay": true}'
 where id in ('a0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000003');

insert into public.user_profiles (user_id, personality_vector, preferred_categories, preferred_keywords,
                                  time_preferences, context_preferences, profile_confidence)
values
  ('a0000000-0000-4000-8000-000000000002', '{"openness": 0.8, "humor": 0.7}', '{food,travel}', '{김치찌개,먹방}',
   '{"morning": ["news", "cooking"], "evening": ["comedy"]}', '{"mood": {"relaxed": ["asmr"]}}', 0.72),
  ('a0000000-0000-4000-8000-000000000004', '{"openness": 0.6, "energy": 0.9}', '{fitness,music}', '{workout,kpop}',
   '{"morning": ["fitness"], "night": ["music"]}', '{"activity": {"commute": ["music"]}}', 0.55)
on conflict (user_id) do nothing;

-- Catalogue ------------------------------------------------------------------------------------
insert into public.cached_channels (channel_id, channel_title, subscriber_count, video_count, total_view_count,
                                    primary_category, content_language, upload_frequency, avg_video_quality, verified, trust_score)
values
  ('UCkoreanfood000000000001', '백종원의 요리비책 (demo)', 6500000, 980, 1800000000, 'food', 'ko', 3.5, 0.86, true, 0.92),
  ('UCkpopdance0000000000002', 'K-Pop Dance Shorts (demo)', 1200000, 2400, 640000000, 'music', 'ko', 21.0, 0.71, false, 0.74),
  ('UCfitnesseng000000000003', 'Daily Fitness Shorts (demo)', 830000, 1500, 210000000, 'fitness', 'en', 14.0, 0.68, false, 0.66)
on conflict (channel_id) do nothing;

insert into public.cached_videos (id, video_id, title, description, channel_id, channel_title, view_count, like_count,
                                  comment_count, duration_seconds, published_at, is_shorts, quality_score, ai_analysis, expires_at)
values
  ('b0000000-0000-4000-8000-000000000001', 'dQkimchi001', '초간단 김치찌개 끓이는 법', '돼지고기 김치찌개를 10분 만에! 자취생 필수 레시피',
   'UCkoreanfood000000000001', '백종원의 요리비책 (demo)', 2350000, 120000, 3400, 58, now() - interval '3 days', true, 0.91,
   '{"categories": ["food", "cooking"], "keywords": ["김치찌개", "레시피"], "emotions": {"joy": 0.6}}', now() + interval '7 days'),
  ('b0000000-0000-4000-8000-000000000002', 'dQdoenjang02', '된장찌개 황금 레시피', '구수한 된장찌개, 집밥 끝판왕',
   'UCkoreanfood000000000001', '백종원의 요리비책 (demo)', 980000, 45000, 1200, 52, now() - interval '6 days', true, 0.84,
   '{"categories": ["food"], "keywords": ["된장찌개"]}', now() + interval '7 days'),
  ('b0000000-0000-4000-8000-000000000003', 'dQkpopdnc03', '뉴진스 Super Shy 댄스 챌린지', '안무 포인트만 30초로 정리했어요 #kpop #dance',
   'UCkpopdance0000000000002', 'K-Pop Dance Shorts (demo)', 5400000, 410000, 9800, 31, now() - interval '1 day', true, 0.78,
   '{"categories": ["music", "dance"], "keywords": ["뉴진스", "댄스챌린지"]}', now() + interval '7 days'),
  ('b0000000-0000-4000-8000-000000000004', 'dQworkout04', '5-Minute Morning Workout', 'No equipment full body workout for busy mornings',
   'UCfitnesseng000000000003', 'Daily Fitness Shorts (demo)', 720000, 31000, 640, 59, now() - interval '2 days', true, 0.69,
   '{"categories": ["fitness"], "keywords": ["workout", "morning routine"]}', now() + interval '7 days'),
  ('b0000000-0000-4000-8000-000000000005', 'dQkimbap005', 'Easy Korean Kimbap Recipe', '김밥 말기 쉬운 방법 - step by step kimbap rolling',
   'UCkoreanfood000000000001', '백종원의 요리비책 (demo)', 410000, 22000, 510, 45, now() - interval '10 days', true, 0.73,
   '{"categories": ["food"], "keywords": ["김밥", "kimbap"]}', now() + interval '7 days')
on conflict (video_id) do nothing;

insert into public.video_quality_scores (video_id, engagement_rate, retention_rate, content_quality, audio_quality,
                                         video_quality, relevance_score, trend_alignment, freshness_score)
values
  ('b0000000-0000-4000-8000-000000000001', 5.25, 78.0, 0.90, 0.85, 0.88, 0.93, 0.70, 0.80),
  ('b0000000-0000-4000-8000-000000000002', 4.71, 71.5, 0.85, 0.80, 0.82, 0.88, 0.40, 0.60),
  ('b0000000-0000-4000-8000-000000000003', 7.78, 83.0, 0.80, 0.90, 0.86, 0.91, 0.95, 0.95),
  ('b0000000-0000-4000-8000-000000000004', 4.40, null, 0.70, 0.75, 0.72, 0.80, null, 0.85);

insert into public.trending_keywords (keyword, trend_score, source, category, time_slot, day_of_week, valid_from, valid_until)
values
  ('김치찌개', 82.50, 'youtube', 'food', 'evening', 5, now() - interval '2 days', now() + interval '1 day'),
  ('뉴진스', 91.00, 'google_trends', 'music', 'night', 6, now() - interval '1 day', now() + interval '2 days'),
  ('된장찌개', 48.00, 'youtube', 'food', 'evening', 5, now() - interval '3 days', now() + interval '1 day'),
  ('morning workout', 63.25, 'youtube', 'fitness', 'morning', 1, now() - interval '1 day', now() + interval '3 days'),
  ('kimbap', 55.00, 'internal', 'food', 'afternoon', 3, now() - interval '4 days', null)
on conflict (keyword) do nothing;

insert into public.keyword_video_mappings (keyword, video_id, rank_position, relevance_score, source)
values
  ('김치찌개', 'b0000000-0000-4000-8000-000000000001', 1, 0.97, 'search'),
  ('김치찌개', 'b0000000-0000-4000-8000-000000000002', 2, 0.62, 'search'),
  ('된장찌개', 'b0000000-0000-4000-8000-000000000002', 1, 0.95, 'search'),
  ('뉴진스', 'b0000000-0000-4000-8000-000000000003', 1, 0.98, 'trend'),
  ('morning workout', 'b0000000-0000-4000-8000-000000000004', 1, 0.90, 'search'),
  ('kimbap', 'b0000000-0000-4000-8000-000000000005', 1, 0.88, 'ai')
on conflict (keyword, video_id) do nothing;

-- Activity -------------------------------------------------------------------------------------
insert into public.search_sessions (id, user_id, session_id, search_type, keyword, conversation_context, results_count, response_time_ms)
values
  ('c0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002', 'd0000000-0000-4000-8000-000000000001',
   'keyword', '김치찌개', '{}', 2, 140),
  ('c0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000002', 'd0000000-0000-4000-8000-000000000001',
   'ai_chat', '저녁 메뉴 추천', '{"messages": [{"role": "user", "content": "오늘 저녁 뭐 먹지?"}]}', 5, 820),
  ('c0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000000003', 'd0000000-0000-4000-8000-000000000002',
   'trending', '뉴진스', '{}', 1, 95)
on conflict (id) do nothing;

insert into public.user_session_details (user_id, session_id, device_type, device_os, app_version, connection_type,
                                         total_videos_watched, total_watch_time, avg_load_time_ms)
values
  ('a0000000-0000-4000-8000-000000000002', 'd0000000-0000-4000-8000-000000000001', 'mobile', 'iOS 18.1', '1.4.0', '5g', 2, 96, 420),
  ('a0000000-0000-4000-8000-000000000003', 'd0000000-0000-4000-8000-000000000002', 'mobile', 'Android 15', '1.4.0', 'wifi', 1, 31, 380)
on conflict (user_id, session_id) do nothing;

insert into public.video_interactions (user_id, video_id, search_session_id, session_id, interaction_type,
                                       watch_duration, total_duration, source_keyword)
values
  ('a0000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001',
   'd0000000-0000-4000-8000-000000000001', 'view', 58, 58, '김치찌개'),
  ('a0000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000001',
   'd0000000-0000-4000-8000-000000000001', 'view', 38, 52, '김치찌개'),
  ('a0000000-0000-4000-8000-000000000003', 'b0000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000003',
   'd0000000-0000-4000-8000-000000000002', 'view', 31, 31, '뉴진스'),
  ('a0000000-0000-4000-8000-000000000005', 'b0000000-0000-4000-8000-000000000004', null,
   null, 'skip', 4, 59, 'morning workout');

insert into public.user_feedback (user_id, video_id, session_id, event_id, feedback_type, source_keyword, position_in_list)
values
  ('a0000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000001', 'd0000000-0000-4000-8000-000000000001',
   'e0000000-0000-4000-8000-000000000001', 'like', '김치찌개', 0),
  ('a0000000-0000-4000-8000-000000000003', 'b0000000-0000-4000-8000-000000000003', 'd0000000-0000-4000-8000-000000000002',
   'e0000000-0000-4000-8000-000000000002', 'like', '뉴진스', 0)
on conflict do nothing;

-- Fold the counters and refresh the summary now instead of waiting for pg_cron.
select private.roll_up_keyword_counters();
select private.refresh_category_trend_summary();
