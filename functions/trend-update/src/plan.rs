//! Plans every write one delivery causes, as a single JSON document for one PostgreSQL RPC
//! call (so all of it commits or none does). Pure: the same delivery, mappings and `now`
//! (to the day, and to the second for freshness) give the same plan, byte for byte.
//!
//! Per distinct keyword (the change with the highest `outbox_id` wins; every id is
//! acknowledged):
//! * predictions for the next 7 days at 80 % and 95 %, if the keyword is live (`trend_score`
//!   set and `valid_until` null or still ahead): unique per
//!   (keyword, prediction_date, predicted_for_date, confidence_level, model_version), so the
//!   RPC can upsert on that key and a redelivery rewrites the same rows;
//! * actual scores of the last `BACKFILL_DAYS` days before today;
//! * new rank positions of the keyword's mappings, only where they changed.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::forecast::{features_used, forecast, DailySeries, MODEL_VERSION};
use crate::payload::calendar::{day_of, format_day};
use crate::payload::{Delivery, KeywordChange, ScorePoint, UnixSeconds};
use crate::ranking::{rank_changes, rank_mappings, MappingRow, RankUpdate};
use crate::strength::{assess, TrendStrength};

/// Predictions reach 7 days ahead, so two weeks of actuals also cover a keyword that was
/// quiet for a week; older gaps stay unfilled rather than resending months per delivery.
pub const BACKFILL_DAYS: i64 = 14;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WritePlan {
    pub delivery_id: String,
    /// Today (UTC) as `YYYY-MM-DD`; also every prediction's `prediction_date`.
    pub prediction_date: String,
    pub predictions: Vec<PredictionRow>,
    pub actual_scores: Vec<ActualScoreRow>,
    pub rank_updates: Vec<RankUpdate>,
    /// Sorted, without duplicates.
    pub acknowledged_outbox_ids: Vec<i64>,
    pub summary: PlanSummary,
}

/// A `trend_predictions` row, as the struct generated from the live schema
/// (`cargo xtask gen-types`): a schema change that breaks it fails the build.
/// `confidence_interval` is a `numrange` literal with both bounds included, e.g. `[12.30,45.60]`.
pub type PredictionRow = db_types::TrendPredictionsInsert;

/// Sets `actual_score` of the predictions made for (`keyword`, `date`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActualScoreRow {
    pub keyword: String,
    pub date: String,
    /// The last score of that day, or the one carried into it when it saw no change.
    pub actual_score: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PlanSummary {
    pub keywords_processed: usize,
    pub predictions_written: usize,
    pub mappings_reranked: usize,
    pub actuals_backfilled: usize,
}

/// `mappings` are the current mappings of the delivery's keywords (rows of other keywords
/// are ignored); `now` is the server clock in unix seconds.
pub fn plan_delivery(delivery: &Delivery, mappings: &[MappingRow], now: UnixSeconds) -> WritePlan {
    let today = day_of(now);
    let prediction_date = format_day(today);

    let mut latest: BTreeMap<&str, &KeywordChange> = BTreeMap::new();
    for change in &delivery.keywords {
        let kept = latest.entry(&change.keyword).or_insert(change);
        if change.outbox_id > kept.outbox_id {
            *kept = change;
        }
    }
    let mut mappings_by_keyword: BTreeMap<&str, Vec<&MappingRow>> = BTreeMap::new();
    for row in mappings.iter().filter(|row| latest.contains_key(row.keyword.as_str())) {
        mappings_by_keyword.entry(&row.keyword).or_default().push(row);
    }

    let mut predictions = Vec::new();
    let mut actual_scores = Vec::new();
    let mut rank_updates = Vec::new();
    for (&keyword, change) in &latest {
        let current = change.trend_score.map(|score| ScorePoint { at: delivery.sent_at, score });
        let strength = current.and_then(|current| assess(&change.history, current));
        let observations: Vec<ScorePoint> = change.history.iter().copied().chain(current).collect();
        // A null trend_score means "unscored now": the last observed score does not carry
        // on to today, so the series ends on its own last day.
        let through_day = if current.is_some() { today } else { UnixSeconds::MIN };

        if let Some(series) = DailySeries::from_observations(&observations, through_day) {
            if is_live(change, now) {
                predictions.extend(prediction_rows(keyword, &series, strength.as_ref(), &prediction_date));
            }
            actual_scores.extend(actual_score_rows(keyword, &series, today));
        }
        if let Some(rows) = mappings_by_keyword.get(keyword) {
            rank_updates.extend(rank_changes(&rank_mappings(rows.iter().copied(), strength.as_ref(), now)));
        }
    }

    let mut acknowledged_outbox_ids: Vec<i64> = delivery.keywords.iter().map(|change| change.outbox_id).collect();
    acknowledged_outbox_ids.sort_unstable();
    acknowledged_outbox_ids.dedup();

    let summary = PlanSummary {
        keywords_processed: latest.len(),
        predictions_written: predictions.len(),
        mappings_reranked: rank_updates.len(),
        actuals_backfilled: actual_scores.len(),
    };
    WritePlan {
        delivery_id: delivery.delivery_id.clone(),
        prediction_date,
        predictions,
        actual_scores,
        rank_updates,
        acknowledged_outbox_ids,
        summary,
    }
}

/// Only keywords still served get forecasts: scored, and not past `valid_until`.
fn is_live(change: &KeywordChange, now: UnixSeconds) -> bool {
    change.trend_score.is_some() && change.valid_until.is_none_or(|until| until > now)
}

/// The series' days among the `BACKFILL_DAYS` before `today` (today is not over yet).
fn actual_score_rows<'a>(
    keyword: &'a str,
    series: &'a DailySeries,
    today: i64,
) -> impl Iterator<Item = ActualScoreRow> + 'a {
    series
        .days()
        .filter(move |(day, _)| (today - BACKFILL_DAYS..today).contains(day))
        .map(|(day, score)| ActualScoreRow { keyword: keyword.to_owned(), date: format_day(day), actual_score: score })
}

/// One row per (predicted_for_date, confidence_level).
fn prediction_rows(
    keyword: &str,
    series: &DailySeries,
    strength: Option<&TrendStrength>,
    prediction_date: &str,
) -> Vec<PredictionRow> {
    let forecast = forecast(series);
    // FeaturesUsed is plain numbers and strings: serialising it cannot fail.
    let features = serde_json::to_value(features_used(&forecast, strength)).unwrap_or_default();
    forecast
        .horizons
        .iter()
        .flat_map(|horizon| {
            horizon.intervals.iter().map(|interval| PredictionRow {
                id: None,
                keyword: keyword.to_owned(),
                prediction_date: prediction_date.to_owned(),
                predicted_for_date: horizon.predicted_for.clone(),
                predicted_score: Some(horizon.point),
                confidence_interval: Some(format!("[{:.2},{:.2}]", interval.lower, interval.upper)),
                confidence_level: Some(interval.level),
                model_version: Some(MODEL_VERSION.to_owned()),
                features_used: Some(features.clone()),
                actual_score: None,
                created_at: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use serde_json::json;

    use super::*;
    use crate::forecast::MAX_HORIZON_DAYS;
    use crate::payload::parse_delivery;

    /// 2025-05-10T12:00:00Z, a Saturday.
    const NOW: i64 = 1_746_878_400;
    const ROWS_PER_FORECAST: usize = 2 * MAX_HORIZON_DAYS as usize;

    fn delivery(keywords: serde_json::Value) -> Delivery {
        let body = json!({
            "delivery_id": "0b6f7c2e-8d1a-4c55-9a43-2f1e5d8b7a10",
            "keywords": keywords,
            "sent_at": "2025-05-10T11:59:58Z"
        });
        parse_delivery(body.to_string().as_bytes()).unwrap()
    }

    fn change(outbox_id: i64, keyword: &str, score: Option<f64>, history: serde_json::Value) -> serde_json::Value {
        json!({
            "outbox_id": outbox_id, "keyword": keyword, "trend_score": score,
            "source": null, "valid_until": null, "history": history
        })
    }

    /// One point at 09:00 on each of the `days` (≤ 30) days before May 10th, rising by 1 a day to 49.
    fn rising_history(days: i64) -> serde_json::Value {
        let points: Vec<_> = (1..=days)
            .rev()
            .map(|ago| {
                let day = day_of(NOW) - ago;
                json!({ "at": format!("{}T09:00:00Z", format_day(day)), "score": 50.0 - ago as f64 })
            })
            .collect();
        json!(points)
    }

    fn mapping(id: &str, keyword: &str, relevance: f64, rank: Option<i64>) -> MappingRow {
        MappingRow {
            mapping_id: id.to_owned(),
            keyword: keyword.to_owned(),
            video_id: format!("v-{id}"),
            relevance_score: Some(relevance),
            overall_score: None,
            published_at: None,
            click_count: 0,
            rank_position: rank,
        }
    }

    #[test]
    fn a_rich_keyword_gets_predictions_actuals_and_ranks() {
        let delivery = delivery(json!([change(7, "lofi", Some(52.0), rising_history(20))]));
        let mappings = [
            mapping("m1", "lofi", 0.2, Some(1)),
            mapping("m2", "lofi", 0.9, Some(2)),
            mapping("x", "other", 1.0, None),
        ];
        let plan = plan_delivery(&delivery, &mappings, NOW);

        assert_eq!(plan.prediction_date, "2025-05-10");
        assert_eq!(plan.predictions.len(), ROWS_PER_FORECAST);
        let first = &plan.predictions[0];
        assert_eq!((first.predicted_for_date.as_str(), first.confidence_level), ("2025-05-11", Some(0.8)));
        assert_eq!(first.model_version.as_deref(), Some(MODEL_VERSION));
        let week_out = &plan.predictions[12];
        assert!(first.predicted_score > Some(49.0) && week_out.predicted_score > first.predicted_score, "{first:?}");
        assert_eq!(plan.predictions[13].predicted_for_date, "2025-05-17");

        // The 14 days before today, each with its 09:00 value.
        assert_eq!(plan.actual_scores.len(), 14);
        assert_eq!(plan.actual_scores[0].date, "2025-04-26");
        let last = plan.actual_scores.last().unwrap();
        assert_eq!((last.date.as_str(), last.actual_score), ("2025-05-09", 49.0));

        assert_eq!(
            plan.rank_updates,
            [
                RankUpdate { mapping_id: "m2".to_owned(), rank_position: 1 },
                RankUpdate { mapping_id: "m1".to_owned(), rank_position: 2 },
            ]
        );
        assert_eq!(plan.acknowledged_outbox_ids, [7]);
        assert_eq!(
            plan.summary,
            PlanSummary {
                keywords_processed: 1,
                predictions_written: 14,
                mappings_reranked: 2,
                actuals_backfilled: 14,
            }
        );
    }

    #[test]
    fn same_delivery_same_plan_whatever_the_order() {
        let keywords = vec![
            change(1, "b", Some(10.0), rising_history(5)),
            change(2, "a", Some(90.0), rising_history(30)),
            change(3, "c", None, json!([])),
        ];
        let mappings = [mapping("m1", "a", 0.5, None), mapping("m2", "b", 0.5, Some(4))];
        let forward = plan_delivery(&delivery(json!(keywords)), &mappings, NOW);
        let again = plan_delivery(&delivery(json!(keywords)), &mappings, NOW);
        let reversed_keywords: Vec<_> = keywords.iter().rev().cloned().collect();
        let reversed = plan_delivery(&delivery(json!(reversed_keywords)), &mappings, NOW);

        assert_eq!(forward, again);
        assert_eq!(forward, reversed);
        assert_eq!(serde_json::to_string(&forward).unwrap(), serde_json::to_string(&reversed).unwrap());
    }

    #[test]
    fn natural_keys_are_unique_even_for_a_repeated_keyword() {
        let delivery = delivery(json!([
            change(5, "lofi", Some(40.0), rising_history(3)),
            change(9, "lofi", Some(44.0), rising_history(4)),
            change(6, "jazz", Some(10.0), json!([])),
        ]));
        let plan = plan_delivery(&delivery, &[], NOW);
        let keys: HashSet<_> = plan
            .predictions
            .iter()
            .map(|p| {
                (&p.keyword, &p.prediction_date, &p.predicted_for_date, p.confidence_level.map(f64::to_bits), &p.model_version)
            })
            .collect();
        assert_eq!(keys.len(), plan.predictions.len());
        assert_eq!(plan.predictions.len(), 2 * ROWS_PER_FORECAST);
        assert_eq!(plan.acknowledged_outbox_ids, [5, 6, 9]);
        assert_eq!(plan.summary.keywords_processed, 2);
        // The latest change (outbox 9, 4 days of history) is the one forecast.
        let lofi = plan.predictions.iter().find(|p| p.keyword == "lofi").unwrap();
        assert_eq!(lofi.features_used.as_ref().unwrap()["n_points"], 5);
    }

    #[test]
    fn empty_history_gives_a_naive_forecast_and_no_actuals() {
        let plan = plan_delivery(&delivery(json!([change(1, "new", Some(30.0), json!([]))])), &[], NOW);
        assert_eq!(plan.predictions.len(), ROWS_PER_FORECAST);
        assert!(plan.predictions.iter().all(|p| p.predicted_score == Some(30.0)));
        assert_eq!(plan.predictions[0].features_used.as_ref().unwrap()["strength"], serde_json::Value::Null);
        assert!(plan.actual_scores.is_empty());

        let unscored = plan_delivery(&delivery(json!([change(2, "gone", None, json!([]))])), &[], NOW);
        assert!(unscored.predictions.is_empty() && unscored.actual_scores.is_empty());
        assert_eq!(unscored.acknowledged_outbox_ids, [2]);
    }

    #[test]
    fn expired_or_unscored_keywords_get_actuals_but_no_forecast() {
        let mut expired = change(1, "old", Some(20.0), rising_history(3));
        expired["valid_until"] = json!("2025-05-10T00:00:00Z");
        let plan = plan_delivery(&delivery(json!([expired])), &[], NOW);
        assert!(plan.predictions.is_empty());
        assert_eq!(plan.actual_scores.len(), 3);

        // Unscored now: actuals stop at the last observed day instead of carrying it to today.
        let history = json!([{ "at": "2025-05-05T10:00:00Z", "score": 12.5 }]);
        let plan = plan_delivery(&delivery(json!([change(2, "paused", None, history)])), &[], NOW);
        assert!(plan.predictions.is_empty());
        let dates: Vec<_> = plan.actual_scores.iter().map(|a| (a.date.as_str(), a.actual_score)).collect();
        assert_eq!(dates, [("2025-05-05", 12.5)]);
    }

    #[test]
    fn trend_strength_reaches_features_and_rank_boost() {
        // Flat at 20 for 20 days, now 60: trending.
        let history: Vec<_> = (1..=20)
            .rev()
            .map(|ago| json!({ "at": format!("{}T08:00:00Z", format_day(day_of(NOW) - ago)), "score": 20.0 }))
            .collect();
        let plan = plan_delivery(&delivery(json!([change(1, "viral", Some(60.0), json!(history))])), &[], NOW);
        let strength = &plan.predictions[0].features_used.as_ref().unwrap()["strength"];
        assert_eq!(strength["is_trending"], true);
        assert_eq!(strength["baseline_points"], 20);
    }

    #[test]
    fn serializes_to_the_rpc_shape() {
        let plan = plan_delivery(&delivery(json!([change(3, "lofi", Some(52.0), rising_history(6))])), &[], NOW);
        let body = serde_json::to_value(&plan).unwrap();
        for key in [
            "delivery_id",
            "prediction_date",
            "predictions",
            "actual_scores",
            "rank_updates",
            "acknowledged_outbox_ids",
            "summary",
        ] {
            assert!(body.get(key).is_some(), "missing {key}");
        }
        let row = &body["predictions"][1];
        assert_eq!(row["confidence_level"], 0.95);
        assert_eq!(row["model_version"], "holt-aan-1");
        assert_eq!(row["features_used"]["method"], "holt");
        let interval = row["confidence_interval"].as_str().unwrap();
        let bounds: Vec<f64> =
            interval.trim_start_matches('[').trim_end_matches(']').split(',').map(|b| b.parse().unwrap()).collect();
        assert_eq!(interval, format!("[{:.2},{:.2}]", bounds[0], bounds[1]));
        assert!(bounds[0] <= bounds[1]);
        assert_eq!(body["summary"]["predictions_written"], 14);
    }
}
