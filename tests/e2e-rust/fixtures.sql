-- Fixtures for the Rust end-to-end tests, made by `cargo xtask test` as the owner (the Rust
-- client only speaks PostgREST, which does not expose auth.users). Prints one JSON object.
with a as (
  insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data)
  values (gen_random_uuid(), 'authenticated', 'authenticated', 'rust-a-' || substr(md5(random()::text), 1, 8) || '@example.com', '{"provider":"email"}', '{}')
  returning id
), b as (
  insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data)
  values (gen_random_uuid(), 'authenticated', 'authenticated', 'rust-b-' || substr(md5(random()::text), 1, 8) || '@example.com', '{"provider":"email"}', '{}')
  returning id
), v as (
  insert into public.cached_videos (video_id, title, description, channel_id, duration_seconds)
  values ('rs-' || substr(md5(random()::text), 1, 12), '러스트 테스트 영상', 'rust e2e', 'chan-rust', 60)
  returning id
)
select json_build_object('user_a', (select id from a), 'user_b', (select id from b), 'video', (select id from v));
