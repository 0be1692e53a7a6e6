-- Sign-up trigger, PII encryption under Vault keys, key rotation, users_secure, tier protection.
begin;
set search_path = public, extensions;
select plan(27);

insert into auth.users (id, email) values
  ('10000000-0000-4000-8000-000000000011', 'Hong.Gildong@Example.com'),
  ('10000000-0000-4000-8000-000000000012', 'hong.gildong@example.org'),
  ('10000000-0000-4000-8000-000000000013', 'hong.gildong@example.net'),
  ('10000000-0000-4000-8000-000000000014', null);

-- The sign-up trigger -----------------------------------------------------------------------
select is((select count(*)::int from public.users where id in ('10000000-0000-4000-8000-000000000011', '10000000-0000-4000-8000-000000000012',
                                                          '10000000-0000-4000-8000-000000000013', '10000000-0000-4000-8000-000000000014')),
  4, 'every auth.users insert creates a public.users row');
select is((select auth_id from public.users where id = '10000000-0000-4000-8000-000000000011'),
  '10000000-0000-4000-8000-000000000011'::uuid, 'users.auth_id = users.id = auth.users.id');
select is((select user_tier from public.users where id = '10000000-0000-4000-8000-000000000011'), 'free', 'new users are on the free tier');
select is((select username from public.users where id = '10000000-0000-4000-8000-000000000011'), 'hong.gildong', 'username is the email local part, lower-cased');
select is((select username from public.users where id = '10000000-0000-4000-8000-000000000012'), 'hong.gildong_1000', 'a taken username gets a suffix');
select ok((select username from public.users where id = '10000000-0000-4000-8000-000000000013') ~ '^hong\.gildong_.+$'
          and (select count(distinct username) from public.users where username like 'hong.gildong%') = 3,
  'a third user with the same local part still gets a unique username');
select matches((select username from public.users where id = '10000000-0000-4000-8000-000000000014'), '^user(_[0-9a-f]+)?$', 'a user without email gets a placeholder username');
select throws_ok($$update public.users set auth_id = '10000000-0000-4000-8000-000000000012' where id = '10000000-0000-4000-8000-000000000011'$$,
  null, null, 'id and auth_id cannot diverge');

-- Encryption ------------------------------------------------------------------------------------
select ok((select email from public.users where id = '10000000-0000-4000-8000-000000000011') not ilike '%gildong%',
  'the stored email is not cleartext');
select is((select private.pii_key_name(email) from public.users where id = '10000000-0000-4000-8000-000000000011'),
  'pii_encryption_key_v1', 'the ciphertext records the key that encrypted it');
select is((select private.decrypt_pii(email) from public.users where id = '10000000-0000-4000-8000-000000000011'),
  'Hong.Gildong@Example.com', 'a direct database session (migrations, cron) can decrypt');
select is((select email from public.users where id = '10000000-0000-4000-8000-000000000014'), null, 'no email, no ciphertext');
select throws_ok($$insert into auth.users (id, email) values ('10000000-0000-4000-8000-000000000015', 'HONG.GILDONG@example.com ')$$,
  '23505', null, 'emails are unique case-insensitively through the blind index');
select is_empty($$select 1 from private.encryption_keys k where to_jsonb(k) ? 'key_value'$$,
  'the key registry holds no key material');
select ok(exists (select 1 from vault.secrets where name = 'pii_encryption_key_v1')
          and exists (select 1 from vault.secrets where name = 'pii_blind_index_key'),
  'the keys live in Vault');
select ok(not has_table_privilege('authenticated', 'private.encryption_keys', 'select')
          and not has_table_privilege('service_role', 'private.encryption_keys', 'select')
          and not has_schema_privilege('authenticated', 'vault', 'usage'),
  'no API role can read the key registry or Vault');

-- Email change is mirrored
update auth.users set email = 'gildong.new@example.com' where id = '10000000-0000-4000-8000-000000000013';
select is((select private.decrypt_pii(email) from public.users where id = '10000000-0000-4000-8000-000000000013'),
  'gildong.new@example.com', 'an email change in auth.users is re-encrypted into public.users');

-- Key rotation keeps old ciphertext readable
select is(private.rotate_pii_key(), 'pii_encryption_key_v2', 'rotation creates the next key version');
insert into auth.users (id, email) values ('10000000-0000-4000-8000-000000000016', 'after.rotation@example.com');
select is((select private.pii_key_name(email) from public.users where id = '10000000-0000-4000-8000-000000000016'),
  'pii_encryption_key_v2', 'new ciphertext uses the new key');
select is((select private.decrypt_pii(email) from public.users where id = '10000000-0000-4000-8000-000000000011'),
  'Hong.Gildong@Example.com', 'ciphertext of the old key is still readable after rotation');
select is((select count(*)::int from private.encryption_keys where is_active), 1, 'exactly one key is active');

-- users_secure and decrypt_pii by persona ---------------------------------------------------------
set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "10000000-0000-4000-8000-000000000011", "role": "authenticated"}', true);
select is_empty($$select * from public.users_secure$$, 'a regular user sees no rows in users_secure');
select throws_ok($$select private.decrypt_pii(email) from public.users$$, '42501', 'insufficient_privilege',
  'a regular user cannot decrypt, not even their own row');
select throws_ok($$update public.users set user_tier = 'pro' where id = '10000000-0000-4000-8000-000000000011'$$,
  '42501', null, 'a user cannot change their own tier');
select throws_ok($$update public.users set subscription_end = now() + interval '1 year' where id = '10000000-0000-4000-8000-000000000011'$$,
  '42501', null, 'a user cannot extend their own subscription');
select set_config('request.jwt.claims', '{"sub": "10000000-0000-4000-8000-000000000012", "role": "authenticated", "app_metadata": {"role": "admin"}}', true);
select is((select email from public.users_secure where id = '10000000-0000-4000-8000-000000000011'), 'Hong.Gildong@Example.com',
  'an admin reads decrypted emails through users_secure');
reset role;
set local role service_role;
select set_config('request.jwt.claims', '{"role": "service_role"}', true);
select is((select email from public.users_secure where id = '10000000-0000-4000-8000-000000000016'), 'after.rotation@example.com',
  'service_role reads decrypted emails through users_secure');
reset role;

select * from finish();
rollback;
