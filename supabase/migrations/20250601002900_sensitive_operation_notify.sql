-- Real-time alert on sensitive operations (seed 4.4.4 notify_sensitive_operation): DELETE and
-- TRUNCATE on the sensitive tables, and any UPDATE of users (or of the key registry, i.e. a key
-- rotation), are announced on channel
-- `sensitive_operation` with pg_notify (delivered on commit, dropped on rollback).
-- The payload names the operation, table, acting user (JWT sub / role) and time - never row
-- data, since any session may LISTEN.
create or replace function private.notify_sensitive_operation()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op in ('DELETE', 'TRUNCATE') or (tg_op = 'UPDATE' and tg_table_name in ('users', 'encryption_keys')) then
    perform pg_notify('sensitive_operation', json_build_object(
      'operation', tg_op,
      'table', tg_table_schema || '.' || tg_table_name,
      'user_id', auth.uid(),
      'role', coalesce(auth.jwt() ->> 'role', current_user),
      'time', now())::text);
  end if;
  return null;
end;
$$;
revoke execute on function private.notify_sensitive_operation() from public, anon, authenticated, service_role;

create trigger users_notify_sensitive
  after update or delete on public.users
  for each row execute function private.notify_sensitive_operation();
create trigger users_notify_truncate
  after truncate on public.users
  for each statement execute function private.notify_sensitive_operation();

create trigger user_profiles_notify_sensitive
  after delete on public.user_profiles
  for each row execute function private.notify_sensitive_operation();
create trigger user_profiles_notify_truncate
  after truncate on public.user_profiles
  for each statement execute function private.notify_sensitive_operation();

create trigger user_feedback_notify_sensitive
  after delete on public.user_feedback
  for each row execute function private.notify_sensitive_operation();
create trigger user_feedback_notify_truncate
  after truncate on public.user_feedback
  for each statement execute function private.notify_sensitive_operation();

create trigger encryption_keys_notify_sensitive
  after update or delete on private.encryption_keys
  for each row execute function private.notify_sensitive_operation();
