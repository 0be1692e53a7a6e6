//! The one error taxonomy of all functions. Codes are stable strings: clients may match on
//! them, so a code is never renamed or reused (docs/error-codes.md lists them all).

use serde::Serialize;

/// Every error a function can answer with. The HTTP status is a property of the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    // --- request envelope (transport) ---
    MethodNotAllowed,
    UnsupportedMediaType,
    PayloadTooLarge,
    EventTooLarge,
    MalformedJson,
    // --- payload content ---
    EmptyBatch,
    BatchTooLarge,
    ValidationFailed,
    UnknownField,
    MissingField,
    InvalidType,
    InvalidValue,
    // --- authentication / authorization ---
    MissingAuth,
    InvalidAuth,
    MissingSignature,
    InvalidSignature,
    StaleTimestamp,
    ReplayedDelivery,
    Forbidden,
    TrialLimitExceeded,
    // --- upstream / server ---
    UpstreamUnavailable,
    UpstreamError,
    ConfigMissing,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 24] = [
        Self::MethodNotAllowed,
        Self::UnsupportedMediaType,
        Self::PayloadTooLarge,
        Self::EventTooLarge,
        Self::MalformedJson,
        Self::EmptyBatch,
        Self::BatchTooLarge,
        Self::ValidationFailed,
        Self::UnknownField,
        Self::MissingField,
        Self::InvalidType,
        Self::InvalidValue,
        Self::MissingAuth,
        Self::InvalidAuth,
        Self::MissingSignature,
        Self::InvalidSignature,
        Self::StaleTimestamp,
        Self::ReplayedDelivery,
        Self::Forbidden,
        Self::TrialLimitExceeded,
        Self::UpstreamUnavailable,
        Self::UpstreamError,
        Self::ConfigMissing,
        Self::Internal,
    ];

    /// The stable string clients see in `code`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MethodNotAllowed => "method_not_allowed",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::EventTooLarge => "event_too_large",
            Self::MalformedJson => "malformed_json",
            Self::EmptyBatch => "empty_batch",
            Self::BatchTooLarge => "batch_too_large",
            Self::ValidationFailed => "validation_failed",
            Self::UnknownField => "unknown_field",
            Self::MissingField => "missing_field",
            Self::InvalidType => "invalid_type",
            Self::InvalidValue => "invalid_value",
            Self::MissingAuth => "missing_auth",
            Self::InvalidAuth => "invalid_auth",
            Self::MissingSignature => "missing_signature",
            Self::InvalidSignature => "invalid_signature",
            Self::StaleTimestamp => "stale_timestamp",
            Self::ReplayedDelivery => "replayed_delivery",
            Self::Forbidden => "forbidden",
            Self::TrialLimitExceeded => "trial_limit_exceeded",
            Self::UpstreamUnavailable => "upstream_unavailable",
            Self::UpstreamError => "upstream_error",
            Self::ConfigMissing => "config_missing",
            Self::Internal => "internal_error",
        }
    }

    /// The HTTP status a response carrying only this error gets.
    pub fn http_status(self) -> u16 {
        match self {
            Self::MethodNotAllowed => 405,
            Self::UnsupportedMediaType => 415,
            Self::PayloadTooLarge | Self::EventTooLarge | Self::BatchTooLarge => 413,
            Self::MalformedJson | Self::EmptyBatch => 400,
            Self::ValidationFailed
            | Self::UnknownField
            | Self::MissingField
            | Self::InvalidType
            | Self::InvalidValue => 422,
            Self::MissingAuth
            | Self::InvalidAuth
            | Self::MissingSignature
            | Self::InvalidSignature
            | Self::StaleTimestamp => 401,
            Self::ReplayedDelivery => 409,
            Self::Forbidden => 403,
            Self::TrialLimitExceeded => 429,
            Self::UpstreamUnavailable => 503,
            Self::UpstreamError => 502,
            Self::ConfigMissing | Self::Internal => 500,
        }
    }
}

/// Serialised as [`ErrorCode::as_str`], so the wire spelling is written once.
impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error as it goes over the wire: `{"code", "message", "field"?}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Seconds a client should wait before retrying (503 only); becomes `Retry-After`.
    #[serde(skip)]
    pub retry_after_secs: Option<u32>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), field: None, retry_after_secs: None }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn with_retry_after(mut self, secs: u32) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    pub fn status(&self) -> u16 {
        self.code.http_status()
    }

    /// The JSON body of an error response: `{"error": {...}}`.
    pub fn to_body(&self) -> String {
        serde_json::json!({ "error": self }).to_string()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{s}");
            // serde and as_str must agree, or clients would see two spellings.
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(s));
        }
    }

    #[test]
    fn every_code_maps_to_an_error_status() {
        for code in ErrorCode::ALL {
            let status = code.http_status();
            assert!((400..600).contains(&status), "{code} -> {status}");
        }
    }

    #[test]
    fn body_carries_code_message_and_field() {
        let err = ApiError::new(ErrorCode::InvalidValue, "must be >= 0").with_field("events[3].position_in_list");
        let body: serde_json::Value = serde_json::from_str(&err.to_body()).unwrap();
        assert_eq!(body["error"]["code"], "invalid_value");
        assert_eq!(body["error"]["field"], "events[3].position_in_list");
        assert_eq!(body["error"]["message"], "must be >= 0");
        assert_eq!(err.status(), 422);
    }

    #[test]
    fn documented_in_error_codes_md() {
        let doc = include_str!("../../../docs/error-codes.md");
        for code in ErrorCode::ALL {
            let row = format!("| `{}` | {} |", code.as_str(), code.http_status());
            assert!(doc.contains(&row), "docs/error-codes.md lacks the row starting {row}");
        }
    }
}
