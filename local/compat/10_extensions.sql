-- Platform compatibility layer, part 2: extensions as Supabase pre-installs them.
-- Supabase keeps extensions in schema `extensions`; pg_cron lives in pg_catalog with tables in
-- `cron`; pg_net and supabase_vault are the project's local stand-in extensions (local/extensions/)
-- installed under their real names so `create extension if not exists …` in migrations is a no-op
-- here and does the real thing on Supabase.
\set ON_ERROR_STOP on

create schema if not exists extensions;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
alter default privileges in schema extensions grant execute on functions to postgres, anon, authenticated, service_role;

create extension if not exists pgcrypto with schema extensions;
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pg_stat_statements with schema extensions;
grant all on all functions in schema extensions to postgres, anon, authenticated, service_role;

-- pg_cron: objects in pg_catalog, tables in `cron` (supautils forces this on Supabase).
create extension if not exists pg_cron with schema pg_catalog;
grant usage on schema cron to postgres;
grant select on cron.job to postgres;
grant select, delete on cron.job_run_details to postgres;

-- Test-time extensions the Supabase CLI creates for `supabase test db` / `supabase db lint`.
create extension if not exists pgtap with schema extensions;
create extension if not exists plpgsql_check with schema extensions;

-- Local stand-ins (local/extensions/*.control), installed by `cargo xtask up`.
create extension if not exists pg_net with schema extensions;
create extension if not exists supabase_vault;
