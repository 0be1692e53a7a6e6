//! Turning what PostgREST answered into our taxonomy. Pure, so every mapping is unit-tested;
//! the wasm glue only feeds it the status and body it received.

use serde::Deserialize;

use crate::error::{ApiError, ErrorCode};

/// PostgREST's error body (`code`, `message`, `details`, `hint`).
#[derive(Debug, Default, Deserialize)]
pub struct PostgrestError {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub details: Option<String>,
    #[serde(default)]
    pub hint: Option<String>,
}

/// Seconds a client should wait before retrying when the API or database is away.
pub const RETRY_AFTER_SECS: u32 = 1;

/// The request never got an answer (connection refused, reset, timed out).
/// `detail` is the transport's error text; only its first line is kept (JS errors carry
/// their stack trace).
pub fn unreachable(detail: &str) -> ApiError {
    let first_line = detail.lines().next().unwrap_or_default();
    ApiError::new(ErrorCode::UpstreamUnavailable, format!("the database API is unreachable: {}", truncate(first_line, 200)))
        .with_retry_after(RETRY_AFTER_SECS)
}

/// Maps a non-2xx PostgREST answer to the error our caller should see.
pub fn classify(status: u16, body: &str) -> ApiError {
    let err: PostgrestError = serde_json::from_str(body).unwrap_or_default();
    let code = err.code.as_deref().unwrap_or("");
    let message = err.message.clone().unwrap_or_else(|| truncate(body, 200));
    match (status, code) {
        // The API is away: a gateway in front of it could not reach it (502: connection refused
        // while PostgREST restarts; 503/504: no healthy upstream, timeout; PostgREST itself
        // never answers 502), or a connection-level failure inside the API (pool, database
        // down, shutting down).
        (502..=504, _) | (500, "PGRST000" | "PGRST001" | "PGRST002" | "PGRST500" | "57P01" | "57P03" | "08006" | "08001") => {
            ApiError::new(ErrorCode::UpstreamUnavailable, format!("the database is unavailable: {message}"))
                .with_retry_after(RETRY_AFTER_SECS)
        }
        (_, "42501") => ApiError::new(ErrorCode::Forbidden, format!("row-level security refused the write: {message}")),
        (401, _) => ApiError::new(ErrorCode::InvalidAuth, format!("the API rejected the credentials: {message}")),
        (_, "P0001") if message == "trial_limit_exceeded" => ApiError::new(
            ErrorCode::TrialLimitExceeded,
            err.details.unwrap_or_else(|| "trial users may record 50 video interactions per day".into()),
        ),
        // A validly signed token whose user is gone (account deleted while the token lives):
        // the write's foreign key to users fails. A credential problem, not a server error.
        (_, "23503") if message.contains("user_id_fkey") || err.details.as_deref().is_some_and(|d| d.starts_with("Key (user_id)=")) => {
            ApiError::new(ErrorCode::InvalidAuth, "the token's user does not exist (deleted account?)")
        }
        (_, "P0001") if message == "replayed_delivery" => {
            ApiError::new(ErrorCode::ReplayedDelivery, "this webhook-id was already processed")
        }
        _ => ApiError::new(ErrorCode::UpstreamError, format!("the database API answered {status} {code}: {message}")),
    }
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_down_is_retryable() {
        let e = classify(500, r#"{"code":"PGRST500","message":"connection refused"}"#);
        assert_eq!((e.code, e.retry_after_secs), (ErrorCode::UpstreamUnavailable, Some(1)));
        assert_eq!(classify(503, "").code, ErrorCode::UpstreamUnavailable);
        assert_eq!(unreachable("refused").status(), 503);
    }

    #[test]
    fn a_timeout_keeps_the_first_line_only() {
        let e = unreachable("error sending request: JsValue(TimeoutError: Signal timed out.\nTimeoutError: Signal timed out.\n    at ext:deno_web/03_abort_signal.js:130:11");
        assert_eq!(e.message, "the database API is unreachable: error sending request: JsValue(TimeoutError: Signal timed out.");
        assert_eq!((e.status(), e.retry_after_secs), (503, Some(1)));
    }

    #[test]
    fn rls_denial_is_forbidden_whatever_the_status() {
        for status in [401, 403] {
            let e = classify(status, r#"{"code":"42501","message":"new row violates row-level security policy"}"#);
            assert_eq!(e.code, ErrorCode::Forbidden);
        }
    }

    #[test]
    fn trial_limit_keeps_its_code() {
        let e = classify(400, r#"{"code":"P0001","message":"trial_limit_exceeded","details":"50 per day"}"#);
        assert_eq!((e.code, e.message.as_str()), (ErrorCode::TrialLimitExceeded, "50 per day"));
    }

    #[test]
    fn replayed_delivery_is_409() {
        let e = classify(400, r#"{"code":"P0001","message":"replayed_delivery"}"#);
        assert_eq!((e.code, e.status()), (ErrorCode::ReplayedDelivery, 409));
    }

    #[test]
    fn a_token_for_a_user_that_does_not_exist_is_invalid_auth() {
        let body = r#"{"code":"23503","message":"insert or update on table \"watch_event_receipts\" violates foreign key constraint \"watch_event_receipts_user_id_fkey\"","details":"Key (user_id)=(6b1c…) is not present in table \"users\"."}"#;
        let e = classify(409, body);
        assert_eq!((e.code, e.status(), e.retry_after_secs), (ErrorCode::InvalidAuth, 401, None));
        // Another foreign key stays an upstream error.
        let other = classify(409, r#"{"code":"23503","message":"violates foreign key constraint \"user_feedback_video_id_fkey\"","details":"Key (video_id)=(x) is not present"}"#);
        assert_eq!(other.code, ErrorCode::UpstreamError);
    }

    #[test]
    fn anything_else_is_an_upstream_error_with_the_message() {
        let e = classify(400, r#"{"code":"22P02","message":"invalid input syntax for type uuid"}"#);
        assert_eq!(e.code, ErrorCode::UpstreamError);
        assert!(e.message.contains("22P02") && e.message.contains("uuid"), "{}", e.message);
        let e = classify(500, r#"{"code":"XX000","message":"internal"}"#);
        assert_eq!((e.code, e.retry_after_secs), (ErrorCode::UpstreamError, None));
    }

    #[test]
    fn a_gateway_that_cannot_reach_the_api_is_retryable() {
        // What the gateway answers while PostgREST restarts (connection refused), and what
        // Kong answers without a healthy upstream or on an upstream timeout.
        for (status, body) in [(502, r#"{"message":"upstream unavailable: connection refused"}"#), (502, "<html>bad gateway</html>"), (503, ""), (504, "")] {
            let e = classify(status, body);
            assert_eq!((e.code, e.status(), e.retry_after_secs), (ErrorCode::UpstreamUnavailable, 503, Some(1)), "{status} {body}");
        }
    }
}
