-- Helpers the RLS policies use to recognise the seed's app_* personas on Supabase's roles:
--   app_anonymous     -> role anon
--   app_authenticated -> role authenticated (users.user_tier free or trial)
--   app_premium       -> authenticated + user_tier premium/pro + subscription_end > now()
--   app_admin         -> authenticated + JWT app_metadata.role = 'admin' (private.is_admin)
--   app_service       -> role service_role (bypasses RLS)
-- SECURITY DEFINER so the lookup of the caller's own users row does not depend on the caller's
-- grants or RLS (and cannot recurse into users' policies); fixed empty search_path.

create or replace function private.current_user_tier()
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select u.user_tier from public.users u where u.id = auth.uid()
$$;

create or replace function private.has_active_premium()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.users u
    where u.id = auth.uid()
      and u.user_tier in ('premium', 'pro')
      and u.subscription_end > now())
$$;
comment on function private.has_active_premium() is
  'True when the caller is premium/pro with subscription_end in the future (the seed''s app_premium).';

-- Premium analytics (keyword_effectiveness, keyword_performance_cache, trend_predictions,
-- category_trend_summary): premium users, admins and the backend.
create or replace function private.can_read_premium_analytics()
returns boolean
language sql
stable
set search_path = ''
as $$
  select private.is_admin() or private.is_service_role() or private.has_active_premium()
$$;

revoke execute on function private.current_user_tier(), private.has_active_premium(),
  private.can_read_premium_analytics() from public, anon;
grant execute on function private.current_user_tier(), private.has_active_premium(),
  private.can_read_premium_analytics() to authenticated, service_role;
