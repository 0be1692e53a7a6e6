-- Inserts into user_feedback are audited once per statement (through its transition table),
-- still one audit row per inserted row with the same columns as the row-level trigger writes.
-- Why: the row-level trigger re-read the JWT claims and the request headers for every row
-- (auth.jwt(), auth.uid() and three request-header lookups: five JSON parses per row), ~0.2 ms
-- a row — 85 % of the database time of a 100-event feedback batch and the cap on ingestion
-- throughput (BENCHMARKS.md, P1). Per statement, the request context is read once.
-- Updates and deletes (rare; they need old values and changed fields) stay row-level.

create or replace function private.audit_inserted_rows()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_redacted text[] := coalesce(tg_argv::text[], '{}');
  v_claims   jsonb := auth.jwt();
  v_user     uuid := auth.uid();
  v_role     text := coalesce(v_claims ->> 'role', nullif(current_setting('role', true), 'none'), session_user);
  v_ip       inet := private.request_ip();
  v_agent    text := private.request_header('user-agent');
  v_request  text := coalesce(private.request_header('x-request-id'), private.request_header('sb-request-id'));
begin
  insert into public.audit_logs_enhanced
    (event_type, table_name, user_id, user_role, session_id, affected_rows,
     old_data, new_data, changed_fields, ip_address, user_agent, request_id)
  select tg_op, tg_table_schema || '.' || tg_table_name, v_user, v_role, v_claims ->> 'session_id', 1,
         null, to_jsonb(n) - v_redacted, null, v_ip, v_agent, v_request
  from new_rows n;
  return null;
end;
$$;
revoke execute on function private.audit_inserted_rows() from public, anon, authenticated, service_role;

drop trigger if exists user_feedback_audit on public.user_feedback;
create trigger user_feedback_audit
  after update or delete on public.user_feedback
  for each row execute function private.audit_row_change();
create trigger user_feedback_audit_insert
  after insert on public.user_feedback
  referencing new table as new_rows
  for each statement execute function private.audit_inserted_rows();
