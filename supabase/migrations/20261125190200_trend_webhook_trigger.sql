-- The trending_keywords → trend-update webhook (replaces the spec's per-row
-- notify_trend_update trigger; see supabase/README.md "Deviations").
--   * fires once per statement, only for rows whose trend_score, source or validity changed;
--   * appends the score history and one outbox row per changed keyword;
--   * sends the outbox ids in chunks of 200 per request (an UPDATE of 10,000 rows queues 50
--     requests, not 10,000; pg_net sends ~200–400 requests/s);
--   * reads the function URL and the signing secret from Vault (never a GUC or a table the
--     API can read) and signs Standard-Webhooks style: webhook-id, webhook-timestamp,
--     webhook-signature = v1,base64(HMAC-SHA256(secret, id.timestamp.body));
--   * never fails or blocks the writer: a missing secret or a pg_net error is recorded on the
--     outbox rows and the reconciler (next migration) retries.

create extension if not exists pg_net with schema extensions;
create extension if not exists pgcrypto with schema extensions;

-- Sends the given outbox rows (chunked, signed). Returns how many requests were queued.
create or replace function private.send_trend_deliveries(p_outbox_ids bigint[])
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  chunk_size constant integer := 200;
  v_url text;
  v_secret text;
  v_key bytea;
  v_chunk bigint[];
  v_delivery uuid;
  v_timestamp bigint;
  v_body jsonb;
  v_queued integer := 0;
begin
  if p_outbox_ids is null or cardinality(p_outbox_ids) = 0 then
    return 0;
  end if;

  select decrypted_secret into v_url from vault.decrypted_secrets where name = 'trend_update_url';
  select decrypted_secret into v_secret from vault.decrypted_secrets where name = 'trend_webhook_secret';
  if v_url is null or v_secret is null then
    update private.trend_outbox
    set last_error = 'Vault secret trend_update_url or trend_webhook_secret is missing; create it with vault.create_secret'
    where id = any (p_outbox_ids);
    return 0;
  end if;
  -- Standard Webhooks secrets are whsec_<base64>; anything else is used as raw bytes.
  v_key := case when v_secret like 'whsec\_%' then decode(substr(v_secret, 7), 'base64') else convert_to(v_secret, 'UTF8') end;

  for v_chunk in
    select array_agg(id order by id)
    from (select id, (row_number() over (order by id) - 1) / chunk_size as chunk_no
          from unnest(p_outbox_ids) as t(id)) numbered
    group by chunk_no
    order by chunk_no
  loop
    v_delivery := gen_random_uuid();
    -- clock_timestamp, not now(): a long transaction must not sign with its start time.
    v_timestamp := floor(extract(epoch from clock_timestamp()))::bigint;
    v_body := jsonb_build_object('delivery_id', v_delivery, 'outbox_ids', to_jsonb(v_chunk), 'sent_at', clock_timestamp());
    begin
      perform net.http_post(
        url := v_url,
        -- pg_net sends exactly body::text, so that is what is signed.
        body := v_body,
        headers := jsonb_build_object(
          'Content-Type', 'application/json',
          'webhook-id', v_delivery::text,
          'webhook-timestamp', v_timestamp::text,
          'webhook-signature', 'v1,' || encode(extensions.hmac(
            convert_to(v_delivery::text || '.' || v_timestamp::text || '.' || v_body::text, 'UTF8'), v_key, 'sha256'), 'base64')),
        timeout_milliseconds := 30000
      );
      update private.trend_outbox
      set delivery_id = v_delivery, attempts = attempts + 1, last_sent_at = now(), last_error = null
      where id = any (v_chunk);
      v_queued := v_queued + 1;
    exception when others then
      update private.trend_outbox set last_error = 'net.http_post failed: ' || sqlerrm where id = any (v_chunk);
    end;
  end loop;
  return v_queued;
end;
$$;
revoke all on function private.send_trend_deliveries(bigint[]) from public, anon, authenticated, service_role;

-- Records changed keywords (history + outbox) and sends them. Shared by the two trigger
-- functions below, which only decide what changed.
create or replace function private.record_trend_changes(p_keywords text[], p_scores numeric[])
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_ids bigint[];
begin
  insert into private.trend_score_history (keyword, score)
  select c.keyword, c.score from unnest(p_keywords, p_scores) as c(keyword, score) where c.score is not null;

  with outbox as (
    insert into private.trend_outbox (keyword)
    select c.keyword from unnest(p_keywords) as c(keyword)
    returning id
  )
  select array_agg(id) into v_ids from outbox;

  perform private.send_trend_deliveries(v_ids);
end;
$$;
revoke all on function private.record_trend_changes(text[], numeric[]) from public, anon, authenticated, service_role;

-- AFTER INSERT, per statement: every new row matters.
create or replace function private.trending_keywords_inserted()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.record_trend_changes(
    array(select n.keyword::text from new_rows n order by n.keyword),
    array(select n.trend_score from new_rows n order by n.keyword));
  return null;
end;
$$;

-- AFTER UPDATE, per statement: only rows whose score, source, validity or keyword changed
-- (a no-op UPDATE sends nothing).
create or replace function private.trending_keywords_updated()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.record_trend_changes(
    array(select n.keyword::text from new_rows n join old_rows o on o.id = n.id
          where (n.trend_score, n.source, n.valid_from, n.valid_until, n.keyword)
                is distinct from (o.trend_score, o.source, o.valid_from, o.valid_until, o.keyword)
          order by n.keyword),
    array(select n.trend_score from new_rows n join old_rows o on o.id = n.id
          where (n.trend_score, n.source, n.valid_from, n.valid_until, n.keyword)
                is distinct from (o.trend_score, o.source, o.valid_from, o.valid_until, o.keyword)
          order by n.keyword));
  return null;
end;
$$;
revoke all on function private.trending_keywords_inserted(), private.trending_keywords_updated()
  from public, anon, authenticated, service_role;

-- Transition tables allow one event per trigger, hence two triggers on one function.
drop trigger if exists trend_update_on_insert on public.trending_keywords;
create trigger trend_update_on_insert
  after insert on public.trending_keywords
  referencing new table as new_rows
  for each statement execute function private.trending_keywords_inserted();

drop trigger if exists trend_update_on_update on public.trending_keywords;
create trigger trend_update_on_update
  after update on public.trending_keywords
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.trending_keywords_updated();
