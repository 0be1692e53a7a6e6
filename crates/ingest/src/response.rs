//! The response: the plan's own findings merged with what the database RPC reports.

use edge::{ApiError, ErrorCode};
use serde::{Deserialize, Serialize};

use crate::object::with_optional_field;
use crate::plan::Plan;
use crate::result::Rejection;
use crate::uuid::parse_uuid;

/// What the ingestion RPC returns. Every event sent must be counted exactly once: in
/// `accepted`, in `duplicates` (its `event_id` was already stored), or in `rejected`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct DbOutcome {
    pub accepted: usize,
    pub duplicates: usize,
    #[serde(default)]
    pub rejected: Vec<DbRejection>,
}

/// An event the database refused while the rest of the batch landed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DbRejection {
    pub event_id: String,
    /// An `edge::ErrorCode` string, e.g. `trial_limit_exceeded`, or `invalid_value` for a
    /// `video_id` that is not in `cached_videos`.
    pub code: String,
    pub message: String,
    /// The event field at fault, unprefixed (`video_id`), if any.
    #[serde(default)]
    pub field: Option<String>,
}

impl DbOutcome {
    /// Parses the RPC's JSON result; anything else is the database breaking its contract.
    pub fn from_json(json: &[u8]) -> Result<Self, ApiError> {
        serde_json::from_slice(json).map_err(|error| {
            ApiError::new(ErrorCode::UpstreamError, format!("the ingestion RPC returned an unexpected result: {error}"))
        })
    }
}

/// The body clients get: `{"accepted", "duplicates", "rejected": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestResponse {
    pub accepted: usize,
    pub duplicates: usize,
    /// Sorted by batch index.
    pub rejected: Vec<Rejection>,
}

impl IngestResponse {
    /// 200 when nothing was rejected, 400 when everything was (nothing accepted and no
    /// duplicates), 207 for a mix.
    pub fn status(&self) -> u16 {
        if self.rejected.is_empty() {
            200
        } else if self.accepted == 0 && self.duplicates == 0 {
            400
        } else {
            207
        }
    }

    pub fn to_body(&self) -> String {
        // These types always serialize; the fallback only keeps this function total.
        serde_json::to_string(self)
            .unwrap_or_else(|_| ApiError::new(ErrorCode::Internal, "could not serialize the response").to_body())
    }
}

/// Merges the plan with the RPC's outcome (`None` when the RPC was skipped because the plan
/// had nothing to write). Database rejections are placed at their batch index by
/// `event_id`. Err means the outcome contradicts what was sent: retrying is then safe, as
/// every write is idempotent on `event_id`.
pub fn build_response(plan: &Plan, db: Option<&DbOutcome>) -> Result<IngestResponse, ApiError> {
    let Some(db) = db else {
        if plan.events_to_write() > 0 {
            return Err(ApiError::new(
                ErrorCode::Internal,
                "the RPC was skipped although the plan has events to write",
            ));
        }
        return Ok(IngestResponse {
            accepted: 0,
            duplicates: plan.duplicates_in_batch,
            rejected: plan.rejected.clone(),
        });
    };

    let counted = db.accepted.saturating_add(db.duplicates).saturating_add(db.rejected.len());
    if counted != plan.events_to_write() {
        let message =
            format!("the ingestion RPC accounted for {counted} events but {} were sent", plan.events_to_write());
        return Err(ApiError::new(ErrorCode::UpstreamError, message));
    }

    let mut rejected = plan.rejected.clone();
    for db_rejection in &db.rejected {
        rejected.push(place_db_rejection(plan, db_rejection)?);
    }
    rejected.sort_by_key(|rejection| rejection.index);
    Ok(IngestResponse { accepted: db.accepted, duplicates: plan.duplicates_in_batch + db.duplicates, rejected })
}

fn place_db_rejection(plan: &Plan, db_rejection: &DbRejection) -> Result<Rejection, ApiError> {
    // PostgreSQL prints uuids lowercase, as the plan keys them; parsing makes sure.
    let sent = parse_uuid(&db_rejection.event_id).and_then(|event_id| plan.index_by_event_id.get_key_value(&event_id));
    let Some((event_id, &index)) = sent else {
        return Err(ApiError::new(
            ErrorCode::UpstreamError,
            "the ingestion RPC rejected an event_id that was not sent",
        ));
    };
    // A code this build does not know is reported as ours to fix, not silently renamed:
    // the event is still rejected, so the client will not retry it forever.
    let code =
        ErrorCode::ALL.into_iter().find(|code| code.as_str() == db_rejection.code).unwrap_or(ErrorCode::Internal);
    let path = plan.shape.path_of(index);
    let field = db_rejection.field.as_deref().map(|name| path.field(name));
    let error = with_optional_field(ApiError::new(code, db_rejection.message.clone()), field);
    Ok(Rejection::new(index, Some(event_id.clone()), error))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::plan::plan_events;
    use crate::test_support::{batch, event_id, ping, Ping, RECEIVED_AT_MS};

    /// Events 0..=3 valid (ids 0..=3), event 4 a copy of id 0, event 5 invalid.
    fn mixed_plan() -> Plan {
        let mut invalid = ping(5);
        invalid["video_id"] = json!("x");
        let events = vec![ping(0), ping(1), ping(2), ping(3), ping(0), invalid];
        plan_events::<Ping>(&batch(events), RECEIVED_AT_MS).unwrap()
    }

    fn db_rejection(event_id: &str, code: &str, field: Option<&str>) -> DbRejection {
        DbRejection { event_id: event_id.into(), code: code.into(), message: "m".into(), field: field.map(Into::into) }
    }

    #[test]
    fn merges_db_rejections_at_their_batch_index() {
        let plan = mixed_plan();
        let db = DbOutcome {
            accepted: 1,
            duplicates: 1,
            rejected: vec![
                db_rejection(&event_id(3), "trial_limit_exceeded", None),
                db_rejection(&event_id(1).to_uppercase(), "invalid_value", Some("video_id")),
            ],
        };
        let response = build_response(&plan, Some(&db)).unwrap();
        assert_eq!((response.accepted, response.duplicates), (1, 2));
        let summary: Vec<_> = response.rejected.iter().map(|r| (r.index, r.code, r.field.clone())).collect();
        assert_eq!(
            summary,
            [
                (1, ErrorCode::InvalidValue, Some("events[1].video_id".into())),
                (3, ErrorCode::TrialLimitExceeded, None),
                (5, ErrorCode::InvalidValue, Some("events[5].video_id".into())),
            ]
        );
        assert_eq!(response.rejected[0].event_id, Some(event_id(1)));
        assert_eq!(response.status(), 207);
    }

    #[test]
    fn response_json_shape() {
        let plan = mixed_plan();
        let db = DbOutcome {
            accepted: 3,
            duplicates: 0,
            rejected: vec![db_rejection(&event_id(2), "trial_limit_exceeded", None)],
        };
        let body: serde_json::Value =
            serde_json::from_str(&build_response(&plan, Some(&db)).unwrap().to_body()).unwrap();
        assert_eq!(
            body,
            json!({
                "accepted": 3,
                "duplicates": 1,
                "rejected": [
                    { "index": 2, "event_id": event_id(2), "code": "trial_limit_exceeded", "field": null, "message": "m" },
                    {
                        "index": 5, "event_id": event_id(5), "code": "invalid_value", "field": "events[5].video_id",
                        "message": "must be a UUID like 0b9d7c1e-4f2a-4c3b-9d8e-7f6a5b4c3d2e"
                    },
                ]
            })
        );
    }

    #[test]
    fn status_codes() {
        let response = |accepted, duplicates, rejections: usize| IngestResponse {
            accepted,
            duplicates,
            rejected: (0..rejections)
                .map(|index| Rejection::new(index, None, ApiError::new(ErrorCode::InvalidValue, "m")))
                .collect(),
        };
        assert_eq!(response(2, 0, 0).status(), 200);
        assert_eq!(response(0, 2, 0).status(), 200, "an idempotent retry is a success");
        assert_eq!(response(0, 0, 0).status(), 200);
        assert_eq!(response(0, 0, 2).status(), 400);
        assert_eq!(response(1, 0, 1).status(), 207);
        assert_eq!(response(0, 1, 1).status(), 207);
    }

    #[test]
    fn skipped_rpc_when_everything_was_rejected() {
        let plan = plan_events::<Ping>(&batch(vec![json!({}), json!([])]), RECEIVED_AT_MS).unwrap();
        assert_eq!(plan.rpc_body, json!([]));
        let response = build_response(&plan, None).unwrap();
        assert_eq!((response.accepted, response.duplicates, response.rejected.len()), (0, 0, 2));
        assert_eq!(response.status(), 400);
    }

    #[test]
    fn skipping_the_rpc_with_events_to_write_is_a_bug() {
        assert_eq!(build_response(&mixed_plan(), None).unwrap_err().code, ErrorCode::Internal);
    }

    #[test]
    fn db_outcomes_that_contradict_the_plan_are_upstream_errors() {
        let plan = mixed_plan();
        let miscounted = DbOutcome { accepted: 3, duplicates: 0, rejected: vec![] };
        assert_eq!(build_response(&plan, Some(&miscounted)).unwrap_err().code, ErrorCode::UpstreamError);
        let stranger = DbOutcome {
            accepted: 3,
            duplicates: 0,
            rejected: vec![db_rejection(&event_id(99), "invalid_value", None)],
        };
        assert_eq!(build_response(&plan, Some(&stranger)).unwrap_err().code, ErrorCode::UpstreamError);
        let not_a_uuid =
            DbOutcome { accepted: 3, duplicates: 0, rejected: vec![db_rejection("?", "invalid_value", None)] };
        assert_eq!(build_response(&plan, Some(&not_a_uuid)).unwrap_err().code, ErrorCode::UpstreamError);
    }

    #[test]
    fn unknown_db_codes_are_reported_as_internal_errors() {
        let plan = mixed_plan();
        let db = DbOutcome {
            accepted: 3,
            duplicates: 0,
            rejected: vec![db_rejection(&event_id(0), "brand_new_code", None)],
        };
        let response = build_response(&plan, Some(&db)).unwrap();
        assert_eq!(response.rejected[0].code, ErrorCode::Internal);
        assert_eq!(response.rejected[0].index, 0);
    }

    #[test]
    fn parses_the_rpc_result() {
        let outcome = DbOutcome::from_json(
            br#"{"accepted": 2, "duplicates": 1, "rejected": [{"event_id": "e", "code": "trial_limit_exceeded", "message": "m"}]}"#,
        )
        .unwrap();
        assert_eq!(outcome.rejected[0], db_rejection("e", "trial_limit_exceeded", None));
        assert_eq!(DbOutcome::from_json(br#"{"accepted": 2, "duplicates": 0}"#).unwrap().rejected, vec![]);
        for bad in [&b""[..], b"null", br#"{"accepted": -1, "duplicates": 0}"#, br#"{"accepted": "2"}"#] {
            assert_eq!(DbOutcome::from_json(bad).unwrap_err().code, ErrorCode::UpstreamError);
        }
    }
}
