-- On sign-up GoTrue inserts into auth.users; this trigger creates the matching public.users row
-- (id = auth_id = auth.users.id), with the email encrypted and its blind index, a username
-- derived from the email's local part (plus a short suffix when taken) and tier 'free'.
-- An email change in auth.users is mirrored (re-encrypted). SECURITY DEFINER because GoTrue's
-- role (supabase_auth_admin) has no rights on public; search_path is empty, every name qualified.

create or replace function private.username_base(p_email text, p_id uuid)
returns text
language sql
immutable
set search_path = ''
as $$
  -- Lower-case letters, digits, '_' and '.' of the local part, at most 30 characters; a user
  -- without email (phone / anonymous sign-in) gets 'user'.
  select coalesce(
    nullif(left(regexp_replace(lower(split_part(coalesce(p_email, ''), '@', 1)), '[^a-z0-9_.]', '', 'g'), 30), ''),
    'user')
$$;

create or replace function private.handle_auth_user_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_base      text;
  v_candidate text;
  v_attempt   integer := 0;
  v_constraint text;
begin
  if tg_op = 'UPDATE' then
    if new.email is distinct from old.email then
      update public.users u
         set email = private.encrypt_pii(new.email),
             email_hash = private.pii_blind_index(new.email)
       where u.id = new.id;
    end if;
    return new;
  end if;

  v_base := private.username_base(new.email, new.id);
  v_candidate := v_base;
  loop
    begin
      insert into public.users (id, auth_id, email, email_hash, username, user_tier)
      values (new.id, new.id, private.encrypt_pii(new.email), private.pii_blind_index(new.email),
              v_candidate, 'free');
      exit;
    exception when unique_violation then
      get stacked diagnostics v_constraint = constraint_name;
      -- Only a taken username is retried; anything else (same email twice) is a real error.
      if v_constraint is distinct from 'users_username_key' or v_attempt >= 8 then
        raise;
      end if;
      v_attempt := v_attempt + 1;
      -- Deterministic first suffixes from the user id, then random ones.
      v_candidate := v_base || '_' || case
        when v_attempt <= 2 then substr(replace(new.id::text, '-', ''), 1, 2 + 2 * v_attempt)
        else substr(md5(random()::text), 1, 8) end;
    end;
  end loop;
  return new;
end;
$$;
comment on function private.handle_auth_user_change() is
  'auth.users trigger: creates public.users on sign-up (encrypted email, derived unique username, tier free) and mirrors email changes.';

revoke execute on function private.username_base(text, uuid), private.handle_auth_user_change()
  from public, anon, authenticated, service_role;

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function private.handle_auth_user_change();

create trigger on_auth_user_email_changed
  after update of email on auth.users
  for each row execute function private.handle_auth_user_change();
