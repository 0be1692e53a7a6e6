-- audit_logs_enhanced: who changed what in the sensitive tables (seed 4.4.4), partitioned by
-- month on created_at and kept 12 months by private.maintain_time_partitions().
-- Rows are written only by the audit trigger below (SECURITY DEFINER); admins read them
-- through the API, service_role reads and may append (e.g. event_type 'FUNCTION'); nobody
-- updates or deletes through the API.
create table if not exists public.audit_logs_enhanced (
  id                uuid not null default gen_random_uuid(),
  event_type        text not null check (event_type in ('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'FUNCTION')),
  table_name        text,
  function_name     text,
  user_id           uuid,
  user_role         text,
  session_id        text,
  query_text        text,
  query_params      jsonb,
  affected_rows     integer,
  old_data          jsonb,
  new_data          jsonb,
  changed_fields    text[],
  ip_address        inet,
  user_agent        text,
  request_id        text,
  execution_time_ms integer,
  created_at        timestamptz not null default now(),
  primary key (id, created_at)
) partition by range (created_at);
comment on table public.audit_logs_enhanced is
  'Audit trail of sensitive tables (trigger private.audit_row_change). Monthly partitions, kept 12 months.';

create index if not exists idx_audit_logs_table_time on public.audit_logs_enhanced (table_name, created_at desc);
create index if not exists idx_audit_logs_user_time on public.audit_logs_enhanced (user_id, created_at desc)
  where user_id is not null;

alter table public.audit_logs_enhanced enable row level security;

create policy audit_logs_enhanced_admin_read on public.audit_logs_enhanced
  for select to authenticated
  using ((select private.is_admin()));

revoke all on table public.audit_logs_enhanced from anon, authenticated;
grant select on table public.audit_logs_enhanced to authenticated;
grant select, insert on table public.audit_logs_enhanced to service_role;

insert into private.time_partitioned_tables (table_schema, table_name, months_ahead, retention_months)
values ('public', 'audit_logs_enhanced', 2, 12)
on conflict do nothing;
select private.maintain_time_partitions();

-- The request context PostgREST puts in GUCs: request.headers (lower-case names) and
-- request.jwt.claims. Outside a request every field is NULL.
create or replace function private.request_header(p_name text)
returns text
language sql
stable
set search_path = ''
as $$
  select nullif(current_setting('request.headers', true), '')::jsonb ->> lower(p_name)
$$;

create or replace function private.request_ip()
returns inet
language plpgsql
stable
set search_path = ''
as $$
declare
  v_raw text := btrim(split_part(coalesce(private.request_header('x-forwarded-for'),
                                          private.request_header('x-real-ip'), ''), ',', 1));
begin
  if v_raw = '' then
    return null;
  end if;
  return v_raw::inet;
exception when invalid_text_representation then
  return null;   -- a malformed header must not fail the audited statement
end;
$$;

-- Row-level audit trigger. TG_ARGV lists columns never copied into the log (ciphertext, blind
-- indexes): the log outlives key rotation and must not become a second copy of PII.
-- query_text is left NULL for row changes: statements can carry cleartext PII in literals.
create or replace function private.audit_row_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_redacted text[] := coalesce(tg_argv::text[], '{}');
  v_old      jsonb;
  v_new      jsonb;
  v_changed  text[];
  v_claims   jsonb := auth.jwt();
begin
  if tg_level = 'ROW' then
    if tg_op in ('UPDATE', 'DELETE') then
      v_old := to_jsonb(old) - v_redacted;
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
      v_new := to_jsonb(new) - v_redacted;
    end if;
    if tg_op = 'UPDATE' then
      select array_agg(k.key order by k.key) into v_changed
      from jsonb_each(to_jsonb(new)) k
      where k.value is distinct from (to_jsonb(old) -> k.key);
    end if;
  end if;

  insert into public.audit_logs_enhanced
    (event_type, table_name, user_id, user_role, session_id, affected_rows,
     old_data, new_data, changed_fields, ip_address, user_agent, request_id)
  values
    (tg_op, tg_table_schema || '.' || tg_table_name,
     auth.uid(),
     coalesce(v_claims ->> 'role', nullif(current_setting('role', true), 'none'), session_user),
     v_claims ->> 'session_id',
     case when tg_level = 'ROW' then 1 end,
     v_old, v_new, v_changed,
     private.request_ip(),
     private.request_header('user-agent'),
     coalesce(private.request_header('x-request-id'), private.request_header('sb-request-id')));
  return null;
end;
$$;
comment on function private.audit_row_change() is
  'AFTER row/TRUNCATE trigger writing audit_logs_enhanced with the acting user (JWT sub/role), request IP, user agent and request id. Arguments: columns to redact.';

revoke execute on function private.request_header(text), private.request_ip(), private.audit_row_change()
  from public, anon, authenticated, service_role;

-- The sensitive tables: identities and PII, personal profiles, explicit feedback (incl. abuse
-- reports) and the key registry.
create trigger users_audit
  after insert or update or delete on public.users
  for each row execute function private.audit_row_change('email', 'email_hash');
create trigger users_audit_truncate
  after truncate on public.users
  for each statement execute function private.audit_row_change();

create trigger user_profiles_audit
  after insert or update or delete on public.user_profiles
  for each row execute function private.audit_row_change();
create trigger user_profiles_audit_truncate
  after truncate on public.user_profiles
  for each statement execute function private.audit_row_change();

create trigger user_feedback_audit
  after insert or update or delete on public.user_feedback
  for each row execute function private.audit_row_change();
create trigger user_feedback_audit_truncate
  after truncate on public.user_feedback
  for each statement execute function private.audit_row_change();

create trigger encryption_keys_audit
  after insert or update or delete on private.encryption_keys
  for each row execute function private.audit_row_change();
