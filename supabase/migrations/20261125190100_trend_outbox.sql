-- Outbox for trend-update deliveries. pg_net delivers at most once (the queue is unlogged and
-- rows leave it before the HTTP call), so every change gets an outbox row that stays
-- unacknowledged until the function confirms it processed it; a pg_cron job re-sends what
-- stays unacknowledged. At-least-once delivery + an idempotent function = exactly-once effect.

create table private.trend_outbox (
  id bigint generated always as identity primary key,
  keyword varchar(100) not null,
  changed_at timestamptz not null default clock_timestamp(),
  -- The last delivery that carried this row, and how often it was sent.
  delivery_id uuid,
  attempts integer not null default 0,
  last_sent_at timestamptz,
  -- Why the last attempt could not be queued (missing Vault secret, pg_net error), if it failed.
  last_error text,
  acknowledged_at timestamptz
);
comment on table private.trend_outbox is
  'One row per trending_keywords change that matters; acknowledged by trend_apply_plan.';

-- The reconciler scans only what is still open.
create index trend_outbox_open_idx on private.trend_outbox (last_sent_at nulls first, id) where acknowledged_at is null;
create index trend_outbox_acknowledged_idx on private.trend_outbox (acknowledged_at) where acknowledged_at is not null;

-- webhook-id of every delivery processed: a replay of the same signed request is refused.
create table private.trend_webhook_receipts (
  webhook_id text primary key,
  received_at timestamptz not null default now()
);
create index trend_webhook_receipts_received_idx on private.trend_webhook_receipts (received_at);

alter table private.trend_outbox enable row level security;
alter table private.trend_webhook_receipts enable row level security;
revoke all on private.trend_outbox, private.trend_webhook_receipts from public, anon, authenticated;
grant select, update (acknowledged_at) on private.trend_outbox to service_role;
grant select, insert on private.trend_webhook_receipts to service_role;
