//! The one entry point the glue calls with a request body.

use edge::ApiError;
use ingest::{plan_events, Plan};

use crate::event::FeedbackEvent;

/// Validates a feedback body received at `received_at_ms` (unix ms) and plans the RPC.
/// Err only for whole-request failures; bad events are in `Plan::rejected`.
pub fn plan(body: &[u8], received_at_ms: i64) -> Result<Plan, ApiError> {
    plan_events::<FeedbackEvent>(body, received_at_ms)
}
