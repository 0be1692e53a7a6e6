-- Audit trail, sensitive-operation notifications and updated_at triggers.
begin;
set search_path = public, extensions;
select plan(23);

insert into auth.users (id, email) values
  ('10000000-0000-4000-8000-000000000071', 'audit.user@example.com'),
  ('10000000-0000-4000-8000-000000000072', 'audit.admin@example.com');
insert into public.cached_videos (id, video_id, title) values ('20000000-0000-4000-8000-000000000071', 'audit000071', 'Audit video');

-- Triggers are attached where the design says ------------------------------------------------
select has_trigger('public', t, g, format('%s has trigger %s', t, g))
from (values
  ('users', 'users_audit'), ('users', 'users_audit_truncate'), ('users', 'users_notify_sensitive'), ('users', 'users_notify_truncate'),
  ('user_profiles', 'user_profiles_audit'), ('user_profiles', 'user_profiles_notify_sensitive'),
  ('user_feedback', 'user_feedback_audit'), ('user_feedback', 'user_feedback_notify_sensitive'),
  ('video_interactions', 'video_interactions_trial_daily_limit')
) x(t, g);
select has_trigger('private', 'encryption_keys', 'encryption_keys_audit', 'the key registry is audited');
select has_trigger('auth', 'users', 'on_auth_user_created', 'auth.users has the sign-up trigger');

-- The sign-up was audited without the encrypted email ---------------------------------------
select ok((select new_data ? 'username' and not (new_data ? 'email') and not (new_data ? 'email_hash')
           from public.audit_logs_enhanced where event_type = 'INSERT' and table_name = 'public.users'
             and new_data ->> 'id' = '10000000-0000-4000-8000-000000000071'),
  'user creation is audited, with email ciphertext and blind index redacted');

-- An update through the API records the acting user, role, request context and changed fields
set local role authenticated;
select set_config('request.jwt.claims',
  '{"sub": "10000000-0000-4000-8000-000000000071", "role": "authenticated", "session_id": "sess-123"}', true);
select set_config('request.headers',
  '{"x-forwarded-for": "203.0.113.7, 10.0.0.1", "user-agent": "ShortsApp/1.4 (iOS)", "x-request-id": "req-abc"}', true);
update public.users set preferences = '{"language": "ko"}' where id = '10000000-0000-4000-8000-000000000071';
insert into public.user_feedback (user_id, video_id, feedback_type, event_id)
values ('10000000-0000-4000-8000-000000000071', '20000000-0000-4000-8000-000000000071', 'report', gen_random_uuid());
delete from public.user_feedback where user_id = '10000000-0000-4000-8000-000000000071';
select set_config('request.headers', '{"x-forwarded-for": "not-an-ip"}', true);
select lives_ok($$update public.users set preferences = '{}' where id = '10000000-0000-4000-8000-000000000071'$$,
  'a malformed client IP header does not fail the audited statement');
select set_config('request.headers', '', true);
reset role;

select results_eq(
  $$select user_id, user_role, session_id, host(ip_address), user_agent, request_id, changed_fields
    from public.audit_logs_enhanced
    where table_name = 'public.users' and event_type = 'UPDATE' and user_id = '10000000-0000-4000-8000-000000000071'
      and new_data -> 'preferences' = '{"language": "ko"}'::jsonb$$,
  $$values ('10000000-0000-4000-8000-000000000071'::uuid, 'authenticated', 'sess-123', '203.0.113.7', 'ShortsApp/1.4 (iOS)', 'req-abc',
            array['preferences'])$$,
  'the audit row records the acting user, role, session, client IP, user agent, request id and changed fields');
select ok((select old_data -> 'preferences' = '{}'::jsonb and new_data -> 'preferences' = '{"language": "ko"}'::jsonb
           from public.audit_logs_enhanced
           where table_name = 'public.users' and event_type = 'UPDATE' and user_id = '10000000-0000-4000-8000-000000000071'
             and request_id = 'req-abc'),
  'old and new values are recorded');
select is((select ip_address from public.audit_logs_enhanced
           where table_name = 'public.users' and event_type = 'UPDATE' and user_id = '10000000-0000-4000-8000-000000000071'
             and request_id is null and new_data -> 'preferences' = '{}'::jsonb), null,
  'a malformed IP is recorded as NULL');
select is((select count(*)::int from public.audit_logs_enhanced
           where table_name = 'public.user_feedback' and user_id = '10000000-0000-4000-8000-000000000071'), 2,
  'feedback insert and delete are audited');
select is((select old_data ->> 'feedback_type' from public.audit_logs_enhanced
           where table_name = 'public.user_feedback' and event_type = 'DELETE' and user_id = '10000000-0000-4000-8000-000000000071'),
  'report', 'a delete keeps the deleted row');

-- TRUNCATE is audited too
truncate public.user_profiles;
select isnt_empty($$select 1 from public.audit_logs_enhanced where table_name = 'public.user_profiles' and event_type = 'TRUNCATE'$$,
  'TRUNCATE is audited');

-- Key rotation is audited
select private.rotate_pii_key();
select isnt_empty($$select 1 from public.audit_logs_enhanced where table_name = 'private.encryption_keys' and event_type = 'INSERT'$$,
  'a key rotation is audited');

-- Notifications: the trigger function runs without error for every case (delivery happens on commit)
select lives_ok($$delete from public.users where id = '10000000-0000-4000-8000-000000000072'$$,
  'deleting a user (audited + pg_notify) works');
select ok(pg_get_functiondef('private.notify_sensitive_operation()'::regprocedure) like '%pg_notify(''sensitive_operation''%',
  'sensitive operations are announced on channel sensitive_operation');

-- updated_at is maintained
update public.cached_videos set updated_at = '2020-01-01' where id = '20000000-0000-4000-8000-000000000071';
select is((select updated_at from public.cached_videos where id = '20000000-0000-4000-8000-000000000071'), now(),
  'updated_at is set by the trigger on every update');

select * from finish();
rollback;
