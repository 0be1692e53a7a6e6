-- Every scheduled job is registered with its schedule and command, and each command runs.
begin;
set search_path = public, extensions;
select plan(14);

select ok(
  (select array_agg(format('%s | %s | %s', jobname, schedule, command)) from cron.job) @> array[
    'category-trend-summary-refresh | */15 * * * * | select private.refresh_category_trend_summary()',
    'expired-data-cleanup | 17 * * * * | select private.purge_expired_data()',
    'keyword-counter-rollup | * * * * * | select private.roll_up_keyword_counters()',
    'keyword-performance-daily | 20 0 * * * | select private.refresh_keyword_performance_cache()',
    'partition-maintenance | 5 0 * * * | select private.maintain_time_partitions()'],
  'the pg_cron jobs are registered with their schedules and commands');

select ok(bool_and(active), 'all jobs are active') from cron.job;
select ok(bool_and(username = 'postgres'), 'all jobs run as postgres (the owner of the objects they maintain)') from cron.job;
select ok(bool_and(database = current_database()), 'all jobs run in this database') from cron.job;

-- Each job's command works as it will run (as postgres).
select lives_ok(command, format('job %s runs', jobname))
from cron.job
where jobname in ('category-trend-summary-refresh', 'expired-data-cleanup', 'keyword-counter-rollup',
                  'keyword-performance-daily', 'partition-maintenance')
order by jobname collate "C";

-- Functions the jobs call are not callable by API users.
select ok(not has_function_privilege('authenticated', p, 'execute') and not has_function_privilege('anon', p, 'execute'),
  format('%s is not executable by anon/authenticated', p))
from unnest(array['private.refresh_category_trend_summary()', 'private.purge_expired_data(integer)',
                  'private.roll_up_keyword_counters()', 'private.refresh_keyword_performance_cache(date)',
                  'private.maintain_time_partitions(date)']) p;

select * from finish();
rollback;
