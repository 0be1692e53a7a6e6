-- Forecast quality per model_version and horizon, from predictions whose actual_score has
-- been back-filled by trend-update:
--   mae                     mean |predicted − actual| (point forecasts, counted once per level pair)
--   mase                    mean of |error| / the keyword's in-sample naive MAE (mean |y_t − y_{t−1}|
--                           of its daily actuals) — below 1 beats "tomorrow = today"
--   coverage_80/_95         share of actuals inside the 80 % / 95 % intervals (nominal 0.80 / 0.95)
--   mean_interval_score_95  M4's MIS at α = 0.05: (U − L) + (2/α)(L − Y)·[Y < L] + (2/α)(Y − U)·[Y > U]
-- security_invoker: callers see what trend_predictions' RLS lets them see.

create or replace view public.trend_forecast_quality
with (security_invoker = true)
as
with scored as (
  select tp.model_version,
         tp.predicted_for_date - tp.prediction_date as horizon_days,
         tp.keyword,
         tp.predicted_for_date,
         tp.confidence_level,
         tp.predicted_score,
         tp.actual_score,
         lower(tp.confidence_interval) as lower_bound,
         upper(tp.confidence_interval) as upper_bound
  from public.trend_predictions tp
  where tp.actual_score is not null and tp.model_version is not null
),
naive_scale as (
  select keyword, avg(abs(actual - previous)) as naive_mae
  from (
    select keyword, actual, lag(actual) over (partition by keyword order by day) as previous
    from (select distinct keyword, predicted_for_date as day, actual_score as actual from scored) daily
  ) steps
  where previous is not null
  group by keyword
)
select s.model_version,
       s.horizon_days,
       count(*) filter (where s.confidence_level = 0.95) as forecasts,
       round(avg(abs(s.predicted_score - s.actual_score)) filter (where s.confidence_level = 0.95), 4) as mae,
       round(avg(abs(s.predicted_score - s.actual_score) / nullif(n.naive_mae, 0)) filter (where s.confidence_level = 0.95), 4) as mase,
       round(avg(case when s.actual_score between s.lower_bound and s.upper_bound then 1.0 else 0.0 end)
             filter (where s.confidence_level = 0.80), 4) as coverage_80,
       round(avg(case when s.actual_score between s.lower_bound and s.upper_bound then 1.0 else 0.0 end)
             filter (where s.confidence_level = 0.95), 4) as coverage_95,
       round(avg((s.upper_bound - s.lower_bound)
                 + (2 / 0.05) * greatest(s.lower_bound - s.actual_score, 0)
                 + (2 / 0.05) * greatest(s.actual_score - s.upper_bound, 0))
             filter (where s.confidence_level = 0.95), 4) as mean_interval_score_95
from scored s
left join naive_scale n on n.keyword = s.keyword
group by s.model_version, s.horizon_days;

comment on view public.trend_forecast_quality is
  'Forecast accuracy of trend-update per model_version and horizon: MAE, MASE, 80/95 % coverage, MIS.';

-- Operators and the trend engine read it; it is not part of the app's API surface.
revoke all on public.trend_forecast_quality from public, anon, authenticated;
grant select on public.trend_forecast_quality to service_role;
