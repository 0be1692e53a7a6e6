-- Extensions the schema relies on.
-- On Supabase pg_cron, pgcrypto and pg_net are pre-installed or installable by `postgres`; locally
-- the compatibility layer (local/compat) has already created them, so these lines are no-ops
-- there and the real thing on a hosted project. Everything lives in schema `extensions`
-- (splinter lint 0014: no extension in `public`); pg_cron is forced into pg_catalog by supautils.
create extension if not exists pg_cron;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists pg_net with schema extensions;
-- pgvector is optional: see 20250601001510_user_profiles_embedding.sql.
