-- trend_predictions: trend-model forecasts and, later, the actual score (seed 4.2.4).
-- Written by the trend-update function (service_role); premium analytics read access.
-- * (keyword, prediction_date, predicted_for_date, confidence_level, model_version) is the
--   natural key, so a re-delivered webhook upserts instead of duplicating forecasts.
-- * Scores live in the trend_score domain 0..100 (CHECK), which also bounds prediction_error =
--   |predicted - actual| to 0..100: the seed's numeric(5,2) can no longer overflow.
create table if not exists public.trend_predictions (
  id                  uuid primary key default gen_random_uuid(),
  keyword             varchar(100) not null,
  prediction_date     date not null,
  predicted_for_date  date not null,
  predicted_score     numeric(5,2) check (predicted_score between 0 and 100),
  confidence_interval numrange,   -- [lower, upper]
  confidence_level    numeric(3,2) check (confidence_level > 0 and confidence_level < 1),
  model_version       varchar(20),
  features_used       jsonb,
  actual_score        numeric(5,2) check (actual_score between 0 and 100),
  prediction_error    numeric(5,2) generated always as (abs(predicted_score - actual_score)) stored,
  created_at          timestamptz not null default now(),
  constraint trend_predictions_horizon check (predicted_for_date >= prediction_date),
  constraint trend_predictions_natural_key
    unique nulls not distinct (keyword, prediction_date, predicted_for_date, confidence_level, model_version)
);

create index if not exists idx_prediction_keyword_date on public.trend_predictions (keyword, predicted_for_date desc);

alter table public.trend_predictions enable row level security;

create policy trend_predictions_premium_read on public.trend_predictions
  for select to authenticated
  using ((select private.can_read_premium_analytics()));

revoke all on table public.trend_predictions from anon, authenticated;
grant select on table public.trend_predictions to authenticated;
grant select, insert, update, delete on table public.trend_predictions to service_role;
