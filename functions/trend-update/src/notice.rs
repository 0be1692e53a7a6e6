//! The signed webhook the database sends, and the context the function then reads.
//!
//! The trigger keeps its part cheap: it sends only which outbox rows changed
//! (`{"delivery_id", "outbox_ids", "sent_at"}`), at most [`MAX_OUTBOX_IDS`] per request. The
//! function reads each keyword's score history and mappings with one RPC
//! (`trend_delivery_context`), whose answer is a [`crate::payload::Delivery`] plus the mappings.

use edge::{ApiError, ErrorCode};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::ranking::MappingRow;

/// The trigger chunks larger changes into several deliveries of at most this many rows.
pub const MAX_OUTBOX_IDS: usize = 200;

/// Largest body accepted, checked before the signature is computed. A real notice is under
/// 4 KiB (200 ids); anyone can reach this URL (`verify_jwt = false`), so an unbounded body
/// would let them make us hash and hold megabytes per request.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// 413 `payload_too_large` for a body over [`MAX_BODY_BYTES`].
pub fn check_body_size(len: usize) -> Result<(), ApiError> {
    if len > MAX_BODY_BYTES {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the body is {len} bytes; at most {MAX_BODY_BYTES} are accepted"),
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookNotice {
    pub delivery_id: String,
    pub outbox_ids: Vec<i64>,
    pub sent_at: String,
}

/// Parses and bounds the webhook body (after its signature has been checked).
pub fn parse_notice(body: &[u8]) -> Result<WebhookNotice, ApiError> {
    let notice: WebhookNotice = serde_json::from_slice(body).map_err(|e| {
        let message = e.to_string();
        let code = if e.is_syntax() || e.is_eof() {
            ErrorCode::MalformedJson
        } else if message.starts_with("unknown field") {
            ErrorCode::UnknownField
        } else if message.starts_with("missing field") {
            ErrorCode::MissingField
        } else {
            ErrorCode::InvalidType
        };
        ApiError::new(code, format!("webhook body: {message}"))
    })?;
    if notice.outbox_ids.is_empty() {
        return Err(ApiError::new(ErrorCode::EmptyBatch, "outbox_ids is empty").with_field("outbox_ids"));
    }
    if notice.outbox_ids.len() > MAX_OUTBOX_IDS {
        return Err(ApiError::new(ErrorCode::BatchTooLarge, format!("at most {MAX_OUTBOX_IDS} outbox_ids per delivery"))
            .with_field("outbox_ids"));
    }
    if notice.outbox_ids.iter().any(|id| *id <= 0) {
        return Err(ApiError::new(ErrorCode::InvalidValue, "outbox ids are positive").with_field("outbox_ids"));
    }
    Ok(notice)
}

/// What `trend_delivery_context` answers. `delivery` is kept raw so the strict
/// [`crate::payload::parse_delivery`] reads it; it is null when every row is gone (pruned).
#[derive(Debug, Deserialize)]
pub struct DeliveryContext {
    pub delivery: Option<Box<RawValue>>,
    #[serde(default)]
    pub mappings: Vec<MappingRow>,
}

pub fn parse_context(body: &str) -> Result<DeliveryContext, ApiError> {
    serde_json::from_str(body)
        .map_err(|e| ApiError::new(ErrorCode::UpstreamError, format!("trend_delivery_context answered unexpected JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_size_limit_is_inclusive() {
        assert!(check_body_size(MAX_BODY_BYTES).is_ok());
        let err = check_body_size(MAX_BODY_BYTES + 1).unwrap_err();
        assert_eq!((err.code, err.status()), (ErrorCode::PayloadTooLarge, 413));
        // The largest real notice fits with room to spare.
        let ids: Vec<i64> = (0..MAX_OUTBOX_IDS as i64).map(|i| i64::MAX - i).collect();
        let notice = serde_json::json!({ "delivery_id": "9b2e0c1a-0000-4000-8000-000000000000", "outbox_ids": ids, "sent_at": "2026-11-25T17:00:00.000000+00:00" });
        assert!(notice.to_string().len() * 4 < MAX_BODY_BYTES);
    }

    #[test]
    fn reads_a_notice() {
        let n = parse_notice(br#"{"delivery_id":"d","outbox_ids":[3,4],"sent_at":"2026-01-01T00:00:00Z"}"#).unwrap();
        assert_eq!(n.outbox_ids, vec![3, 4]);
    }

    #[test]
    fn rejects_bad_notices_with_codes() {
        let code = |b: &[u8]| parse_notice(b).unwrap_err().code;
        assert_eq!(code(b"{"), ErrorCode::MalformedJson);
        assert_eq!(code(br#"{"delivery_id":"d","outbox_ids":[1],"sent_at":"x","extra":1}"#), ErrorCode::UnknownField);
        assert_eq!(code(br#"{"delivery_id":"d","sent_at":"x"}"#), ErrorCode::MissingField);
        assert_eq!(code(br#"{"delivery_id":"d","outbox_ids":["1"],"sent_at":"x"}"#), ErrorCode::InvalidType);
        assert_eq!(code(br#"{"delivery_id":"d","outbox_ids":[],"sent_at":"x"}"#), ErrorCode::EmptyBatch);
        assert_eq!(code(br#"{"delivery_id":"d","outbox_ids":[0],"sent_at":"x"}"#), ErrorCode::InvalidValue);
        let many = format!(r#"{{"delivery_id":"d","outbox_ids":[{}],"sent_at":"x"}}"#, vec!["1"; MAX_OUTBOX_IDS + 1].join(","));
        assert_eq!(code(many.as_bytes()), ErrorCode::BatchTooLarge);
    }

    #[test]
    fn reads_a_context_with_or_without_delivery() {
        let c = parse_context(r#"{"delivery":null,"mappings":[]}"#).unwrap();
        assert!(c.delivery.is_none());
        let c = parse_context(r#"{"delivery":{"x":1},"mappings":[]}"#).unwrap();
        assert_eq!(c.delivery.unwrap().get(), r#"{"x":1}"#);
        assert_eq!(parse_context("[]").unwrap_err().code, ErrorCode::UpstreamError);
    }
}
