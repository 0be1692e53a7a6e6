//! `ingest::response::DbOutcome::from_json` on any RPC answer, then `build_response`
//! merging it with a fixed plan (3 written events, 1 in-batch duplicate, 1 rejected).
#![no_main]

use std::sync::OnceLock;

use edge::ErrorCode;
use ingest::{build_response, DbOutcome, Plan};
use libfuzzer_sys::fuzz_target;

const BODY: &str = r#"{"events": [
 {"event_id": "00000000-0000-4000-8000-000000000001", "video_id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "feedback_type": "like", "occurred_at": "2024-05-01T11:59:00Z"},
 {"event_id": "00000000-0000-4000-8000-000000000002", "video_id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "feedback_type": "dislike", "occurred_at": "2024-05-01T11:59:00Z"},
 {"event_id": "00000000-0000-4000-8000-000000000001", "video_id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "feedback_type": "like", "occurred_at": "2024-05-01T11:59:00Z"},
 {"event_id": "00000000-0000-4000-8000-000000000004", "video_id": "nope", "feedback_type": "like", "occurred_at": "2024-05-01T11:59:00Z"},
 {"event_id": "00000000-0000-4000-8000-000000000005", "video_id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "feedback_type": "report", "occurred_at": "2024-05-01T11:59:00Z"}
], "sent_at": "2024-05-01T11:59:30Z"}"#;

fn plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| {
        let plan = feedback_ingest::plan(BODY.as_bytes(), fuzz_support::RECEIVED_AT_MS).unwrap();
        assert_eq!((plan.events_to_write(), plan.duplicates_in_batch, plan.rejected.len()), (3, 1, 1));
        plan
    })
}

fuzz_target!(|data: &[u8]| {
    let plan = plan();
    let db = match DbOutcome::from_json(data) {
        Ok(db) => db,
        Err(error) => {
            assert_eq!(error.code, ErrorCode::UpstreamError);
            return;
        }
    };
    match build_response(plan, Some(&db)) {
        Ok(response) => {
            // Accepted: the RPC accounted for exactly the events sent.
            assert_eq!(db.accepted + db.duplicates + db.rejected.len(), plan.events_to_write());
            assert_eq!(response.accepted, db.accepted);
            assert_eq!(response.duplicates, plan.duplicates_in_batch + db.duplicates);
            fuzz_support::check_response(plan, &response, db.rejected.len());
            for rejection in &response.rejected {
                assert!(rejection.index < 5);
            }
        }
        Err(error) => assert_eq!(error.code, ErrorCode::UpstreamError, "{error:?}"),
    }
});
