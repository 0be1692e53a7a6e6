//! A minimal event type and fixtures for testing the planner without a real function.

use edge::ApiError;
use serde::Serialize;

use crate::{EventSchema, StrictObject, SOURCE_KEYWORD};

/// 2024-05-01T12:00:00.000Z.
pub const RECEIVED_AT_MS: i64 = 1_714_564_800_000;

#[derive(Debug, Serialize)]
pub struct Ping {
    pub video_id: String,
    pub source_keyword: Option<String>,
}

impl EventSchema for Ping {
    const FIELDS: &'static [&'static str] = &["video_id", "source_keyword"];

    fn from_object(object: &StrictObject<'_>) -> Result<Self, ApiError> {
        Ok(Self {
            video_id: object.required_uuid("video_id")?,
            source_keyword: object.optional_text("source_keyword", SOURCE_KEYWORD)?,
        })
    }
}

/// A distinct, valid event id per `n`.
pub fn event_id(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

pub const VIDEO_ID: &str = "11111111-1111-4111-8111-111111111111";

/// A valid ping as JSON, `occurred_at` 12:00:00Z the same day as [`RECEIVED_AT_MS`].
pub fn ping(n: u32) -> serde_json::Value {
    serde_json::json!({ "event_id": event_id(n), "video_id": VIDEO_ID, "occurred_at": "2024-05-01T12:00:00Z" })
}

pub fn batch(events: Vec<serde_json::Value>) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "events": events })).unwrap()
}
