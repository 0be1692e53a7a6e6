-- Platform compatibility layer, part 1: the roles and database ownership of a Supabase project.
-- Local only: applied by `cargo xtask up/reset` as the bootstrap superuser `supabase_admin`
-- before any migration. Mirrors supabase/postgres init-scripts (see README.md, "The local stack").
\set ON_ERROR_STOP on

do $$
begin
  -- `postgres` is the migration role: powerful, but not a superuser, exactly as on Supabase,
  -- so a migration that needs superuser fails here the way it would fail there.
  if not exists (select from pg_roles where rolname = 'postgres') then
    create role postgres nosuperuser createdb createrole login replication bypassrls password 'postgres';
  end if;
  if not exists (select from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit password 'postgres';
  end if;
end
$$;

-- API roles inherit since supabase/postgres 20230529180330.
alter role anon inherit;
alter role authenticated inherit;
alter role service_role inherit;

grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres;

alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';
alter role postgres set search_path = "$user", public, extensions;

alter database postgres owner to postgres;
alter schema public owner to postgres;
grant usage on schema public to anon, authenticated, service_role;
-- Since 2026-10-30 Supabase grants nothing by default on new public tables, sequences or
-- functions: migrations must GRANT explicitly. So no ALTER DEFAULT PRIVILEGES here.
