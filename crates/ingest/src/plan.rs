//! From request body to the RPC call: validate every event on its own, correct its
//! timestamp, drop in-batch duplicates, and lay the survivors out as the RPC's JSON array.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use edge::{ApiError, ErrorCode};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::envelope::{parse_envelope, BodyShape};
use crate::limits::MAX_EVENT_BYTES;
use crate::object::{with_optional_field, StrictObject};
use crate::path::ObjectPath;
use crate::result::Rejection;
use crate::skew::{correct_occurred_at, CorrectedTime};
use crate::timestamp::format_rfc3339_ms;
use crate::uuid::parse_uuid;

/// Fields every event type has; the planner reads them, the event type reads the rest.
pub const COMMON_FIELDS: [&str; 2] = ["event_id", "occurred_at"];

/// One kind of client event (feedback, watch): its own fields and how to validate them.
pub trait EventSchema: Serialize + Sized {
    /// The contract's field names besides [`COMMON_FIELDS`]; any other key is refused.
    /// Serializing the event must produce exactly these keys: they become the RPC's.
    const FIELDS: &'static [&'static str];

    /// Reads and validates those fields, stopping at the first problem (read fields in
    /// contract order so the reported problem is predictable).
    fn from_object(object: &StrictObject<'_>) -> Result<Self, ApiError>;
}

/// What to write and what to report, decided before touching the database.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The RPC argument: a JSON array with one object per event to write (see README).
    /// Empty when nothing survived validation: then skip the RPC.
    pub rpc_body: Value,
    /// Events refused by validation, in batch order.
    pub rejected: Vec<Rejection>,
    /// Later copies of an `event_id` already seen in this batch (not written, not errors).
    pub duplicates_in_batch: usize,
    /// The batch index of each event in `rpc_body`, to place database rejections.
    pub index_by_event_id: HashMap<String, usize>,
    pub shape: BodyShape,
}

impl Plan {
    /// How many events `rpc_body` holds.
    pub fn events_to_write(&self) -> usize {
        self.index_by_event_id.len()
    }
}

/// Plans a request body received at `received_at_ms` (unix ms, server clock). Err is for
/// whole-request failures only (see `envelope`); a bad event becomes a [`Rejection`].
pub fn plan_events<E: EventSchema>(body: &[u8], received_at_ms: i64) -> Result<Plan, ApiError> {
    let envelope = parse_envelope(body)?;
    let mut rpc_events = Vec::new();
    let mut rejected = Vec::new();
    let mut duplicates_in_batch = 0;
    let mut index_by_event_id = HashMap::new();

    for (index, &raw) in envelope.events.iter().enumerate() {
        let path = envelope.shape.path_of(index);
        let event = match validate_event::<E>(raw, path, envelope.sent_at_ms, received_at_ms) {
            Ok(event) => event,
            Err(error) => {
                rejected.push(Rejection::new(index, peek_event_id(raw), error));
                continue;
            }
        };
        // The first valid copy of an id wins; later ones are what a retry looks like, so
        // they count as duplicates, the same as copies already in the database.
        match index_by_event_id.entry(event.event_id.clone()) {
            Entry::Occupied(_) => duplicates_in_batch += 1,
            Entry::Vacant(slot) => {
                slot.insert(index);
                rpc_events.push(event.to_rpc_json()?);
            }
        }
    }

    Ok(Plan {
        rpc_body: Value::Array(rpc_events),
        rejected,
        duplicates_in_batch,
        index_by_event_id,
        shape: envelope.shape,
    })
}

/// An event that passed validation, with its time on the server clock.
struct ValidEvent<E> {
    event_id: String,
    fields: E,
    client_occurred_at_ms: i64,
    corrected: CorrectedTime,
}

/// One element of the RPC's array: the common fields around the event type's own.
#[derive(Serialize)]
struct RpcEvent<'e, E> {
    event_id: &'e str,
    #[serde(flatten)]
    fields: &'e E,
    occurred_at: String,
    client_occurred_at: String,
    clamped: bool,
}

impl<E: Serialize> ValidEvent<E> {
    fn to_rpc_json(&self) -> Result<Value, ApiError> {
        let rpc_event = RpcEvent {
            event_id: &self.event_id,
            fields: &self.fields,
            occurred_at: format_rfc3339_ms(self.corrected.occurred_at_ms),
            client_occurred_at: format_rfc3339_ms(self.client_occurred_at_ms),
            clamped: self.corrected.clamped,
        };
        // Only a Serialize impl that emits non-string map keys could fail here: a bug of
        // ours, not the client's, hence a whole-request internal error.
        serde_json::to_value(rpc_event).map_err(|error| {
            ApiError::new(ErrorCode::Internal, format!("could not lay out an event for the RPC: {error}"))
        })
    }
}

fn validate_event<E: EventSchema>(
    raw: &RawValue,
    path: ObjectPath,
    sent_at_ms: Option<i64>,
    received_at_ms: i64,
) -> Result<ValidEvent<E>, ApiError> {
    let size = raw.get().len();
    if size > MAX_EVENT_BYTES {
        let message = format!("the event is {size} bytes; at most {MAX_EVENT_BYTES} are accepted");
        return Err(with_optional_field(ApiError::new(ErrorCode::EventTooLarge, message), path.whole()));
    }
    let object = StrictObject::parse(raw, path)?;
    object.reject_unknown_fields(|name| COMMON_FIELDS.contains(&name) || E::FIELDS.contains(&name))?;
    let event_id = object.required_uuid("event_id")?;
    let fields = E::from_object(&object)?;
    let client_occurred_at_ms = object.required_timestamp_ms("occurred_at")?;
    let corrected = correct_occurred_at(client_occurred_at_ms, sent_at_ms, received_at_ms).map_err(|_too_old| {
        ApiError::new(
            ErrorCode::InvalidValue,
            "is more than 7 days before the request was received (after clock-skew correction)",
        )
        .with_field(path.field("occurred_at"))
    })?;
    Ok(ValidEvent { event_id, fields, client_occurred_at_ms, corrected })
}

/// The `event_id` of a refused event, when it is readable, so the client can match the
/// rejection to its queue even if the index were lost.
fn peek_event_id(raw: &RawValue) -> Option<String> {
    let object = StrictObject::parse(raw, ObjectPath::Body).ok()?;
    let id: String = serde_json::from_str(object.value("event_id")?.get()).ok()?;
    parse_uuid(&id)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::test_support::{batch, event_id, ping, Ping, RECEIVED_AT_MS, VIDEO_ID};

    fn plan(body: &[u8]) -> Plan {
        plan_events::<Ping>(body, RECEIVED_AT_MS).unwrap()
    }

    #[test]
    fn single_event_becomes_a_one_element_rpc_body() {
        let body = serde_json::to_vec(&ping(1)).unwrap();
        let plan = plan(&body);
        assert_eq!(plan.shape, BodyShape::SingleEvent);
        assert_eq!(
            plan.rpc_body,
            json!([{
                "event_id": event_id(1),
                "video_id": VIDEO_ID,
                "source_keyword": null,
                "occurred_at": "2024-05-01T12:00:00.000Z",
                "client_occurred_at": "2024-05-01T12:00:00.000Z",
                "clamped": false,
            }])
        );
        assert_eq!(plan.index_by_event_id, HashMap::from([(event_id(1), 0)]));
        assert!(plan.rejected.is_empty());
    }

    #[test]
    fn batch_sent_at_corrects_every_event() {
        // Device clock 1 h behind: sent at 11:00:10, events at 10:59:40 and 11:00:00.
        let mut first = ping(1);
        first["occurred_at"] = json!("2024-05-01T10:59:40Z");
        let mut second = ping(2);
        second["occurred_at"] = json!("2024-05-01T13:00:00+02:00");
        let body = json!({ "events": [first, second], "sent_at": "2024-05-01T11:00:10Z" });
        let plan = plan(&serde_json::to_vec(&body).unwrap());
        let times: Vec<(&str, &str)> = plan
            .rpc_body
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["occurred_at"].as_str().unwrap(), e["client_occurred_at"].as_str().unwrap()))
            .collect();
        assert_eq!(
            times,
            [
                ("2024-05-01T11:59:30.000Z", "2024-05-01T10:59:40.000Z"),
                ("2024-05-01T11:59:50.000Z", "2024-05-01T11:00:00.000Z"),
            ]
        );
    }

    #[test]
    fn future_events_are_clamped_and_flagged() {
        let mut event = ping(1);
        event["occurred_at"] = json!("2024-05-01T13:00:00.001Z");
        let plan = plan(&batch(vec![event]));
        let written = &plan.rpc_body[0];
        assert_eq!(written["occurred_at"], "2024-05-01T12:00:00.000Z");
        assert_eq!(written["client_occurred_at"], "2024-05-01T13:00:00.001Z");
        assert_eq!(written["clamped"], true);
    }

    #[test]
    fn ancient_events_are_rejected_on_occurred_at() {
        let mut event = ping(1);
        event["occurred_at"] = json!("2024-04-24T11:59:59Z");
        let plan = plan(&batch(vec![ping(0), event]));
        assert_eq!(plan.events_to_write(), 1);
        let rejection = &plan.rejected[0];
        assert_eq!(rejection.index, 1);
        assert_eq!(rejection.code, ErrorCode::InvalidValue);
        assert_eq!(rejection.field.as_deref(), Some("events[1].occurred_at"));
        assert_eq!(rejection.event_id, Some(event_id(1)));
    }

    #[test]
    fn bad_events_do_not_block_good_ones() {
        let mut typo = ping(2);
        typo["video_id"] = json!("nope");
        let plan = plan(&batch(vec![ping(1), json!("not an object"), typo, ping(3)]));
        assert_eq!(plan.events_to_write(), 2);
        assert_eq!(plan.index_by_event_id, HashMap::from([(event_id(1), 0), (event_id(3), 3)]));
        let summary: Vec<_> =
            plan.rejected.iter().map(|r| (r.index, r.event_id.clone(), r.code, r.field.clone())).collect();
        assert_eq!(
            summary,
            [
                (1, None, ErrorCode::InvalidType, Some("events[1]".into())),
                (2, Some(event_id(2)), ErrorCode::InvalidValue, Some("events[2].video_id".into())),
            ]
        );
    }

    #[test]
    fn within_batch_duplicates_keep_the_first_valid_copy() {
        let mut invalid_copy = ping(1);
        invalid_copy["video_id"] = json!(12);
        let mut later_copy = ping(1);
        later_copy["occurred_at"] = json!("2024-05-01T11:00:00Z");
        let mut uppercase_copy = ping(1);
        uppercase_copy["event_id"] = json!(event_id(1).to_uppercase());
        let plan = plan(&batch(vec![invalid_copy, ping(1), later_copy, uppercase_copy, ping(2)]));
        assert_eq!(plan.duplicates_in_batch, 2);
        assert_eq!(plan.rejected.len(), 1, "an invalid copy claims no id");
        assert_eq!(plan.index_by_event_id, HashMap::from([(event_id(1), 1), (event_id(2), 4)]));
        assert_eq!(plan.rpc_body[0]["occurred_at"], "2024-05-01T12:00:00.000Z");
    }

    #[test]
    fn oversize_events_are_rejected_alone_and_keep_their_id() {
        let mut big = ping(2);
        big["source_keyword"] = json!("k".repeat(MAX_EVENT_BYTES));
        let plan = plan(&batch(vec![ping(1), big]));
        assert_eq!(plan.events_to_write(), 1);
        let rejection = &plan.rejected[0];
        assert_eq!((rejection.index, rejection.code), (1, ErrorCode::EventTooLarge));
        assert_eq!(rejection.field.as_deref(), Some("events[1]"));
        assert_eq!(rejection.event_id, Some(event_id(2)));
    }

    #[test]
    fn event_size_is_measured_on_raw_bytes_inclusive() {
        // Whitespace counts: the limit is on what the client sent.
        let compact = serde_json::to_string(&ping(1)).unwrap();
        let padded = |len: usize| format!("{}{}{}", &compact[..1], " ".repeat(len - compact.len()), &compact[1..]);
        let at_limit = format!(r#"{{"events": [{}]}}"#, padded(MAX_EVENT_BYTES));
        assert_eq!(plan(at_limit.as_bytes()).events_to_write(), 1);
        let over = format!(r#"{{"events": [{}]}}"#, padded(MAX_EVENT_BYTES + 1));
        assert_eq!(plan(over.as_bytes()).rejected[0].code, ErrorCode::EventTooLarge);
    }

    #[test]
    fn unknown_fields_including_user_id_are_rejected_first() {
        let mut event = ping(1);
        event["user_id"] = json!("22222222-2222-4222-8222-222222222222");
        event["video_id"] = json!("also bad");
        let plan = plan(&batch(vec![event]));
        let rejection = &plan.rejected[0];
        assert_eq!(rejection.code, ErrorCode::UnknownField);
        assert_eq!(rejection.field.as_deref(), Some("events[0].user_id"));
        assert_eq!(plan.rpc_body, json!([]));
    }

    #[test]
    fn common_fields_are_required_and_checked() {
        let mut no_id = ping(1);
        no_id.as_object_mut().unwrap().remove("event_id");
        let mut no_time = ping(2);
        no_time.as_object_mut().unwrap().remove("occurred_at");
        let mut bad_time = ping(3);
        bad_time["occurred_at"] = json!(1_714_564_800_000_i64);
        let plan = plan(&batch(vec![no_id, no_time, bad_time]));
        let summary: Vec<_> = plan.rejected.iter().map(|r| (r.code, r.field.clone().unwrap())).collect();
        assert_eq!(
            summary,
            [
                (ErrorCode::MissingField, "events[0].event_id".into()),
                (ErrorCode::MissingField, "events[1].occurred_at".into()),
                (ErrorCode::InvalidType, "events[2].occurred_at".into()),
            ]
        );
    }

    #[test]
    fn single_event_errors_have_unprefixed_fields() {
        let mut event = ping(1);
        event["video_id"] = json!(null);
        let plan = plan(&serde_json::to_vec(&event).unwrap());
        assert_eq!(plan.rejected[0].field.as_deref(), Some("video_id"));
        assert_eq!(plan.rejected[0].index, 0);
    }

    #[test]
    fn whole_request_failures_are_errors() {
        let err = plan_events::<Ping>(b"{\"events\": []}", RECEIVED_AT_MS).unwrap_err();
        assert_eq!(err.code, ErrorCode::EmptyBatch);
        let err = plan_events::<Ping>(b"{\"events\": [", RECEIVED_AT_MS).unwrap_err();
        assert_eq!(err.code, ErrorCode::MalformedJson);
    }
}
