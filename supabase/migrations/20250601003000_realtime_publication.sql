-- Realtime (seed 4.3.3): trending_keywords and user_feedback are published on
-- supabase_realtime. Both tables have replica identity full (set in their own migrations), so
-- UPDATE and DELETE changes carry the old row. Guarded so that re-running never fails on a
-- table that is already a member.
do $$
declare
  v_table text;
begin
  foreach v_table in array array['trending_keywords', 'user_feedback'] loop
    if not exists (
      select 1 from pg_publication_tables
      where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = v_table
    ) then
      execute format('alter publication supabase_realtime add table public.%I', v_table);
    end if;
  end loop;
end;
$$;
