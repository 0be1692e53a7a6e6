//! A feedback event: what a user said about one video.

use std::ops::RangeInclusive;

use edge::ApiError;
use ingest::{wire_enum, EventSchema, StrictObject, TextRule, SOURCE_KEYWORD};
use serde::Serialize;

wire_enum! {
    /// The user's verdict on a video.
    pub enum FeedbackType {
        Like = "like",
        Dislike = "dislike",
        NotInterested = "not_interested",
        Report = "report",
    }
}

wire_enum! {
    /// Why, when the client asks.
    pub enum Reason {
        Irrelevant = "irrelevant",
        SeenTooMany = "seen_too_many",
        Offensive = "offensive",
        Quality = "quality",
        Other = "other",
    }
}

/// Free text for reports; may span lines. A blank comment is no comment.
const COMMENT: TextRule = TextRule { max_chars: 1_000, multiline: true, blank_is_absent: true };
/// Where the video was in the feed the user saw.
const POSITION_IN_LIST: RangeInclusive<i64> = 0..=10_000;

/// The fields of a feedback event besides `event_id` and `occurred_at` (read by `ingest`).
/// Serialized as-is into the RPC body, so the field names are the contract's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedbackEvent {
    /// `cached_videos.id`; the database checks it exists.
    pub video_id: String,
    pub feedback_type: FeedbackType,
    pub reason: Option<Reason>,
    pub comment: Option<String>,
    pub source_keyword: Option<String>,
    pub position_in_list: Option<i64>,
    pub session_id: Option<String>,
}

impl EventSchema for FeedbackEvent {
    const FIELDS: &'static [&'static str] =
        &["video_id", "feedback_type", "reason", "comment", "source_keyword", "position_in_list", "session_id"];

    fn from_object(object: &StrictObject<'_>) -> Result<Self, ApiError> {
        Ok(Self {
            video_id: object.required_uuid("video_id")?,
            feedback_type: object.required_enum("feedback_type")?,
            reason: object.optional_enum("reason")?,
            comment: object.optional_text("comment", COMMENT)?,
            source_keyword: object.optional_text("source_keyword", SOURCE_KEYWORD)?,
            position_in_list: object.optional_integer("position_in_list", POSITION_IN_LIST)?,
            session_id: object.optional_uuid("session_id")?,
        })
    }
}
