//! The request body: one event object, or a batch `{"events": [...], "sent_at": "..."}`.
//! Failures here concern the whole request; each event is checked later, on its own.

use edge::{ApiError, ErrorCode};
use serde_json::value::RawValue;

use crate::limits::{MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH};
use crate::object::{JsonKind, StrictObject};
use crate::path::ObjectPath;
use crate::request::payload_too_large;

/// The only keys a batch envelope may have. A body with an `events` key is a batch (no
/// event type has such a field); any other object is a single event.
pub const ENVELOPE_FIELDS: [&str; 2] = ["events", "sent_at"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyShape {
    SingleEvent,
    Batch,
}

impl BodyShape {
    /// Where event `index` sits, for error paths.
    pub fn path_of(self, index: usize) -> ObjectPath {
        match self {
            Self::SingleEvent => ObjectPath::Body,
            Self::Batch => ObjectPath::BatchEvent(index),
        }
    }
}

/// A body whose envelope is valid; its events are still raw JSON text.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    pub shape: BodyShape,
    /// 1..=[`MAX_EVENTS_PER_BATCH`] events, each a syntactically valid JSON value.
    pub events: Vec<&'a RawValue>,
    /// The batch's `sent_at` on the client's clock, when given.
    pub sent_at_ms: Option<i64>,
}

/// Checks everything that must hold for the request as a whole: size, UTF-8, JSON syntax
/// (of the entire body, events included: a truncated batch cannot be split into events),
/// the envelope's fields, and the event count.
pub fn parse_envelope(body: &[u8]) -> Result<Envelope<'_>, ApiError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(payload_too_large(body.len()));
    }
    let text = std::str::from_utf8(body).map_err(|error| {
        let message = format!("the body is not valid UTF-8 (first bad byte at offset {})", error.valid_up_to());
        ApiError::new(ErrorCode::MalformedJson, message)
    })?;
    let raw: &RawValue = serde_json::from_str(text)
        .map_err(|error| ApiError::new(ErrorCode::MalformedJson, format!("the body is not valid JSON: {error}")))?;
    if JsonKind::of(raw) != JsonKind::Object {
        let message = format!(
            r#"the body must be an event object or {{"events": [...], "sent_at": "..."}}; got {}"#,
            JsonKind::of(raw)
        );
        return Err(ApiError::new(ErrorCode::InvalidType, message));
    }
    let body_object = StrictObject::parse(raw, ObjectPath::Body)?;
    if !body_object.has_key("events") {
        return Ok(Envelope { shape: BodyShape::SingleEvent, events: vec![raw], sent_at_ms: None });
    }

    body_object.reject_unknown_fields(|name| ENVELOPE_FIELDS.contains(&name))?;
    let events = read_events(&body_object)?;
    if events.is_empty() {
        return Err(ApiError::new(ErrorCode::EmptyBatch, "the batch has no events").with_field("events"));
    }
    if events.len() > MAX_EVENTS_PER_BATCH {
        let message = format!("a batch holds at most {MAX_EVENTS_PER_BATCH} events; got {}", events.len());
        return Err(ApiError::new(ErrorCode::BatchTooLarge, message).with_field("events"));
    }
    let sent_at_ms = body_object.optional_timestamp_ms("sent_at")?;
    Ok(Envelope { shape: BodyShape::Batch, events, sent_at_ms })
}

fn read_events<'a>(body_object: &StrictObject<'a>) -> Result<Vec<&'a RawValue>, ApiError> {
    let events_type_error = |kind: JsonKind| {
        ApiError::new(ErrorCode::InvalidType, format!("must be an array of event objects; got {kind}"))
            .with_field("events")
    };
    // `has_key` was checked by the caller; a missing key would read as null here.
    let Some(raw_events) = body_object.raw("events") else {
        return Err(events_type_error(JsonKind::Null));
    };
    if JsonKind::of(raw_events) != JsonKind::Array {
        return Err(events_type_error(JsonKind::of(raw_events)));
    }
    // Already valid JSON, so splitting the array into raw elements cannot fail.
    serde_json::from_str(raw_events.get()).map_err(|_| events_type_error(JsonKind::Array))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::MAX_EVENTS_PER_BATCH;

    fn error(body: &[u8]) -> ApiError {
        parse_envelope(body).unwrap_err()
    }

    #[test]
    fn an_object_without_events_is_a_single_event() {
        let envelope = parse_envelope(br#" {"event_id": "x", "sent_at": "whatever"} "#).unwrap();
        assert_eq!(envelope.shape, BodyShape::SingleEvent);
        assert_eq!(envelope.events.len(), 1);
        assert_eq!(envelope.events[0].get(), r#"{"event_id": "x", "sent_at": "whatever"}"#);
        assert_eq!(envelope.sent_at_ms, None, "sent_at belongs to batches; here it is an event field");
    }

    #[test]
    fn a_batch_keeps_each_event_raw_and_reads_sent_at() {
        let envelope =
            parse_envelope(br#"{"events": [{"a": 1}, 7, {"b" :  2}], "sent_at": "1970-01-01T00:00:01Z"}"#).unwrap();
        assert_eq!(envelope.shape, BodyShape::Batch);
        let raw: Vec<&str> = envelope.events.iter().map(|e| e.get()).collect();
        assert_eq!(raw, [r#"{"a": 1}"#, "7", r#"{"b" :  2}"#]);
        assert_eq!(envelope.sent_at_ms, Some(1_000));
        assert_eq!(parse_envelope(br#"{"events": [{}]}"#).unwrap().sent_at_ms, None);
        assert_eq!(parse_envelope(br#"{"events": [{}], "sent_at": null}"#).unwrap().sent_at_ms, None);
    }

    #[test]
    fn malformed_truncated_and_non_utf8_bodies_are_malformed_json() {
        for body in [
            &b""[..],
            b"   ",
            b"{",
            br#"{"events": [{"event_id": "a"}, {"event_id": "#,
            br#"{"events": [{}]} trailing"#,
            br#"{"events": [{}],}"#,
            br#"{'events': []}"#,
            b"{\"a\": NaN}",
            b"{\"a\": Infinity}",
            b"{\"a\": -Infinity}",
            b"{\"a\": 01}",
            b"{\"a\": \"\xff\xfe\"}",
            b"\xef\xbb\xbf{}",
            b"{\"a\": \"\xed\xa0\x80\"}",
        ] {
            let err = error(body);
            assert_eq!(err.code, ErrorCode::MalformedJson, "{}", String::from_utf8_lossy(body));
            assert_eq!(err.status(), 400);
        }
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        let deep = format!(r#"{{"events": [{}]}}"#, "[".repeat(200_000));
        assert_eq!(error(deep.as_bytes()).code, ErrorCode::MalformedJson);
        let closed = format!(r#"{{"events": [{}{}]}}"#, "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(parse_envelope(closed.as_bytes()).unwrap().events.len(), 1);
    }

    #[test]
    fn non_object_bodies_are_invalid_type() {
        for body in [&b"[]"[..], b"[{}]", b"null", b"42", b"\"event\""] {
            let err = error(body);
            assert_eq!(err.code, ErrorCode::InvalidType, "{}", String::from_utf8_lossy(body));
            assert_eq!(err.status(), 422);
        }
    }

    #[test]
    fn unknown_envelope_fields_are_refused() {
        let err = error(br#"{"events": [{}], "user_id": "someone-else"}"#);
        assert_eq!((err.code, err.field.as_deref()), (ErrorCode::UnknownField, Some("user_id")));
        let err = error(br#"{"events": [{}], "sentAt": "2024-05-01T12:00:00Z"}"#);
        assert_eq!((err.code, err.field.as_deref()), (ErrorCode::UnknownField, Some("sentAt")));
    }

    #[test]
    fn duplicate_envelope_keys_are_refused() {
        let err = error(br#"{"events": [{}], "events": [{}, {}]}"#);
        assert_eq!((err.code, err.field.as_deref()), (ErrorCode::ValidationFailed, Some("events")));
    }

    #[test]
    fn events_must_be_a_non_empty_array() {
        for body in [&br#"{"events": {}}"#[..], br#"{"events": null}"#, br#"{"events": "[]"}"#] {
            let err = error(body);
            assert_eq!((err.code, err.field.as_deref()), (ErrorCode::InvalidType, Some("events")));
        }
        let err = error(br#"{"events": [], "sent_at": "2024-05-01T12:00:00Z"}"#);
        assert_eq!((err.code, err.status()), (ErrorCode::EmptyBatch, 400));
    }

    #[test]
    fn batch_count_limit_is_inclusive() {
        let batch = |count: usize| format!(r#"{{"events": [{}]}}"#, vec!["{}"; count].join(","));
        assert_eq!(parse_envelope(batch(MAX_EVENTS_PER_BATCH).as_bytes()).unwrap().events.len(), MAX_EVENTS_PER_BATCH);
        let err = error(batch(MAX_EVENTS_PER_BATCH + 1).as_bytes());
        assert_eq!((err.code, err.status()), (ErrorCode::BatchTooLarge, 413));
    }

    #[test]
    fn body_size_limit_is_inclusive() {
        let fill = |total: usize| {
            let overhead = r#"{"events": [{"pad": ""}]}"#.len();
            format!(r#"{{"events": [{{"pad": "{}"}}]}}"#, "x".repeat(total - overhead))
        };
        assert_eq!(fill(MAX_BODY_BYTES).len(), MAX_BODY_BYTES);
        assert!(parse_envelope(fill(MAX_BODY_BYTES).as_bytes()).is_ok());
        let err = error(fill(MAX_BODY_BYTES + 1).as_bytes());
        assert_eq!((err.code, err.status()), (ErrorCode::PayloadTooLarge, 413));
    }

    #[test]
    fn bad_sent_at_fails_the_batch() {
        let err = error(br#"{"events": [{}], "sent_at": "yesterday"}"#);
        assert_eq!((err.code, err.field.as_deref()), (ErrorCode::InvalidValue, Some("sent_at")));
        let err = error(br#"{"events": [{}], "sent_at": 1714564800}"#);
        assert_eq!((err.code, err.field.as_deref()), (ErrorCode::InvalidType, Some("sent_at")));
    }
}
