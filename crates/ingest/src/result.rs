//! Per-event outcomes: one bad event is reported, never fatal to its batch.

use edge::{ApiError, ErrorCode};
use serde::Serialize;

/// An event that was not written, as reported in the response's `rejected[]`. Every key is
/// always present (`event_id` and `field` may be `null`) so clients read one shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    /// Position in the batch (0 for a single-event body).
    pub index: usize,
    /// The event's id when it was a readable UUID, lowercased; else None.
    pub event_id: Option<String>,
    pub code: ErrorCode,
    /// `events[3].feedback_type`, `events[3]` (the event as a whole), or None.
    pub field: Option<String>,
    pub message: String,
}

impl Rejection {
    pub fn new(index: usize, event_id: Option<String>, error: ApiError) -> Self {
        Self { index, event_id, code: error.code, field: error.field, message: error.message }
    }
}
