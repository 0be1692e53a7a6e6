-- users_secure: users with the email decrypted, for admins and the backend only (seed 4.4.3).
-- security_invoker (splinter 0010): the caller's grants and users' RLS apply, so an admin sees
-- every row and the service role bypasses RLS; for anyone else the WHERE yields no rows and
-- private.decrypt_pii would refuse anyway.
create or replace view public.users_secure
with (security_invoker = true)
as
select u.id,
       u.username,
       private.decrypt_pii(u.email) as email,
       u.user_tier,
       u.subscription_end,
       u.created_at
from public.users u
where (select private.can_read_pii());
comment on view public.users_secure is 'Users with cleartext email; rows only for admins (JWT app_metadata.role) and service_role.';

revoke all on table public.users_secure from anon, authenticated;
grant select on table public.users_secure to authenticated, service_role;
