//! End-to-end tests of the feedback core: body bytes in, plan and response out.

use edge::ErrorCode;
use ingest::{build_response, DbOutcome, EventSchema, Plan, Rejection, COMMON_FIELDS, MAX_EVENTS_PER_BATCH};
use serde_json::{json, Value};

use crate::{plan, FeedbackEvent};

/// 2024-05-01T12:00:00.000Z.
const RECEIVED_AT_MS: i64 = 1_714_564_800_000;
const EVENT_ID: &str = "7d0e6a4c-2b1f-4e8a-9c3d-5f6a7b8c9d0e";
const VIDEO_ID: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const SESSION_ID: &str = "c56a4180-65aa-42ec-a945-5fd21dec0538";

fn full_event() -> Value {
    json!({
        "event_id": EVENT_ID,
        "video_id": VIDEO_ID,
        "feedback_type": "dislike",
        "reason": "seen_too_many",
        "comment": "  Third time today.\nPlease stop.  ",
        "source_keyword": "cats",
        "position_in_list": 4,
        "session_id": SESSION_ID,
        "occurred_at": "2024-05-01T11:58:00.250Z",
    })
}

fn minimal_event(n: u32) -> Value {
    json!({
        "event_id": format!("00000000-0000-4000-8000-{n:012}"),
        "video_id": VIDEO_ID,
        "feedback_type": "like",
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

fn with(field: &str, value: Value) -> Value {
    let mut event = full_event();
    event[field] = value;
    event
}

fn assert_rejected(event: Value, code: ErrorCode, field: &str) {
    let rejection = rejection(event);
    assert_eq!((rejection.code, rejection.field.as_deref()), (code, Some(field)), "{}", rejection.message);
}

#[test]
fn full_event_rpc_body() {
    let plan = plan_json(&full_event());
    assert_eq!(
        plan.rpc_body,
        json!([{
            "event_id": EVENT_ID,
            "video_id": VIDEO_ID,
            "feedback_type": "dislike",
            "reason": "seen_too_many",
            "comment": "Third time today.\nPlease stop.",
            "source_keyword": "cats",
            "position_in_list": 4,
            "session_id": SESSION_ID,
            "occurred_at": "2024-05-01T11:58:00.250Z",
            "client_occurred_at": "2024-05-01T11:58:00.250Z",
            "clamped": false,
        }])
    );
}

#[test]
fn minimal_event_has_null_optionals() {
    let plan = plan_json(&minimal_event(1));
    let written = &plan.rpc_body[0];
    for optional in ["reason", "comment", "source_keyword", "position_in_list", "session_id"] {
        assert_eq!(written[optional], Value::Null, "{optional}");
    }
    let explicit_nulls = json!({
        "event_id": EVENT_ID, "video_id": VIDEO_ID, "feedback_type": "report", "reason": null, "comment": null,
        "source_keyword": null, "position_in_list": null, "session_id": null, "occurred_at": "2024-05-01T11:59:00Z",
    });
    assert_eq!(plan_json(&explicit_nulls).events_to_write(), 1);
}

#[test]
fn rpc_keys_are_exactly_the_contract_fields() {
    let plan = plan_json(&full_event());
    let mut keys: Vec<&str> = plan.rpc_body[0].as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut expected: Vec<&str> =
        [&COMMON_FIELDS[..], FeedbackEvent::FIELDS, &["client_occurred_at", "clamped"]].concat();
    expected.sort_unstable();
    assert_eq!(keys, expected);
}

#[test]
fn every_enum_value_is_accepted() {
    for feedback_type in ["like", "dislike", "not_interested", "report"] {
        for reason in ["irrelevant", "seen_too_many", "offensive", "quality", "other"] {
            let mut event = with("feedback_type", json!(feedback_type));
            event["reason"] = json!(reason);
            let plan = plan_json(&event);
            assert_eq!(
                (plan.rpc_body[0]["feedback_type"].as_str(), plan.rpc_body[0]["reason"].as_str()),
                (Some(feedback_type), Some(reason))
            );
        }
    }
}

#[test]
fn enum_typos_name_the_allowed_values() {
    for typo in ["Like", "likes", "", " like", "not-interested", "DISLIKE"] {
        let rejection = rejection(with("feedback_type", json!(typo)));
        assert_eq!((rejection.code, rejection.field.as_deref()), (ErrorCode::InvalidValue, Some("feedback_type")));
        assert!(rejection.message.contains("like, dislike, not_interested, report"), "{}", rejection.message);
    }
    let rejection = rejection(with("reason", json!("irrelevent")));
    assert_eq!(rejection.field.as_deref(), Some("reason"));
    assert!(rejection.message.contains("irrelevant, seen_too_many, offensive, quality, other"));
}

#[test]
fn wrong_types_are_invalid_type() {
    for (field, value) in [
        ("event_id", json!(42)),
        ("video_id", json!({"id": VIDEO_ID})),
        ("feedback_type", json!(true)),
        ("feedback_type", json!(["like"])),
        ("reason", json!(1)),
        ("comment", json!(["a"])),
        ("source_keyword", json!(false)),
        ("position_in_list", json!("4")),
        ("position_in_list", json!(4.5)),
        ("position_in_list", json!(4.0)),
        ("session_id", json!(7)),
        ("occurred_at", json!(1_714_564_800)),
    ] {
        assert_rejected(with(field, value), ErrorCode::InvalidType, field);
    }
}

#[test]
fn unknown_fields_are_refused_and_user_id_is_never_trusted() {
    for field in ["user_id", "userId", "USER_ID", "sent_at", "events_extra", "watched"] {
        assert_rejected(with(field, json!("22222222-2222-4222-8222-222222222222")), ErrorCode::UnknownField, field);
    }
    // Even null: the key itself is the problem.
    assert_rejected(with("user_id", Value::Null), ErrorCode::UnknownField, "user_id");
}

#[test]
fn required_fields_are_required() {
    for field in ["event_id", "video_id", "feedback_type", "occurred_at"] {
        let mut event = full_event();
        event.as_object_mut().unwrap().remove(field);
        assert_rejected(event, ErrorCode::MissingField, field);
        assert_rejected(with(field, Value::Null), ErrorCode::MissingField, field);
    }
}

#[test]
fn ids_must_be_uuids() {
    for field in ["event_id", "video_id", "session_id"] {
        for bad in ["", "abc", "3f2504e04f8941d39a0c0305e82c3301", "{3f2504e0-4f89-41d3-9a0c-0305e82c3301}"] {
            assert_rejected(with(field, json!(bad)), ErrorCode::InvalidValue, field);
        }
    }
    let plan = plan_json(&with("video_id", json!(VIDEO_ID.to_uppercase())));
    assert_eq!(plan.rpc_body[0]["video_id"], VIDEO_ID, "stored lowercase");
}

#[test]
fn comment_rules() {
    let max = "é".repeat(1_000);
    assert_eq!(plan_json(&with("comment", json!(format!(" {max}\n")))).rpc_body[0]["comment"], json!(max));
    assert_rejected(with("comment", json!("é".repeat(1_001))), ErrorCode::InvalidValue, "comment");
    assert_rejected(with("comment", json!("x".repeat(20_000))), ErrorCode::InvalidValue, "comment");
    assert_rejected(with("comment", json!("bell\u{7}")), ErrorCode::InvalidValue, "comment");
    assert_rejected(with("comment", json!("windows\r\nline")), ErrorCode::InvalidValue, "comment");
    assert_rejected(with("comment", json!("nul\u{0}")), ErrorCode::InvalidValue, "comment");
    assert_eq!(plan_json(&with("comment", json!("a\tb\nc"))).rpc_body[0]["comment"], "a\tb\nc");
    assert_eq!(plan_json(&with("comment", json!(" \n\t "))).rpc_body[0]["comment"], Value::Null);
}

#[test]
fn source_keyword_rules() {
    assert_eq!(plan_json(&with("source_keyword", json!("k".repeat(100)))).events_to_write(), 1);
    for bad in [String::new(), "   ".into(), "k".repeat(101), "two\nlines".into(), "tab\there".into()] {
        assert_rejected(with("source_keyword", json!(bad)), ErrorCode::InvalidValue, "source_keyword");
    }
}

#[test]
fn position_in_list_rules() {
    for ok in [0, 10_000] {
        assert_eq!(plan_json(&with("position_in_list", json!(ok))).rpc_body[0]["position_in_list"], json!(ok));
    }
    for bad in ["-1", "10001", "18446744073709551616", "1e400"] {
        let body = serde_json::to_string(&full_event())
            .unwrap()
            .replace("\"position_in_list\":4", &format!("\"position_in_list\":{bad}"));
        let plan = plan(body.as_bytes(), RECEIVED_AT_MS).unwrap();
        let rejection = &plan.rejected[0];
        assert_eq!(rejection.field.as_deref(), Some("position_in_list"), "{bad}");
        let expected = if bad.contains('e') { ErrorCode::InvalidType } else { ErrorCode::InvalidValue };
        assert_eq!(rejection.code, expected, "{bad}");
    }
}

#[test]
fn future_timestamps_are_clamped_ancient_ones_rejected() {
    let hour_ahead = plan_json(&with("occurred_at", json!("2024-05-01T14:00:00+01:00")));
    assert_eq!(hour_ahead.rpc_body[0]["occurred_at"], "2024-05-01T13:00:00.000Z", "exactly 1 h ahead is kept");
    let plan = plan_json(&with("occurred_at", json!("2024-05-01T14:00:01+01:00")));
    assert_eq!(plan.rpc_body[0]["occurred_at"], "2024-05-01T12:00:00.000Z");
    assert_eq!(plan.rpc_body[0]["client_occurred_at"], "2024-05-01T13:00:01.000Z");
    assert_eq!(plan.rpc_body[0]["clamped"], true);
    assert_rejected(with("occurred_at", json!("2024-04-20T12:00:00Z")), ErrorCode::InvalidValue, "occurred_at");
    assert_rejected(with("occurred_at", json!("2024-05-01 12:00:00")), ErrorCode::InvalidValue, "occurred_at");
}

#[test]
fn batch_sent_at_corrects_skew() {
    // Device clock 2 min 30 s fast; the event waited 45.5 s on the device.
    let mut event = minimal_event(1);
    event["occurred_at"] = json!("2024-05-01T12:01:44.500Z");
    let plan = plan_json(&json!({ "events": [event], "sent_at": "2024-05-01T12:02:30Z" }));
    assert_eq!(plan.rpc_body[0]["occurred_at"], "2024-05-01T11:59:14.500Z");
    assert_eq!(plan.rpc_body[0]["clamped"], false);
}

#[test]
fn whole_request_failures() {
    let fails = |body: &[u8]| plan(body, RECEIVED_AT_MS).unwrap_err().code;
    assert_eq!(fails(b"{\"event_id\": "), ErrorCode::MalformedJson, "truncated");
    assert_eq!(fails(b"not json"), ErrorCode::MalformedJson);
    assert_eq!(fails(b"{\"comment\": \"caf\xe9\"}"), ErrorCode::MalformedJson, "latin-1 byte");
    assert_eq!(fails(b"{\"position_in_list\": NaN}"), ErrorCode::MalformedJson);
    assert_eq!(fails(br#"{"events": []}"#), ErrorCode::EmptyBatch);
    assert_eq!(fails(br#"{"events": [], "user_id": "x"}"#), ErrorCode::UnknownField);
    let too_many =
        json!({ "events": (0..=u32::try_from(MAX_EVENTS_PER_BATCH).unwrap()).map(minimal_event).collect::<Vec<_>>() });
    assert_eq!(fails(&serde_json::to_vec(&too_many).unwrap()), ErrorCode::BatchTooLarge);
}

#[test]
fn oversize_event_is_rejected_alone() {
    let mut big = minimal_event(2);
    big["comment"] = json!("x".repeat(40 * 1024));
    let plan = plan_json(&json!({ "events": [minimal_event(1), big] }));
    assert_eq!(plan.events_to_write(), 1);
    let rejection = &plan.rejected[0];
    assert_eq!(
        (rejection.index, rejection.code, rejection.field.as_deref()),
        (1, ErrorCode::EventTooLarge, Some("events[1]"))
    );
}

#[test]
fn batch_errors_carry_index_paths_and_ids() {
    let mut typo = minimal_event(2);
    typo["feedback_type"] = json!("lik");
    let plan = plan_json(&json!({ "events": [minimal_event(1), typo, minimal_event(1), minimal_event(3)] }));
    assert_eq!(plan.events_to_write(), 2);
    assert_eq!(plan.duplicates_in_batch, 1);
    let rejection = &plan.rejected[0];
    assert_eq!(rejection.field.as_deref(), Some("events[1].feedback_type"));
    assert_eq!(rejection.event_id.as_deref(), Some("00000000-0000-4000-8000-000000000002"));
}

#[test]
fn response_after_the_rpc() {
    let mut bad = minimal_event(9);
    bad["position_in_list"] = json!(-3);
    let plan = plan_json(&json!({ "events": [minimal_event(1), minimal_event(2), bad, minimal_event(1)] }));
    let db = DbOutcome::from_json(
        br#"{"accepted": 1, "duplicates": 0, "rejected": [
            {"event_id": "00000000-0000-4000-8000-000000000002", "code": "trial_limit_exceeded",
             "message": "daily limit of 50 video interactions reached"}]}"#,
    )
    .unwrap();
    let response = build_response(&plan, Some(&db)).unwrap();
    assert_eq!(response.status(), 207);
    let body: Value = serde_json::from_str(&response.to_body()).unwrap();
    assert_eq!(body["accepted"], 1);
    assert_eq!(body["duplicates"], 1);
    let rejected: Vec<(u64, &str)> = body["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["index"].as_u64().unwrap(), r["code"].as_str().unwrap()))
        .collect();
    assert_eq!(rejected, [(1, "trial_limit_exceeded"), (2, "invalid_value")]);
}
