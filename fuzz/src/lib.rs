//! Properties shared by several fuzz targets. Every check is an `assert!`: libFuzzer turns
//! a failed assertion (a panic) into a crash with the input saved under `fuzz/artifacts/`.

use std::collections::{BTreeSet, HashSet};

use edge::{ApiError, ErrorCode};
use ingest::envelope::{parse_envelope, BodyShape};
use ingest::timestamp::parse_rfc3339_ms;
use ingest::uuid::parse_uuid;
use ingest::{build_response, DbOutcome, DbRejection, IngestResponse, Plan, COMMON_FIELDS, MAX_AGE_MS, MAX_FUTURE_MS};

/// 2024-05-01T12:00:00.000Z: the server clock every ingestion target plans against (the
/// seed corpora's events sit just before it, so the accepting path is reachable).
pub const RECEIVED_AT_MS: i64 = 1_714_564_800_000;

/// 2025-05-10T12:00:00Z: the server clock of the trend-update targets.
pub const TREND_NOW: i64 = 1_746_878_400;

/// A request-level error is always the client's fault (4xx) and never our internal error.
pub fn assert_client_error(error: &ApiError) {
    assert_ne!(error.code, ErrorCode::Internal, "internal error for client input: {error:?}");
    let status = error.status();
    assert!((400..500).contains(&status), "status {status} for {error:?}");
    let body: serde_json::Value = serde_json::from_str(&error.to_body()).expect("error body is JSON");
    assert!(body.is_object());
}

/// Checks a planner's result against the envelope and the plan's own bookkeeping, then
/// builds responses the way the glue would: without an RPC, and with a few RPC outcomes.
/// `fields` are the event type's own fields (`EventSchema::FIELDS`).
pub fn check_plan(body: &[u8], result: Result<Plan, ApiError>, fields: &[&str]) {
    let envelope = parse_envelope(body);
    let plan = match (result, envelope) {
        (Err(plan_error), Err(envelope_error)) => {
            // Whole-request failures are exactly the envelope's.
            assert_eq!(plan_error, envelope_error);
            assert_client_error(&plan_error);
            return;
        }
        (Err(plan_error), Ok(_)) => panic!("the envelope parsed but the plan failed: {plan_error:?}"),
        (Ok(_), Err(envelope_error)) => panic!("a plan for a body the envelope refused: {envelope_error:?}"),
        (Ok(plan), Ok(envelope)) => {
            assert_eq!(plan.shape, envelope.shape);
            check_plan_accounting(&plan, envelope.events.len(), fields);
            plan
        }
    };
    check_responses(&plan);
}

fn check_plan_accounting(plan: &Plan, events: usize, fields: &[&str]) {
    assert!((1..=ingest::MAX_EVENTS_PER_BATCH).contains(&events));
    if plan.shape == BodyShape::SingleEvent {
        assert_eq!(events, 1);
    }
    // Every event is counted once: rejected, written (first valid copy) or a duplicate.
    assert_eq!(plan.rejected.len() + plan.events_to_write() + plan.duplicates_in_batch, events);

    // Rejections: in batch order, unique, in range, with readable ids and client codes.
    let mut previous = None;
    for rejection in &plan.rejected {
        assert!(rejection.index < events, "rejection index {} of {events} events", rejection.index);
        assert!(previous.is_none_or(|p| p < rejection.index), "rejections out of order or repeated");
        previous = Some(rejection.index);
        if let Some(id) = &rejection.event_id {
            assert_eq!(parse_uuid(id).as_deref(), Some(id.as_str()), "rejection id is not canonical");
        }
        assert_ne!(rejection.code, ErrorCode::Internal);
        assert!((400..500).contains(&rejection.code.http_status()));
        if let (BodyShape::Batch, Some(field)) = (plan.shape, &rejection.field) {
            assert!(field.starts_with(&format!("events[{}]", rejection.index)), "field {field} of {}", rejection.index);
        }
    }
    let rejected: HashSet<usize> = plan.rejected.iter().map(|r| r.index).collect();

    // Written events: unique indexes, none of them rejected.
    let written: HashSet<usize> = plan.index_by_event_id.values().copied().collect();
    assert_eq!(written.len(), plan.index_by_event_id.len(), "two ids claim one index");
    assert!(written.iter().all(|i| *i < events && !rejected.contains(i)));

    // The RPC body: one object per written id, with exactly the contract's keys.
    let rpc = plan.rpc_body.as_array().expect("rpc_body is an array");
    assert_eq!(rpc.len(), plan.events_to_write());
    let expected_keys: BTreeSet<&str> =
        COMMON_FIELDS.iter().chain(fields).copied().chain(["client_occurred_at", "clamped"]).collect();
    let mut ids = HashSet::new();
    for event in rpc {
        let object = event.as_object().expect("rpc event is an object");
        let keys: BTreeSet<&str> = object.keys().map(String::as_str).collect();
        assert_eq!(keys, expected_keys);
        let id = object["event_id"].as_str().expect("event_id is text");
        assert_eq!(parse_uuid(id).as_deref(), Some(id));
        assert!(plan.index_by_event_id.contains_key(id));
        assert!(ids.insert(id.to_owned()), "event {id} written twice");
        let occurred = parse_rfc3339_ms(object["occurred_at"].as_str().expect("occurred_at is text"))
            .expect("occurred_at is RFC 3339");
        assert!((RECEIVED_AT_MS - MAX_AGE_MS..=RECEIVED_AT_MS + MAX_FUTURE_MS).contains(&occurred));
        parse_rfc3339_ms(object["client_occurred_at"].as_str().expect("client_occurred_at is text"))
            .expect("client_occurred_at is RFC 3339");
        let clamped = object["clamped"].as_bool().expect("clamped is a boolean");
        if clamped {
            assert_eq!(occurred, RECEIVED_AT_MS);
        }
    }
}

fn check_responses(plan: &Plan) {
    let to_write = plan.events_to_write();
    if to_write == 0 {
        let response = build_response(plan, None).expect("nothing to write needs no RPC");
        check_response(plan, &response, 0);
        return;
    }
    assert_eq!(build_response(plan, None).unwrap_err().code, ErrorCode::Internal);

    // All written.
    let all = DbOutcome { accepted: to_write, duplicates: 0, rejected: vec![] };
    let response = build_response(plan, Some(&all)).expect("a consistent outcome builds");
    assert_eq!(response.rejected, plan.rejected);
    check_response(plan, &response, 0);

    // The database refuses the first written event (as sent, or uppercased).
    let (first_id, &first_index) = plan.index_by_event_id.iter().min_by_key(|(_, index)| **index).unwrap();
    let refused = DbOutcome {
        accepted: to_write - 1,
        duplicates: 0,
        rejected: vec![DbRejection {
            event_id: first_id.to_ascii_uppercase(),
            code: "trial_limit_exceeded".into(),
            message: "limit".into(),
            field: Some("video_id".into()),
        }],
    };
    let response = build_response(plan, Some(&refused)).expect("a consistent outcome builds");
    check_response(plan, &response, 1);
    // (An invalid copy of the same id may be rejected too: find the database's by its code.)
    let placed = response.rejected.iter().find(|r| r.code == ErrorCode::TrialLimitExceeded).unwrap();
    assert_eq!((placed.index, placed.event_id.as_deref()), (first_index, Some(first_id.as_str())));
    assert_eq!(placed.field, Some(plan.shape.path_of(first_index).field("video_id")));

    // Outcomes that contradict what was sent are upstream errors, never panics.
    let miscounted = DbOutcome { accepted: to_write + 1, duplicates: 0, rejected: vec![] };
    assert_eq!(build_response(plan, Some(&miscounted)).unwrap_err().code, ErrorCode::UpstreamError);
    let overflowing = DbOutcome { accepted: usize::MAX, duplicates: usize::MAX, rejected: vec![] };
    assert_eq!(build_response(plan, Some(&overflowing)).unwrap_err().code, ErrorCode::UpstreamError);
}

/// What every response must satisfy, `db_rejected` being how many rejections the database added.
pub fn check_response(plan: &Plan, response: &IngestResponse, db_rejected: usize) {
    assert_eq!(response.rejected.len(), plan.rejected.len() + db_rejected);
    assert!(response.rejected.windows(2).all(|w| w[0].index <= w[1].index), "response rejections unsorted");
    assert!(response.duplicates >= plan.duplicates_in_batch);
    let status = response.status();
    assert!(matches!(status, 200 | 207 | 400));
    assert_eq!(status == 200, response.rejected.is_empty());
    let body: serde_json::Value = serde_json::from_str(&response.to_body()).expect("response body is JSON");
    assert_eq!(body["rejected"].as_array().map(Vec::len), Some(response.rejected.len()));
}

/// Splits fuzz input into `n` byte fields at 0xFF separators (a byte UTF-8 never holds), so
/// each field is independently mutated and the separators stay stable across mutations.
pub fn split_fields(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut fields: Vec<&[u8]> = data.splitn(n, |b| *b == 0xFF).collect();
    fields.resize(n, &[]);
    fields
}

/// Checks a delivery that `parse_delivery` accepted, then plans it at `now` with `mappings`
/// and checks the plan's own promises (see `trend_update::plan`).
pub fn check_delivery_and_plan(
    delivery: &trend_update::payload::Delivery,
    mappings: &[trend_update::ranking::MappingRow],
    now: i64,
) {
    use trend_update::payload::{MAX_HISTORY_POINTS, MAX_KEYWORDS_PER_DELIVERY, MAX_KEYWORD_CHARS, SCORE_RANGE};

    assert!((1..=MAX_KEYWORDS_PER_DELIVERY).contains(&delivery.keywords.len()));
    assert_eq!(parse_uuid(&delivery.delivery_id).map(|id| id.len()), Some(36));
    for change in &delivery.keywords {
        assert!(!change.keyword.trim().is_empty() && change.keyword.chars().count() <= MAX_KEYWORD_CHARS);
        assert!(change.trend_score.is_none_or(|s| SCORE_RANGE.contains(&s)));
        assert!(change.history.len() <= MAX_HISTORY_POINTS);
        assert!(change.history.windows(2).all(|w| w[0].at <= w[1].at), "history out of order");
        assert!(change.history.iter().all(|p| p.at <= delivery.sent_at && SCORE_RANGE.contains(&p.score)));
    }

    let plan = trend_update::plan::plan_delivery(delivery, mappings, now);
    let mut ids: Vec<i64> = delivery.keywords.iter().map(|c| c.outbox_id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(plan.acknowledged_outbox_ids, ids);
    let keywords: HashSet<&str> = delivery.keywords.iter().map(|c| c.keyword.as_str()).collect();
    assert_eq!(plan.summary.keywords_processed, keywords.len());
    assert_eq!(plan.summary.predictions_written, plan.predictions.len());
    assert_eq!(plan.summary.actuals_backfilled, plan.actual_scores.len());
    assert_eq!(plan.summary.mappings_reranked, plan.rank_updates.len());
    assert_eq!(plan.delivery_id, delivery.delivery_id);

    // Read through the serialized row (the RPC's view), whatever Rust type carries it.
    let mut natural_keys = HashSet::new();
    for row in &plan.predictions {
        let json = serde_json::to_value(row).expect("a prediction row serializes");
        let text = |key: &str| json[key].as_str().unwrap_or_else(|| panic!("{key} is text: {json}")).to_owned();
        let number = |key: &str| json[key].as_f64().unwrap_or_else(|| panic!("{key} is a number: {json}"));
        let (keyword, predicted_for) = (text("keyword"), text("predicted_for_date"));
        assert!(keywords.contains(keyword.as_str()));
        assert_eq!(text("prediction_date"), plan.prediction_date);
        assert!(predicted_for > plan.prediction_date || predicted_for.len() != 10, "{json}");
        let level = number("confidence_level");
        assert!(natural_keys.insert((keyword, predicted_for, level.to_bits(), text("model_version"))), "{json}");
        assert!(SCORE_RANGE.contains(&number("predicted_score")), "{json}");
        let interval = text("confidence_interval");
        let (lower, upper) = interval
            .strip_prefix('[')
            .and_then(|i| i.strip_suffix(']'))
            .and_then(|i| i.split_once(','))
            .unwrap_or_else(|| panic!("interval literal: {json}"));
        let (lower, upper): (f64, f64) = (lower.parse().unwrap(), upper.parse().unwrap());
        assert!(SCORE_RANGE.contains(&lower) && SCORE_RANGE.contains(&upper) && lower <= upper, "{json}");
        let sigma = json["features_used"]["sigma"].as_f64().unwrap_or_else(|| panic!("sigma is a number: {json}"));
        assert!(sigma.is_finite() && sigma >= 0.0, "{json}");
    }
    let mut actual_keys = HashSet::new();
    for row in &plan.actual_scores {
        assert!(keywords.contains(row.keyword.as_str()));
        assert!(row.date < plan.prediction_date || row.date.len() != 10, "actual for today or later: {row:?}");
        assert!(SCORE_RANGE.contains(&row.actual_score));
        assert!(actual_keys.insert((&row.keyword, &row.date)), "actual written twice: {row:?}");
    }
    for update in &plan.rank_updates {
        assert!(update.rank_position >= 1);
        assert!(mappings.iter().any(|m| m.mapping_id == update.mapping_id && keywords.contains(m.keyword.as_str())));
    }
    serde_json::to_string(&plan).expect("the plan serializes");
}
