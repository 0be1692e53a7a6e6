-- Deleting an expired cached video never fails because of feedback, interaction or watch rows.
begin;
set search_path = public, extensions;
select plan(10);

insert into auth.users (id, email) values ('10000000-0000-4000-8000-000000000061', 'purge.user@example.com');
insert into public.cached_videos (id, video_id, title, expires_at) values
  ('20000000-0000-4000-8000-000000000061', 'purge000061', 'Expired video', now() - interval '1 hour'),
  ('20000000-0000-4000-8000-000000000062', 'purge000062', 'Live video', now() + interval '1 day');
insert into public.keyword_video_mappings (keyword, video_id) values ('purge-kw', '20000000-0000-4000-8000-000000000061');
insert into public.video_quality_scores (video_id, content_quality) values ('20000000-0000-4000-8000-000000000061', 0.5);
insert into public.video_interactions (user_id, video_id, interaction_type, source_keyword)
values ('10000000-0000-4000-8000-000000000061', '20000000-0000-4000-8000-000000000061', 'view', 'purge-kw');
insert into public.watch_events (user_id, video_id, event_type, video_timestamp)
values ('10000000-0000-4000-8000-000000000061', '20000000-0000-4000-8000-000000000061', 'play', 0);
insert into public.user_feedback (user_id, video_id, feedback_type, event_id)
values ('10000000-0000-4000-8000-000000000061', '20000000-0000-4000-8000-000000000061', 'report', gen_random_uuid());

select lives_ok($$select private.purge_expired_data()$$, 'the purge deletes an expired video that has feedback, interactions and watch events');
select is_empty($$select 1 from public.cached_videos where id = '20000000-0000-4000-8000-000000000061'$$, 'the expired video is gone');
select isnt_empty($$select 1 from public.cached_videos where id = '20000000-0000-4000-8000-000000000062'$$, 'a live video stays');
select is_empty($$select 1 from public.keyword_video_mappings where keyword = 'purge-kw'$$, 'its keyword mappings are removed with it');
select is_empty($$select 1 from public.video_quality_scores where video_id = '20000000-0000-4000-8000-000000000061'$$, 'its quality scores are removed with it');
select is((select video_id from public.video_interactions where user_id = '10000000-0000-4000-8000-000000000061'), null,
  'the interaction history stays, without the video');
select is((select video_id from public.watch_events where user_id = '10000000-0000-4000-8000-000000000061'), null,
  'the watch events stay, without the video');
select is((select feedback_type from public.user_feedback where user_id = '10000000-0000-4000-8000-000000000061' and video_id is null), 'report',
  'the feedback stays, without the video');
select lives_ok($$delete from public.cached_videos where id = '20000000-0000-4000-8000-000000000062'$$,
  'a direct delete by the backend works as well');
select is((select (private.purge_expired_data() ->> 'cached_videos')::int), 0, 'nothing left to purge');

select * from finish();
rollback;
