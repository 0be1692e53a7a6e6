-- public.users: the application's user row, one per auth.users row.
--
-- Identity: the JWT `sub` is auth.users.id. The ER keeps both users.id and users.auth_id; we
-- enforce id = auth_id (CHECK) so every child table's policy is simply
-- `user_id = (select auth.uid())`, without a join to users.
--
-- email is PII: stored only as ciphertext (private.encrypt_pii, armored PGP text naming its
-- key); uniqueness is enforced on the blind index email_hash. Cleartext is available to admins
-- and the backend through the users_secure view.
--
-- Tiers: free (default), trial, premium, pro. premium/pro need a live subscription_end for
-- premium features. Users can never change their own tier: UPDATE is granted on username and
-- preferences only.
create table if not exists public.users (
  id               uuid primary key,
  auth_id          uuid not null unique references auth.users (id) on delete cascade,
  email            text,
  email_hash       bytea unique,
  username         text not null unique
                   check (char_length(username) between 1 and 50 and username !~ '[[:cntrl:]]'),
  user_tier        text not null default 'free'
                   check (user_tier in ('free', 'trial', 'premium', 'pro')),
  subscription_end timestamptz,
  preferences      jsonb not null default '{}'::jsonb check (jsonb_typeof(preferences) = 'object'),
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  constraint users_id_is_auth_id check (id = auth_id)
);
comment on table public.users is 'Application users; id = auth_id = auth.users.id = JWT sub.';
comment on column public.users.email is 'PII ciphertext: armored pgp_sym_encrypt output with a Key-Name header (see private.encrypt_pii).';
comment on column public.users.email_hash is 'Blind index: HMAC-SHA256(lower(email)) under Vault key pii_blind_index_key; enforces email uniqueness.';
comment on column public.users.subscription_end is 'premium/pro features require subscription_end > now().';

create trigger users_set_updated_at
  before update on public.users
  for each row execute function private.set_updated_at();

alter table public.users enable row level security;

-- A user reads their own row; admins read every row.
create policy users_select_own_or_admin on public.users
  for select to authenticated
  using (id = (select auth.uid()) or (select private.is_admin()));

-- A user updates only their own row (and, by the column grant below, only username/preferences).
create policy users_update_own on public.users
  for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));

-- Rows are created by the sign-up trigger on auth.users, so no INSERT/DELETE for API users.
revoke all on table public.users from anon, authenticated;
grant select on table public.users to authenticated;
grant update (username, preferences) on table public.users to authenticated;
grant select, insert, update, delete on table public.users to service_role;
