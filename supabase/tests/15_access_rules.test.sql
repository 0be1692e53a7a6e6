-- Access rules beyond the matrix: live subscriptions for ai_chat and premium analytics, the
-- admin claim's source, column-level write limits.
begin;
set search_path = public, extensions;
select plan(16);

insert into auth.users (id, email, raw_user_meta_data) values
  ('10000000-0000-4000-8000-0000000000a1', 'expired.premium@example.com', '{}'),
  ('10000000-0000-4000-8000-0000000000a2', 'live.pro@example.com', '{}'),
  ('10000000-0000-4000-8000-0000000000a3', 'premium.nodate@example.com', '{}'),
  ('10000000-0000-4000-8000-0000000000a4', 'sneaky@example.com', '{"role": "admin"}');
update public.users set user_tier = 'premium', subscription_end = now() - interval '1 second' where id = '10000000-0000-4000-8000-0000000000a1';
update public.users set user_tier = 'pro', subscription_end = now() + interval '1 day' where id = '10000000-0000-4000-8000-0000000000a2';
update public.users set user_tier = 'premium', subscription_end = null where id = '10000000-0000-4000-8000-0000000000a3';
insert into public.search_sessions (user_id, session_id, search_type, keyword)
select u, gen_random_uuid(), 'ai_chat', 'old chat'
from unnest(array['10000000-0000-4000-8000-0000000000a1', '10000000-0000-4000-8000-0000000000a2']::uuid[]) u;
insert into public.keyword_effectiveness (keyword, date, search_count) values ('access-kw', current_date, 3);

set local role authenticated;

-- Expired premium
select set_config('request.jwt.claims', '{"sub": "10000000-0000-4000-8000-0000000000a1", "role": "authenticated"}', true);
select throws_ok($$insert into public.search_sessions (user_id, session_id, search_type) values ('10000000-0000-4000-8000-0000000000a1', gen_random_uuid(), 'ai_chat')$$,
  '42501', null, 'an expired premium subscription cannot start an ai_chat session');
select is_empty($$select 1 from public.search_sessions where search_type = 'ai_chat'$$, 'an expired premium user no longer sees ai_chat sessions');
select lives_ok($$insert into public.search_sessions (user_id, session_id, search_type) values ('10000000-0000-4000-8000-0000000000a1', gen_random_uuid(), 'keyword')$$,
  'an expired premium user still searches by keyword');
select is_empty($$select 1 from public.keyword_effectiveness$$, 'an expired premium user sees no premium analytics');
select is(private.has_active_premium(), false, 'has_active_premium() is false after subscription_end');

-- premium without subscription_end
select set_config('request.jwt.claims', '{"sub": "10000000-0000-4000-8000-0000000000a3", "role": "authenticated"}', true);
select throws_ok($$insert into public.search_sessions (user_id, session_id, search_type) values ('10000000-0000-4000-8000-0000000000a3', gen_random_uuid(), 'ai_chat')$$,
  '42501', null, 'premium without a subscription_end is not a live subscription');

-- Live pro
select set_config('request.jwt.claims', '{"sub": "10000000-0000-4000-8000-0000000000a2", "role": "authenticated"}', true);
select lives_ok($$insert into public.search_sessions (user_id, session_id, search_type) values ('10000000-0000-4000-8000-0000000000a2', gen_random_uuid(), 'ai_chat')$$,
  'a live pro subscription starts ai_chat sessions');
select is((select count(*)::int from public.search_sessions where search_type = 'ai_chat'), 2, 'a pro user sees only their own ai_chat sessions');
select isnt_empty($$select 1 from public.keyword_effectiveness where keyword = 'access-kw'$$, 'a live pro user reads premium analytics');
select throws_ok($$update public.search_sessions set search_type = 'keyword' where user_id = '10000000-0000-4000-8000-0000000000a2'$$,
  '42501', null, 'a session''s type cannot be changed (column not updatable)');

-- Admin comes from app_metadata only
select set_config('request.jwt.claims', '{"sub": "10000000-0000-4000-8000-0000000000a4", "role": "authenticated", "user_metadata": {"role": "admin"}}', true);
select is((select count(*)::int from public.users), 1, 'user_metadata.role = admin grants nothing');
select is(private.is_admin(), false, 'is_admin() ignores user_metadata');

-- Column-level write limits
select throws_ok($$insert into public.video_interactions (user_id, interaction_type, created_at) values ('10000000-0000-4000-8000-0000000000a4', 'view', now() - interval '2 days')$$,
  '42501', null, 'users cannot backdate interactions (created_at decides the trial day and partition)');
select throws_ok($$update public.users set preferences = '[]' where id = '10000000-0000-4000-8000-0000000000a4'$$,
  '23514', null, 'preferences must be a JSON object');
select lives_ok($$update public.users set username = 'sneaky_renamed' where id = '10000000-0000-4000-8000-0000000000a4'$$,
  'a user may rename themselves');
create temporary table touched on commit drop as select 0 as n;
with u as (update public.users set username = 'hijacked' where id = '10000000-0000-4000-8000-0000000000a2' returning 1)
update touched set n = (select count(*) from u);
select is((select n from touched), 0, 'updating another user''s row changes nothing (RLS hides it)');
reset role;

select * from finish();
rollback;
