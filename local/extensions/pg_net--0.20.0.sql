-- Local stand-in for pg_net 0.20 (supabase/pg_net:sql/pg_net.sql): same schema, tables, types,
-- function signatures and defaults. Semantics reproduced:
--   * a request is a row in the UNLOGGED queue, inserted in the caller's transaction;
--   * the worker is woken by NOTIFY, which PostgreSQL delivers only on COMMIT, so nothing is sent
--     for a rolled-back transaction (pg_net uses a transaction callback to the same effect);
--   * the worker deletes rows before sending (at-most-once) and writes one `_http_response` row per
--     request; responses older than `pg_net.ttl` (default 6 hours) are deleted.
-- Delivery itself is done by local/pg_net_worker.ts, started by `cargo xtask up`.

create schema if not exists net;

create domain net.http_method as text
  check (value ilike 'get' or value ilike 'post' or value ilike 'delete');

create unlogged table net.http_request_queue (
  id bigserial,
  method net.http_method not null,
  url text not null,
  headers jsonb,
  body bytea,
  timeout_milliseconds int not null
);
create index http_request_queue_id_idx on net.http_request_queue (id);

create unlogged table net._http_response (
  id bigint,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out bool,
  error_msg text,
  created timestamptz not null default now()
);
create index _http_response_created_idx on net._http_response (created);
create index _http_response_id_idx on net._http_response (id);

-- RFC 3986 unreserved characters pass through; everything else is %XX of its UTF-8 bytes.
create function net._urlencode_string(string varchar)
  returns text language sql immutable strict
  set search_path = ''
as $$
  select coalesce(string_agg(
    case when b between 48 and 57 or b between 65 and 90 or b between 97 and 122 or b in (45, 46, 95, 126)
         then chr(b) else '%' || upper(lpad(to_hex(b), 2, '0')) end, '' order by i), '')
  from (select get_byte(convert_to(string, 'UTF8'), i) as b, i
        from generate_series(0, octet_length(convert_to(string, 'UTF8')) - 1) as i) bytes
$$;

create function net._encode_url_with_params_array(url text, params_array text[])
  returns text language sql immutable strict
  set search_path = ''
as $$
  select case when cardinality(params_array) = 0 then url
              else url || case when position('?' in url) > 0 then '&' else '?' end || array_to_string(params_array, '&') end
$$;

create function net._params_array(params jsonb)
  returns text[] language sql immutable
  set search_path = ''
as $$
  select coalesce(array_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value)), '{}')
  from jsonb_each_text(coalesce(params, '{}'::jsonb))
$$;

-- Signals the worker; delivered at COMMIT, discarded on ROLLBACK.
create function net.wake() returns void language sql volatile
  set search_path = ''
as $$ select pg_notify('pg_net_wake', '') $$;

create function net.http_get(
  url text,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb,
  timeout_milliseconds int default 5000
) returns bigint
  language plpgsql volatile parallel safe strict
  set search_path = ''
as $$
declare
  request_id bigint;
begin
  insert into net.http_request_queue (method, url, headers, timeout_milliseconds)
  values ('GET', net._encode_url_with_params_array(url, net._params_array(params)), headers, timeout_milliseconds)
  returning id into request_id;
  perform net.wake();
  return request_id;
end
$$;

create function net.http_post(
  url text,
  body jsonb default '{}'::jsonb,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds int default 5000
) returns bigint
  language plpgsql volatile parallel safe
  set search_path = ''
as $$
declare
  request_id bigint;
  content_type text;
begin
  select header_value into content_type
  from jsonb_each_text(coalesce(headers, '{}'::jsonb)) r(header_name, header_value)
  where lower(header_name) = 'content-type'
  limit 1;

  if content_type is null then
    headers := coalesce(headers, '{}'::jsonb) || '{"Content-Type": "application/json"}'::jsonb;
  elsif content_type <> 'application/json' then
    raise exception 'Content-Type header must be "application/json"';
  end if;

  if body is null then
    raise exception 'body must not be null';
  end if;

  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('POST', net._encode_url_with_params_array(url, net._params_array(params)), headers,
          convert_to(body::text, 'UTF8'), timeout_milliseconds)
  returning id into request_id;
  perform net.wake();
  return request_id;
end
$$;

create function net.http_delete(
  url text,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb,
  timeout_milliseconds int default 5000,
  body jsonb default null
) returns bigint
  language plpgsql volatile parallel safe
  set search_path = ''
as $$
declare
  request_id bigint;
begin
  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('DELETE', net._encode_url_with_params_array(url, net._params_array(params)), headers,
          case when body is null then null else convert_to(body::text, 'UTF8') end, timeout_milliseconds)
  returning id into request_id;
  perform net.wake();
  return request_id;
end
$$;

-- The worker marks itself with this application_name (pg_net's backend_type is 'pg_net worker').
create function net.check_worker_is_up() returns boolean language sql stable
  set search_path = ''
as $$ select exists (select from pg_catalog.pg_stat_activity where application_name = 'pg_net worker') $$;

create function net.wait_until_running() returns void language plpgsql volatile
  set search_path = ''
as $$
begin
  for i in 1..200 loop
    if net.check_worker_is_up() then return; end if;
    perform pg_sleep(0.05);
  end loop;
  raise exception 'the pg_net background worker is not up';
end
$$;

-- Restarting is the worker supervisor's job locally; a wake makes it re-read its state.
create function net.worker_restart() returns boolean language plpgsql volatile
  set search_path = ''
as $$ begin perform net.wake(); return net.check_worker_is_up(); end $$;

create type net.request_status as enum ('PENDING', 'SUCCESS', 'ERROR');
create type net.http_response as (status_code integer, headers jsonb, body text);
create type net.http_response_result as (status net.request_status, message text, response net.http_response);

-- Deprecated in pg_net, kept for API parity.
create function net.http_collect_response(request_id bigint, async bool default true)
  returns net.http_response_result language plpgsql volatile strict
  set search_path = ''
as $$
declare
  rec net._http_response;
begin
  if not async then
    for i in 1..600 loop
      select * into rec from net._http_response r where r.id = request_id;
      exit when rec.id is not null;
      perform pg_sleep(0.05);
    end loop;
  end if;
  select * into rec from net._http_response r where r.id = request_id;
  if rec.id is null then
    return ('ERROR', 'request matching request_id not found', null)::net.http_response_result;
  end if;
  return ('SUCCESS', 'ok', (rec.status_code, rec.headers, rec.content)::net.http_response)::net.http_response_result;
end
$$;

-- Current pg_net (supabase/postgres 20250220051611_pg_net_perms_fix): SECURITY INVOKER functions
-- executable by everyone; callers need to be able to enqueue.
grant usage on schema net to postgres, anon, authenticated, service_role;
grant execute on all functions in schema net to public;
grant insert on net.http_request_queue to postgres, anon, authenticated, service_role;
grant usage on sequence net.http_request_queue_id_seq to postgres, anon, authenticated, service_role;
grant select on net._http_response to postgres, service_role;
grant select, delete on net.http_request_queue to postgres;
