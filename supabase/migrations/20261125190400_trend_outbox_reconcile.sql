-- Re-sends trend changes that were not acknowledged in time (pg_net lost the request, the
-- function was down, the signature went stale in a backlog) and prunes old bookkeeping.
-- Scheduled every minute with pg_cron. A change counts as lost after 45 s: longer than a
-- delivery can take (30 s webhook timeout), short enough that any change left behind by an
-- outage is re-sent within two cron cycles of the outage ending. A re-send of a change still
-- in flight is harmless: trend-update is idempotent.

create extension if not exists pg_cron;

create or replace function private.resend_unacknowledged_trend_changes(p_min_age interval default interval '45 seconds')
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_ids bigint[];
begin
  select array_agg(id order by id) into v_ids
  from (
    select id from private.trend_outbox
    where acknowledged_at is null
      and (last_sent_at is null or last_sent_at <= now() - p_min_age)
    order by id
    limit 20000
    for update skip locked
  ) due;

  delete from private.trend_webhook_receipts where received_at < now() - interval '1 day';
  delete from private.trend_outbox where acknowledged_at < now() - interval '7 days';

  return private.send_trend_deliveries(v_ids);
end;
$$;
revoke all on function private.resend_unacknowledged_trend_changes(interval) from public, anon, authenticated, service_role;

select cron.schedule('trend-outbox-reconcile', '* * * * *', $$select private.resend_unacknowledged_trend_changes()$$);
