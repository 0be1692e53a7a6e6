-- Score history per keyword: trending_keywords holds only the latest score, but trend
-- strength (velocity against a same-slot baseline) and forecasting need the past.
-- Appended by the trend webhook trigger on every change that matters; read by trend-update
-- through public.trend_delivery_context. Lives in `private` (not exposed by the Data API).

create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to service_role;

create table private.trend_score_history (
  id bigint generated always as identity primary key,
  keyword varchar(100) not null,
  score numeric(5,2) not null check (score between 0 and 100),
  observed_at timestamptz not null default clock_timestamp()
);
comment on table private.trend_score_history is
  'Every trend_score a keyword had, appended by the trending_keywords webhook trigger.';

-- The context RPC reads the newest points of a keyword: (keyword, observed_at desc).
create index trend_score_history_keyword_time_idx on private.trend_score_history (keyword, observed_at desc);

alter table private.trend_score_history enable row level security;
-- Only the trend engine (service_role, which bypasses RLS) reads it; no API role writes it.
revoke all on private.trend_score_history from public, anon, authenticated;
grant select on private.trend_score_history to service_role;
