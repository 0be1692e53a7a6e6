-- Hourly retention clean-up (pg_cron job expired-data-cleanup):
-- * cached videos past expires_at are deleted in batches (YouTube data must not be kept
--   beyond its cache lifetime). Their mappings and quality scores cascade; interactions, watch
--   events and feedback keep their history with video_id set to NULL - the delete never fails
--   because of them;
-- * watch_event_receipts older than 35 days (the ingestion refuses events older than 7 days,
--   so such a receipt can no longer match a retry);
-- * trial counters of days before yesterday;
-- * pg_cron's own run history older than 7 days (pg_cron never prunes it, and
--   keyword-counter-rollup adds 1440 rows a day).
-- Partitions are retired separately by partition-maintenance.
create or replace function private.purge_expired_data(p_video_batch integer default 5000)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_videos   integer;
  v_receipts integer;
  v_counters integer;
  v_cron_runs integer;
begin
  delete from public.cached_videos v
  where v.id in (
    select e.id from public.cached_videos e
    where e.expires_at < now()
    order by e.expires_at
    limit greatest(p_video_batch, 1)
    for update skip locked);
  get diagnostics v_videos = row_count;

  delete from public.watch_event_receipts r where r.received_at < now() - interval '35 days';
  get diagnostics v_receipts = row_count;

  delete from private.daily_interaction_counts c where c.day < (now() at time zone 'UTC')::date - 1;
  get diagnostics v_counters = row_count;

  delete from cron.job_run_details j where j.end_time < now() - interval '7 days';
  get diagnostics v_cron_runs = row_count;

  return jsonb_build_object('cached_videos', v_videos, 'watch_event_receipts', v_receipts,
                            'daily_interaction_counts', v_counters, 'cron_job_run_details', v_cron_runs);
end;
$$;
comment on function private.purge_expired_data(integer) is
  'Deletes expired cached_videos (batch), watch_event_receipts older than 35 days, old trial counters and pg_cron run history older than 7 days. pg_cron job expired-data-cleanup, hourly.';
revoke execute on function private.purge_expired_data(integer) from public, anon, authenticated;

select cron.schedule('expired-data-cleanup', '17 * * * *', $cron$select private.purge_expired_data()$cron$);
