-- user_profiles.embedding (ER: `vector embedding`).
-- On Supabase pgvector is available: create it in `extensions` and add a 1536-dimension column
-- (OpenAI text-embedding-3-small / ada-002 size) with an HNSW cosine index.
-- The local stack has no pgvector: the column is then skipped with a NOTICE rather than faked
-- with another type, and code must treat the column as optional. Documented in README.
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'vector') then
    execute 'create extension if not exists vector with schema extensions';
    execute 'alter table public.user_profiles add column if not exists embedding extensions.vector(1536)';
    execute 'create index if not exists idx_user_profiles_embedding on public.user_profiles
               using hnsw (embedding extensions.vector_cosine_ops)';
    execute $c$comment on column public.user_profiles.embedding is 'Profile embedding (pgvector, 1536 dimensions, cosine).'$c$;
  else
    raise notice 'pgvector is not available on this server: user_profiles.embedding not created';
  end if;
end;
$$;
