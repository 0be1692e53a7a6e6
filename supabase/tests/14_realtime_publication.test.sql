-- Realtime: supabase_realtime carries trending_keywords and user_feedback with replica identity
-- full, checked by consuming real logical decoding output:
--   * wal2json (what Supabase Realtime's Postgres Changes uses) sees the inserts and updates,
--     with the old values of updated rows;
--   * pgoutput with publication_names = supabase_realtime carries exactly the published tables.
-- Logical decoding only sees committed changes and a slot cannot be created in a transaction
-- that has written, so this file runs in autocommit mode (no begin/rollback) and removes its
-- rows and slots itself.
set search_path = public, extensions;

-- Leftovers of an interrupted earlier run
select pg_drop_replication_slot(slot_name) from pg_replication_slots
 where slot_name in ('pgtap_realtime_wal2json', 'pgtap_realtime_pgoutput');
delete from auth.users where id = '10000000-0000-4000-8000-000000000091';
delete from public.cached_videos where id = '20000000-0000-4000-8000-000000000091';
delete from public.trending_keywords where keyword = 'pgtap-realtime-kw';
delete from public.cached_channels where channel_id = 'pgtap-realtime-channel';

select plan(14);

select is(
  (select array_agg(format('%s.%s', schemaname, tablename) order by tablename collate "C")
   from pg_publication_tables where pubname = 'supabase_realtime'),
  array['public.trending_keywords', 'public.user_feedback'],
  'supabase_realtime publishes trending_keywords and user_feedback');
select ok((select pubinsert and pubupdate and pubdelete from pg_publication where pubname = 'supabase_realtime'),
  'the publication carries inserts, updates and deletes');

select lives_ok($$select pg_create_logical_replication_slot('pgtap_realtime_wal2json', 'wal2json')$$, 'a wal2json slot can be created');
select lives_ok($$select pg_create_logical_replication_slot('pgtap_realtime_pgoutput', 'pgoutput')$$, 'a pgoutput slot can be created');

-- Committed changes (each statement commits on its own)
insert into public.trending_keywords (keyword, trend_score, source) values ('pgtap-realtime-kw', 40, 'youtube');
update public.trending_keywords set trend_score = 77.5 where keyword = 'pgtap-realtime-kw';
insert into auth.users (id, email) values ('10000000-0000-4000-8000-000000000091', 'realtime.user@example.com');
insert into public.cached_videos (id, video_id, title) values ('20000000-0000-4000-8000-000000000091', 'realtime091', 'Realtime video');
insert into public.user_feedback (user_id, video_id, feedback_type, comment, event_id)
values ('10000000-0000-4000-8000-000000000091', '20000000-0000-4000-8000-000000000091', 'like', 'first', gen_random_uuid());
update public.user_feedback set comment = 'second' where user_id = '10000000-0000-4000-8000-000000000091';
insert into public.cached_channels (channel_id, channel_title) values ('pgtap-realtime-channel', 'not published');

-- wal2json, as Realtime reads it (format 2, one JSON document per change)
create temporary table wal2json_changes as
select data::jsonb as change
from pg_logical_slot_get_changes('pgtap_realtime_wal2json', null, null,
       'format-version', '2', 'include-pk', 'true', 'include-transaction', 'false',
       'add-tables', 'public.trending_keywords,public.user_feedback');

create function pg_temp.col(p_change jsonb, p_section text, p_name text) returns text language sql as $$
  select c ->> 'value' from jsonb_array_elements(p_change -> p_section) c where c ->> 'name' = p_name
$$;

select ok(exists (select 1 from wal2json_changes where change ->> 'action' = 'I' and change ->> 'table' = 'trending_keywords'
                  and pg_temp.col(change, 'columns', 'keyword') = 'pgtap-realtime-kw'),
  'wal2json sees the trending_keywords insert');
select ok(exists (select 1 from wal2json_changes where change ->> 'action' = 'U' and change ->> 'table' = 'trending_keywords'
                  and pg_temp.col(change, 'columns', 'trend_score') = '77.50'),
  'wal2json sees the trending_keywords update');
select is((select pg_temp.col(change, 'identity', 'trend_score') from wal2json_changes
           where change ->> 'action' = 'U' and change ->> 'table' = 'trending_keywords'),
  '40.00', 'the update carries the old trend_score (replica identity full)');
select ok(exists (select 1 from wal2json_changes where change ->> 'action' = 'I' and change ->> 'table' = 'user_feedback'
                  and pg_temp.col(change, 'columns', 'comment') = 'first'),
  'wal2json sees the user_feedback insert');
select is((select pg_temp.col(change, 'identity', 'comment') || ' -> ' || pg_temp.col(change, 'columns', 'comment')
           from wal2json_changes where change ->> 'action' = 'U' and change ->> 'table' = 'user_feedback'),
  'first -> second', 'the user_feedback update carries old and new values');

-- pgoutput filtered by the publication
create temporary table pgoutput_messages as
select data from pg_logical_slot_get_binary_changes('pgtap_realtime_pgoutput', null, null,
       'proto_version', '1', 'publication_names', 'supabase_realtime');

select ok(exists (select 1 from pgoutput_messages where get_byte(data, 0) = ascii('R') and position('trending_keywords'::bytea in data) > 0)
          and exists (select 1 from pgoutput_messages where get_byte(data, 0) = ascii('R') and position('user_feedback'::bytea in data) > 0),
  'pgoutput on supabase_realtime describes both published tables');
select is((select count(*)::int from pgoutput_messages where get_byte(data, 0) = ascii('I')), 2,
  'pgoutput carries the two inserts of published tables (and not auth.users, cached_videos or cached_channels)');
select is((select count(*)::int from pgoutput_messages where get_byte(data, 0) = ascii('U') and get_byte(data, 5) = ascii('O')), 2,
  'both updates carry the full old tuple (''O'')');
select ok(not exists (select 1 from pgoutput_messages where position('pgtap-realtime-channel'::bytea in data) > 0),
  'an unpublished table''s change is not sent');

-- Clean up
select pg_drop_replication_slot('pgtap_realtime_wal2json');
select pg_drop_replication_slot('pgtap_realtime_pgoutput');
delete from auth.users where id = '10000000-0000-4000-8000-000000000091';
delete from public.cached_videos where id = '20000000-0000-4000-8000-000000000091';
delete from public.trending_keywords where keyword = 'pgtap-realtime-kw';
delete from public.cached_channels where channel_id = 'pgtap-realtime-channel';
select is_empty($$select 1 from pg_replication_slots where slot_name like 'pgtap_realtime_%'$$, 'the test slots are dropped');

select * from finish();
