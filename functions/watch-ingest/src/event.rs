//! A watch event: one playback action on one video, within a viewing session.

use edge::ApiError;
use ingest::{wire_enum, EventSchema, NumberBounds, StrictObject, SOURCE_KEYWORD};
use serde::Serialize;

wire_enum! {
    /// What the player did.
    pub enum WatchEventType {
        Play = "play",
        Pause = "pause",
        Seek = "seek",
        End = "end",
        Skip = "skip",
        Replay = "replay",
    }
}

/// A day of video: far beyond any Short, low enough to refuse garbage numbers.
const MAX_VIDEO_SECONDS: f64 = 86_400.0;
/// A playhead position, in seconds from the video's start.
const POSITION: NumberBounds = NumberBounds::zero_to(MAX_VIDEO_SECONDS);
/// A video length: a zero-length video is a client bug, not a video.
const DURATION: NumberBounds = NumberBounds::above_zero_to(MAX_VIDEO_SECONDS);

/// The fields of a watch event besides `event_id` and `occurred_at` (read by `ingest`).
/// Serialized as-is into the RPC body, so the field names are the contract's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WatchEvent {
    pub session_id: String,
    /// `cached_videos.id`; the database checks it exists.
    pub video_id: String,
    pub event_type: WatchEventType,
    /// Playhead position, seconds.
    pub video_timestamp: f64,
    /// Seeks only: where the playhead jumped from and to, seconds.
    pub seek_from: Option<f64>,
    pub seek_to: Option<f64>,
    /// The video's length, seconds.
    pub total_duration: Option<f64>,
    pub source_keyword: Option<String>,
}

impl EventSchema for WatchEvent {
    const FIELDS: &'static [&'static str] = &[
        "session_id",
        "video_id",
        "event_type",
        "video_timestamp",
        "seek_from",
        "seek_to",
        "total_duration",
        "source_keyword",
    ];

    fn from_object(object: &StrictObject<'_>) -> Result<Self, ApiError> {
        let session_id = object.required_uuid("session_id")?;
        let video_id = object.required_uuid("video_id")?;
        let event_type = object.required_enum("event_type")?;
        let video_timestamp = object.required_number("video_timestamp", POSITION)?;
        let (seek_from, seek_to) = read_seek_range(object, event_type)?;
        Ok(Self {
            session_id,
            video_id,
            event_type,
            video_timestamp,
            seek_from,
            seek_to,
            total_duration: object.optional_number("total_duration", DURATION)?,
            source_keyword: object.optional_text("source_keyword", SOURCE_KEYWORD)?,
        })
    }
}

/// Only a seek moves the playhead, so a seek must say from where to where and nothing
/// else may: a stray `seek_to` on a `play` would be a client bug worth surfacing.
fn read_seek_range(
    object: &StrictObject<'_>,
    event_type: WatchEventType,
) -> Result<(Option<f64>, Option<f64>), ApiError> {
    if event_type == WatchEventType::Seek {
        let seek_from = object.required_number("seek_from", POSITION)?;
        let seek_to = object.required_number("seek_to", POSITION)?;
        return Ok((Some(seek_from), Some(seek_to)));
    }
    for name in ["seek_from", "seek_to"] {
        object.require_absent(name, "is only allowed when event_type is \"seek\"")?;
    }
    Ok((None, None))
}
