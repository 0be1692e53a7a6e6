//! End-to-end tests of the watch core: body bytes in, plan and response out.

use edge::ErrorCode;
use ingest::{build_response, DbOutcome, EventSchema, Plan, Rejection, COMMON_FIELDS, MAX_EVENTS_PER_BATCH};
use serde_json::{json, Value};

use crate::{plan, WatchEvent};

/// 2024-05-01T12:00:00.000Z.
const RECEIVED_AT_MS: i64 = 1_714_564_800_000;
const EVENT_ID: &str = "7d0e6a4c-2b1f-4e8a-9c3d-5f6a7b8c9d0e";
const VIDEO_ID: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const SESSION_ID: &str = "c56a4180-65aa-42ec-a945-5fd21dec0538";

fn seek_event() -> Value {
    json!({
        "event_id": EVENT_ID,
        "session_id": SESSION_ID,
        "video_id": VIDEO_ID,
        "event_type": "seek",
        "video_timestamp": 42.5,
        "seek_from": 12.25,
        "seek_to": 42.5,
        "total_duration": 58,
        "source_keyword": "lofi beats",
        "occurred_at": "2024-05-01T11:59:59.999Z",
    })
}

fn play_event(n: u32) -> Value {
    json!({
        "event_id": format!("00000000-0000-4000-8000-{n:012}"),
        "session_id": SESSION_ID,
        "video_id": VIDEO_ID,
        "event_type": "play",
        "video_timestamp": 0,
        "occurred_at": "2024-05-01T11:59:00Z",
    })
}

fn plan_json(body: &Value) -> Plan {
    plan(&serde_json::to_vec(body).unwrap(), RECEIVED_AT_MS).unwrap()
}

/// The single rejection of a single-event body.
fn rejection(event: Value) -> Rejection {
    let plan = plan_json(&event);
    assert_eq!(plan.events_to_write(), 0, "expected a rejection for {event}");
    assert_eq!(plan.rejected.len(), 1);
    plan.rejected.into_iter().next().unwrap()
}

fn with(mut event: Value, field: &str, value: Value) -> Value {
    event[field] = value;
    event
}

fn assert_rejected(event: Value, code: ErrorCode, field: &str) {
    let rejection = rejection(event);
    assert_eq!((rejection.code, rejection.field.as_deref()), (code, Some(field)), "{}", rejection.message);
}

/// A single-event body with `field` spliced in as raw JSON text (for numbers serde_json
/// cannot produce, such as 1e400).
fn plan_with_raw_field(field: &str, raw_json: &str) -> Plan {
    let mut event = play_event(1);
    event[field] = json!("PLACEHOLDER");
    let body = serde_json::to_string(&event).unwrap().replace("\"PLACEHOLDER\"", raw_json);
    plan(body.as_bytes(), RECEIVED_AT_MS).unwrap()
}

#[test]
fn seek_event_rpc_body() {
    let plan = plan_json(&seek_event());
    assert_eq!(
        plan.rpc_body,
        json!([{
            "event_id": EVENT_ID,
            "session_id": SESSION_ID,
            "video_id": VIDEO_ID,
            "event_type": "seek",
            "video_timestamp": 42.5,
            "seek_from": 12.25,
            "seek_to": 42.5,
            "total_duration": 58.0,
            "source_keyword": "lofi beats",
            "occurred_at": "2024-05-01T11:59:59.999Z",
            "client_occurred_at": "2024-05-01T11:59:59.999Z",
            "clamped": false,
        }])
    );
}

#[test]
fn play_event_has_null_optionals() {
    let plan = plan_json(&play_event(1));
    let written = &plan.rpc_body[0];
    for optional in ["seek_from", "seek_to", "total_duration", "source_keyword"] {
        assert_eq!(written[optional], Value::Null, "{optional}");
    }
    assert_eq!(written["video_timestamp"], json!(0.0));
}

#[test]
fn rpc_keys_are_exactly_the_contract_fields() {
    let plan = plan_json(&seek_event());
    let mut keys: Vec<&str> = plan.rpc_body[0].as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut expected: Vec<&str> = [&COMMON_FIELDS[..], WatchEvent::FIELDS, &["client_occurred_at", "clamped"]].concat();
    expected.sort_unstable();
    assert_eq!(keys, expected);
}

#[test]
fn every_event_type_is_accepted() {
    for event_type in ["play", "pause", "end", "skip", "replay"] {
        let plan = plan_json(&with(play_event(1), "event_type", json!(event_type)));
        assert_eq!(plan.rpc_body[0]["event_type"], event_type);
    }
    assert_eq!(plan_json(&seek_event()).rpc_body[0]["event_type"], "seek");
}

#[test]
fn event_type_typos_name_the_allowed_values() {
    for typo in ["Play", "stop", "seeked", ""] {
        let rejection = rejection(with(play_event(1), "event_type", json!(typo)));
        assert_eq!((rejection.code, rejection.field.as_deref()), (ErrorCode::InvalidValue, Some("event_type")));
        assert!(rejection.message.contains("play, pause, seek, end, skip, replay"), "{}", rejection.message);
    }
}

#[test]
fn seek_needs_both_ends() {
    for field in ["seek_from", "seek_to"] {
        let mut event = seek_event();
        event.as_object_mut().unwrap().remove(field);
        assert_rejected(event, ErrorCode::MissingField, field);
        assert_rejected(with(seek_event(), field, Value::Null), ErrorCode::MissingField, field);
    }
}

#[test]
fn only_seek_may_carry_seek_fields() {
    for field in ["seek_from", "seek_to"] {
        assert_rejected(with(play_event(1), field, json!(3)), ErrorCode::ValidationFailed, field);
        assert_eq!(plan_json(&with(play_event(1), field, Value::Null)).events_to_write(), 1);
    }
}

#[test]
fn positions_are_zero_to_a_day_of_seconds() {
    for field in ["video_timestamp", "seek_from", "seek_to"] {
        for ok in [json!(0), json!(0.001), json!(86_400)] {
            assert_eq!(plan_json(&with(seek_event(), field, ok)).events_to_write(), 1);
        }
        for bad in [json!(-0.001), json!(-5), json!(86_400.5), json!(1e300)] {
            assert_rejected(with(seek_event(), field, bad), ErrorCode::InvalidValue, field);
        }
        assert_rejected(with(seek_event(), field, json!("12")), ErrorCode::InvalidType, field);
    }
}

#[test]
fn total_duration_must_be_positive() {
    assert_eq!(plan_json(&with(play_event(1), "total_duration", json!(0.5))).events_to_write(), 1);
    for bad in [json!(0), json!(-1), json!(86_401)] {
        assert_rejected(with(play_event(1), "total_duration", bad), ErrorCode::InvalidValue, "total_duration");
    }
    assert_rejected(with(play_event(1), "total_duration", json!(false)), ErrorCode::InvalidType, "total_duration");
}

#[test]
fn numbers_beyond_f64_are_refused() {
    for raw in ["1e400", "-1e400", &"9".repeat(400)] {
        let plan = plan_with_raw_field("video_timestamp", raw);
        let rejection = &plan.rejected[0];
        assert_eq!(
            (rejection.code, rejection.field.as_deref()),
            (ErrorCode::InvalidValue, Some("video_timestamp")),
            "{raw}"
        );
    }
    let plan = plan_with_raw_field("video_timestamp", "1E1");
    assert_eq!(plan.rpc_body[0]["video_timestamp"], json!(10.0), "exponent notation is a fine number");
}

#[test]
fn required_fields_are_required() {
    for field in ["event_id", "session_id", "video_id", "event_type", "video_timestamp", "occurred_at"] {
        let mut event = play_event(1);
        event.as_object_mut().unwrap().remove(field);
        assert_rejected(event, ErrorCode::MissingField, field);
    }
}

#[test]
fn wrong_types_and_bad_ids() {
    assert_rejected(with(play_event(1), "session_id", json!(12)), ErrorCode::InvalidType, "session_id");
    assert_rejected(with(play_event(1), "session_id", json!("session-1")), ErrorCode::InvalidValue, "session_id");
    assert_rejected(with(play_event(1), "event_type", json!(["play"])), ErrorCode::InvalidType, "event_type");
    assert_rejected(with(play_event(1), "video_id", json!(null)), ErrorCode::MissingField, "video_id");
    assert_rejected(
        with(play_event(1), "source_keyword", json!("k".repeat(101))),
        ErrorCode::InvalidValue,
        "source_keyword",
    );
}

#[test]
fn unknown_fields_are_refused_and_user_id_is_never_trusted() {
    for field in ["user_id", "watch_time", "videoTimestamp", "feedback_type"] {
        assert_rejected(with(play_event(1), field, json!(1)), ErrorCode::UnknownField, field);
    }
}

#[test]
fn batch_paths_skew_and_duplicates() {
    // Device clock 1 day slow; the seek waited 10 s, the play 20 s on the device.
    let body = json!({
        "events": [
            with(seek_event(), "occurred_at", json!("2024-04-30T11:59:50Z")),
            with(play_event(1), "occurred_at", json!("2024-04-30T11:59:40Z")),
            with(play_event(2), "seek_to", json!(1)),
            play_event(1),
        ],
        "sent_at": "2024-04-30T12:00:00Z",
    });
    let plan = plan_json(&body);
    let corrected: Vec<&str> =
        plan.rpc_body.as_array().unwrap().iter().map(|e| e["occurred_at"].as_str().unwrap()).collect();
    assert_eq!(corrected, ["2024-05-01T11:59:50.000Z", "2024-05-01T11:59:40.000Z"]);
    assert_eq!(plan.duplicates_in_batch, 1);
    assert_eq!(plan.rejected[0].field.as_deref(), Some("events[2].seek_to"));
    assert_eq!(plan.rejected[0].index, 2);
}

#[test]
fn timestamps_out_of_window() {
    let clamped = plan_json(&with(play_event(1), "occurred_at", json!("2030-01-01T00:00:00Z")));
    assert_eq!(clamped.rpc_body[0]["occurred_at"], "2024-05-01T12:00:00.000Z");
    assert_eq!(clamped.rpc_body[0]["clamped"], true);
    assert_rejected(
        with(play_event(1), "occurred_at", json!("2020-01-01T00:00:00Z")),
        ErrorCode::InvalidValue,
        "occurred_at",
    );
}

#[test]
fn whole_request_failures() {
    let fails = |body: &[u8]| plan(body, RECEIVED_AT_MS).unwrap_err().code;
    assert_eq!(fails(br#"{"events": [{"event_type": "play""#), ErrorCode::MalformedJson);
    assert_eq!(fails(b"\xff"), ErrorCode::MalformedJson);
    assert_eq!(fails(br#"{"events": []}"#), ErrorCode::EmptyBatch);
    let too_many =
        json!({ "events": (0..=u32::try_from(MAX_EVENTS_PER_BATCH).unwrap()).map(play_event).collect::<Vec<_>>() });
    assert_eq!(fails(&serde_json::to_vec(&too_many).unwrap()), ErrorCode::BatchTooLarge);
}

#[test]
fn oversize_event_is_rejected_alone() {
    let big = with(play_event(2), "padding", json!("x".repeat(33 * 1024)));
    let plan = plan_json(&json!({ "events": [play_event(1), big] }));
    assert_eq!(plan.events_to_write(), 1);
    assert_eq!(plan.rejected[0].code, ErrorCode::EventTooLarge, "size is checked before fields");
}

#[test]
fn response_when_the_database_refuses_a_video() {
    let plan = plan_json(&json!({ "events": [play_event(1), play_event(2)] }));
    let db = DbOutcome::from_json(
        br#"{"accepted": 0, "duplicates": 1, "rejected": [{"event_id": "00000000-0000-4000-8000-000000000002",
            "code": "invalid_value", "field": "video_id", "message": "unknown video"}]}"#,
    )
    .unwrap();
    let response = build_response(&plan, Some(&db)).unwrap();
    assert_eq!((response.accepted, response.duplicates, response.status()), (0, 1, 207));
    assert_eq!(response.rejected[0].field.as_deref(), Some("events[1].video_id"));
}
