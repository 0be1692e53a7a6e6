-- Column-level encryption of PII (users.email) with pgcrypto, keys in Vault.
--
-- The seed kept key material in a table (`encryption_keys.key_value`). Here the table only
-- *names* keys; the material lives in Vault (vault.secrets, encrypted at rest, not readable by
-- any API role), is created at migration time from random bytes and never appears in SQL text,
-- a GUC or an API-readable table.
--
-- Ciphertext format: PGP symmetric message (AES-256), ASCII-armored so the column stays `text`
-- as in the ER diagram, with an armor header `Key-Name: pii_encryption_key_vN`. Every
-- ciphertext therefore records which key encrypted it, and rotation (a new active key) keeps
-- old ciphertext readable; private.reencrypt_user_emails() migrates rows to the active key.
--
-- Equality lookups/uniqueness on an encrypted column use a blind index: HMAC-SHA256 of the
-- normalised value under a separate Vault key (pii_blind_index_key).

create table if not exists private.encryption_keys (
  id                uuid primary key default extensions.gen_random_uuid(),
  key_name          text not null unique,
  vault_secret_name text not null unique,
  created_at        timestamptz not null default now(),
  rotated_at        timestamptz,
  is_active         boolean not null default true
);
comment on table private.encryption_keys is
  'Registry of PII encryption keys. Holds names only; the key material is the Vault secret vault_secret_name.';
-- At most one active key: encryption always uses it.
create unique index if not exists encryption_keys_one_active_idx
  on private.encryption_keys (is_active) where is_active;

-- Create the first keys once. Random material generated inside the database.
do $$
begin
  if not exists (select 1 from vault.secrets where name = 'pii_encryption_key_v1') then
    perform vault.create_secret(
      encode(extensions.gen_random_bytes(32), 'base64'),
      'pii_encryption_key_v1',
      'PII column encryption key, version 1 (pgp_sym_encrypt passphrase)');
  end if;
  if not exists (select 1 from vault.secrets where name = 'pii_blind_index_key') then
    perform vault.create_secret(
      encode(extensions.gen_random_bytes(32), 'base64'),
      'pii_blind_index_key',
      'HMAC key for blind indexes over encrypted PII (users.email_hash)');
  end if;
  insert into private.encryption_keys (key_name, vault_secret_name, is_active)
  select 'pii_encryption_key_v1', 'pii_encryption_key_v1',
         not exists (select 1 from private.encryption_keys where is_active)
  on conflict (key_name) do nothing;
end;
$$;

-- Key material by Vault name. Invoker rights, executable only by the owner: it is called from
-- the SECURITY DEFINER functions below, never by an API role.
create or replace function private.vault_secret(p_name text)
returns text
language sql
stable
set search_path = ''
as $$
  select ds.decrypted_secret from vault.decrypted_secrets ds where ds.name = p_name
$$;
revoke execute on function private.vault_secret(text) from public, anon, authenticated, service_role;

-- Who may see cleartext PII: admins (JWT app_metadata), the backend (service_role) and direct
-- database sessions that did not switch to an API role (migrations, pg_cron as postgres).
create or replace function private.can_read_pii()
returns boolean
language sql
stable
set search_path = ''
as $$
  select private.is_admin()
      or private.is_service_role()
      or (coalesce(current_setting('role', true), 'none') = 'none' and auth.jwt() is null)
$$;
revoke execute on function private.can_read_pii() from public;
grant execute on function private.can_read_pii() to authenticated, service_role;

create or replace function private.encrypt_pii(p_data text)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_key_name text;
  v_key      text;
begin
  if p_data is null then
    return null;
  end if;
  select k.key_name, private.vault_secret(k.vault_secret_name)
    into v_key_name, v_key
  from private.encryption_keys k
  where k.is_active;
  if v_key is null then
    raise exception using errcode = 'P0001', message = 'pii_key_missing',
      detail = 'No active PII encryption key is registered in private.encryption_keys, or its Vault secret is missing.';
  end if;
  return extensions.armor(
    extensions.pgp_sym_encrypt(p_data, v_key, 'cipher-algo=aes256'),
    array['Key-Name'], array[v_key_name]);
end;
$$;
comment on function private.encrypt_pii(text) is
  'Encrypts PII with the active key; returns an armored PGP message whose Key-Name header names the key.';

create or replace function private.pii_key_name(p_encrypted text)
returns text
language sql
immutable
strict
set search_path = ''
as $$
  select h.value from extensions.pgp_armor_headers(p_encrypted) h where h.key = 'Key-Name'
$$;

create or replace function private.decrypt_pii(p_encrypted text)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_key text;
begin
  if not private.can_read_pii() then
    raise exception using errcode = '42501', message = 'insufficient_privilege',
      detail = 'Decrypting PII requires an admin JWT or the service role.';
  end if;
  if p_encrypted is null then
    return null;
  end if;
  -- Any registered key, active or retired: rotation keeps old ciphertext readable.
  select private.vault_secret(k.vault_secret_name) into v_key
  from private.encryption_keys k
  where k.key_name = private.pii_key_name(p_encrypted);
  if v_key is null then
    raise exception using errcode = 'P0001', message = 'pii_key_missing',
      detail = format('The key %s named by the ciphertext is not registered or not in Vault.',
                      coalesce(private.pii_key_name(p_encrypted), '(none)'));
  end if;
  return extensions.pgp_sym_decrypt(extensions.dearmor(p_encrypted), v_key);
end;
$$;
comment on function private.decrypt_pii(text) is
  'Decrypts a value produced by private.encrypt_pii with whichever key it names. Admins and service_role only.';

create or replace function private.pii_blind_index(p_data text)
returns bytea
language sql
stable
security definer
set search_path = ''
as $$
  select case when p_data is null then null
    else extensions.hmac(lower(btrim(p_data)), private.vault_secret('pii_blind_index_key'), 'sha256') end
$$;
comment on function private.pii_blind_index(text) is
  'HMAC-SHA256 of the normalised value under the Vault key pii_blind_index_key: equality lookups and uniqueness without cleartext.';

-- Rotation: a new random key becomes active; the old one stays registered for decryption.
create or replace function private.rotate_pii_key()
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_version integer;
  v_name    text;
begin
  -- Serialise concurrent rotations.
  lock table private.encryption_keys in share row exclusive mode;
  select coalesce(max(substring(k.key_name from '_v([0-9]+)$')::integer), 0) + 1 into v_version
  from private.encryption_keys k
  where k.key_name ~ '^pii_encryption_key_v[0-9]+$';
  v_name := 'pii_encryption_key_v' || v_version;
  perform vault.create_secret(
    encode(extensions.gen_random_bytes(32), 'base64'), v_name,
    format('PII column encryption key, version %s (pgp_sym_encrypt passphrase)', v_version));
  update private.encryption_keys set is_active = false, rotated_at = now() where is_active;
  insert into private.encryption_keys (key_name, vault_secret_name, is_active) values (v_name, v_name, true);
  return v_name;
end;
$$;
comment on function private.rotate_pii_key() is
  'Creates pii_encryption_key_v<n+1> in Vault and makes it the active key. Old keys stay usable for decryption.';

revoke execute on function private.encrypt_pii(text), private.decrypt_pii(text), private.pii_key_name(text),
  private.pii_blind_index(text), private.rotate_pii_key() from public, anon, authenticated;
-- Admin dashboards read users_secure as `authenticated`; decrypt_pii checks the admin claim itself.
grant execute on function private.decrypt_pii(text), private.pii_key_name(text) to authenticated, service_role;
grant execute on function private.encrypt_pii(text), private.pii_blind_index(text), private.rotate_pii_key() to service_role;
