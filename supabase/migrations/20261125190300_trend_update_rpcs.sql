-- The two RPCs trend-update calls per delivery (one read, one write), both as service_role.
--
-- trend_delivery_context: refuses a replayed webhook-id, then returns everything the function
-- needs for the delivery's outbox rows in one document: {delivery, mappings}.
--   delivery = {delivery_id, sent_at, keywords: [{outbox_id, keyword, trend_score, source,
--               valid_until, history: [{at, score}] oldest first, without the current score}]}
--   mappings = the keywords' video mappings with the video's quality and publication time.
-- trend_apply_plan: applies the function's plan in one transaction — predictions upserted on
-- their natural key, actual scores back-filled, rank positions updated, outbox acknowledged,
-- webhook-id recorded — writing nothing that would not change (so a re-delivery is a no-op).

create or replace function public.trend_delivery_context(p_webhook_id text, p_outbox_ids bigint[])
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  history_points constant integer := 400;
  mappings_per_keyword constant integer := 500;
  v_keywords jsonb;
  v_mappings jsonb;
begin
  if exists (select 1 from private.trend_webhook_receipts where webhook_id = p_webhook_id) then
    raise exception using errcode = 'P0001', message = 'replayed_delivery',
      detail = format('webhook-id %s was already processed', p_webhook_id);
  end if;

  select jsonb_agg(jsonb_build_object(
           'outbox_id', o.id,
           'keyword', o.keyword,
           'trend_score', tk.trend_score,
           'source', tk.source,
           'valid_until', tk.valid_until,
           'history', coalesce(h.points, '[]'::jsonb))
         order by o.id)
  into v_keywords
  from private.trend_outbox o
  left join public.trending_keywords tk on tk.keyword = o.keyword
  left join lateral (
    -- The newest point is the current score itself: leave it out, oldest first.
    select jsonb_agg(jsonb_build_object('at', p.observed_at, 'score', p.score) order by p.observed_at, p.id) as points
    from (
      select s.id, s.observed_at, s.score
      from private.trend_score_history s
      where s.keyword = o.keyword
      order by s.observed_at desc, s.id desc
      offset 1 limit history_points
    ) p
  ) h on true
  where o.id = any (p_outbox_ids);

  if v_keywords is null then
    return jsonb_build_object('delivery', null, 'mappings', '[]'::jsonb);
  end if;

  select coalesce(jsonb_agg(m), '[]'::jsonb)
  into v_mappings
  from (select distinct keyword from private.trend_outbox where id = any (p_outbox_ids)) k
  cross join lateral (
    select kvm.id as mapping_id,
           kvm.keyword,
           kvm.video_id,
           kvm.relevance_score,
           q.overall_score,
           floor(extract(epoch from cv.published_at))::bigint as published_at,
           coalesce(kvm.click_count, 0) as click_count,
           kvm.rank_position
    from public.keyword_video_mappings kvm
    left join public.cached_videos cv on cv.id = kvm.video_id
    left join lateral (
      select vqs.overall_score from public.video_quality_scores vqs
      where vqs.video_id = kvm.video_id
      order by vqs.calculated_at desc nulls last
      limit 1
    ) q on true
    where kvm.keyword = k.keyword
    order by kvm.relevance_score desc nulls last, kvm.id
    limit mappings_per_keyword
  ) m;

  return jsonb_build_object(
    'delivery', jsonb_build_object('delivery_id', p_webhook_id, 'sent_at', now(), 'keywords', v_keywords),
    'mappings', v_mappings);
end;
$$;

create or replace function public.trend_apply_plan(p_webhook_id text, p_plan jsonb)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_predictions integer;
  v_actuals integer;
  v_ranks integer;
  v_acked integer;
begin
  insert into private.trend_webhook_receipts (webhook_id) values (p_webhook_id)
  on conflict (webhook_id) do nothing;
  if not found then
    raise exception using errcode = 'P0001', message = 'replayed_delivery',
      detail = format('webhook-id %s was already processed', p_webhook_id);
  end if;

  insert into public.trend_predictions as tp
    (keyword, prediction_date, predicted_for_date, predicted_score, confidence_interval,
     confidence_level, model_version, features_used)
  select p.keyword, p.prediction_date, p.predicted_for_date, p.predicted_score,
         p.confidence_interval::numrange, p.confidence_level, p.model_version, p.features_used
  from jsonb_to_recordset(p_plan -> 'predictions') as p(
    keyword text, prediction_date date, predicted_for_date date, predicted_score numeric,
    confidence_interval text, confidence_level numeric, model_version text, features_used jsonb)
  on conflict (keyword, prediction_date, predicted_for_date, confidence_level, model_version) do update
    set predicted_score = excluded.predicted_score,
        confidence_interval = excluded.confidence_interval,
        features_used = excluded.features_used
    where (tp.predicted_score, tp.confidence_interval, tp.features_used)
          is distinct from (excluded.predicted_score, excluded.confidence_interval, excluded.features_used);
  get diagnostics v_predictions = row_count;

  update public.trend_predictions tp
  set actual_score = a.actual_score
  from jsonb_to_recordset(p_plan -> 'actual_scores') as a(keyword text, date date, actual_score numeric)
  where tp.keyword = a.keyword and tp.predicted_for_date = a.date
    and tp.actual_score is distinct from a.actual_score;
  get diagnostics v_actuals = row_count;

  update public.keyword_video_mappings kvm
  set rank_position = r.rank_position
  from jsonb_to_recordset(p_plan -> 'rank_updates') as r(mapping_id uuid, rank_position integer)
  where kvm.id = r.mapping_id and kvm.rank_position is distinct from r.rank_position;
  get diagnostics v_ranks = row_count;

  update private.trend_outbox
  set acknowledged_at = now()
  where id in (select jsonb_array_elements_text(p_plan -> 'acknowledged_outbox_ids')::bigint)
    and acknowledged_at is null;
  get diagnostics v_acked = row_count;

  return jsonb_build_object('predictions_changed', v_predictions, 'actuals_changed', v_actuals,
                            'ranks_changed', v_ranks, 'outbox_acknowledged', v_acked);
end;
$$;

revoke all on function public.trend_delivery_context(text, bigint[]) from public, anon, authenticated;
revoke all on function public.trend_apply_plan(text, jsonb) from public, anon, authenticated;
grant execute on function public.trend_delivery_context(text, bigint[]) to service_role;
grant execute on function public.trend_apply_plan(text, jsonb) to service_role;
