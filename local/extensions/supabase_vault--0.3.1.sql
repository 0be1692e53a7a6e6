-- Local stand-in for supabase/vault 0.3 (supabase/vault:sql/supabase_vault--0.3.0.sql): same
-- table, view and function names and columns. Secrets are encrypted with pgcrypto under a random
-- root key kept in a table only the superuser can read (Supabase keeps its root key outside SQL).
-- Nothing here is granted to anon/authenticated/service_role: API roles cannot read secrets.

create table vault._root_key (
  only_row boolean primary key default true check (only_row),
  key text not null
);
insert into vault._root_key (key) values (encode(extensions.gen_random_bytes(32), 'base64'));
revoke all on vault._root_key from public;

create table vault.secrets (
  id uuid primary key default extensions.gen_random_uuid(),
  name text,
  description text not null default '',
  secret text not null,
  key_id uuid,
  nonce bytea default extensions.gen_random_bytes(16),
  created_at timestamptz not null default current_timestamp,
  updated_at timestamptz not null default current_timestamp
);
create unique index secrets_name_idx on vault.secrets (name) where name is not null;

create function vault._crypto_encrypt(plain text) returns text
  language sql volatile security definer
  set search_path = ''
as $$ select encode(extensions.pgp_sym_encrypt(plain, (select key from vault._root_key)), 'base64') $$;

create function vault._crypto_decrypt(cipher text) returns text
  language sql stable security definer
  set search_path = ''
as $$ select extensions.pgp_sym_decrypt(decode(cipher, 'base64'), (select key from vault._root_key)) $$;

revoke all on function vault._crypto_encrypt(text), vault._crypto_decrypt(text) from public;

create view vault.decrypted_secrets as
select s.id, s.name, s.description, s.secret,
       vault._crypto_decrypt(s.secret) as decrypted_secret,
       s.key_id, s.nonce, s.created_at, s.updated_at
from vault.secrets s;

create function vault.create_secret(
  new_secret text,
  new_name text = null,
  new_description text = '',
  new_key_id uuid = null
) returns uuid
  language plpgsql volatile security definer
  set search_path = ''
as $$
declare
  rec record;
begin
  insert into vault.secrets (secret, name, description, key_id)
  values (vault._crypto_encrypt(new_secret), new_name, coalesce(new_description, ''), new_key_id)
  returning * into rec;
  return rec.id;
end
$$;

create function vault.update_secret(
  secret_id uuid,
  new_secret text = null,
  new_name text = null,
  new_description text = null,
  new_key_id uuid = null
) returns void
  language plpgsql volatile security definer
  set search_path = ''
as $$
begin
  update vault.secrets s
  set secret = coalesce(vault._crypto_encrypt(new_secret), s.secret),
      name = coalesce(new_name, s.name),
      description = coalesce(new_description, s.description),
      key_id = coalesce(new_key_id, s.key_id),
      updated_at = now()
  where s.id = secret_id;
end
$$;

revoke all on all tables in schema vault from public;
revoke all on all functions in schema vault from public;
grant usage on schema vault to postgres;
-- Views check function EXECUTE as the querying role, so the reader of the view needs it too.
grant execute on function vault._crypto_decrypt(text) to postgres;
grant select on vault.secrets, vault.decrypted_secrets to postgres;
grant execute on function vault.create_secret(text, text, text, uuid), vault.update_secret(uuid, text, text, text, uuid) to postgres;
