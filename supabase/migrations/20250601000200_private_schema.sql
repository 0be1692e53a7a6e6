-- Schema `private`: helpers, bookkeeping tables and maintenance functions that must never be
-- reachable through the Data API. Only `public` is exposed (config.toml [api] schemas), so
-- nothing here becomes an endpoint; the API roles get USAGE so that RLS policies and views
-- may call the few helpers explicitly granted to them below and in later migrations.
create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to anon, authenticated, service_role;

-- PostgreSQL grants EXECUTE on every new function to PUBLIC. In `private` nothing is callable
-- unless a migration grants it function by function.
alter default privileges in schema private revoke execute on functions from public;
alter default privileges in schema private revoke all on tables from public;
alter default privileges in schema private revoke all on sequences from public;

-- Generic `updated_at` maintenance for every table that has the column.
create or replace function private.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;
revoke execute on function private.set_updated_at() from public, anon, authenticated;

-- Admin = a claim in the JWT's app_metadata, which only the service role / GoTrue admin API can
-- set. (user_metadata is user-editable and must never grant anything: splinter lint 0015.)
create or replace function private.is_admin()
returns boolean
language sql
stable
set search_path = ''
as $$
  select coalesce((auth.jwt() -> 'app_metadata' ->> 'role') = 'admin', false)
$$;
comment on function private.is_admin() is
  'True when the request JWT carries app_metadata.role = admin. Use as (select private.is_admin()) in policies.';

-- The backend: PostgREST switched to service_role (or a direct session that did SET ROLE
-- service_role). Reads the `role` GUC rather than current_user so that it also answers correctly
-- when called from inside a SECURITY DEFINER function.
create or replace function private.is_service_role()
returns boolean
language sql
stable
set search_path = ''
as $$
  select current_setting('role', true) = 'service_role'
      or coalesce(auth.jwt() ->> 'role', '') = 'service_role'
$$;

revoke execute on function private.is_admin(), private.is_service_role() from public;
grant execute on function private.is_admin(), private.is_service_role() to anon, authenticated, service_role;
