//! Standard Webhooks verification (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
//! The database signs `id.timestamp.body` with HMAC-SHA256 (pgcrypto `hmac`); we check it
//! over the exact raw body, in constant time, within a ±5 minute tolerance.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{ApiError, ErrorCode};

/// Reference libraries use 5 minutes; so do we.
pub const TOLERANCE_SECS: i64 = 5 * 60;
/// Longest `webhook-id` we accept (it becomes a key in the replay table).
pub const MAX_ID_LEN: usize = 128;

/// The three headers, as received (None when absent).
#[derive(Debug, Clone, Default)]
pub struct SignatureHeaders<'a> {
    pub id: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
}

/// A delivery whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDelivery {
    pub id: String,
    pub timestamp: i64,
}

/// Decodes a secret given as `whsec_<base64>` (Standard Webhooks) or as raw text.
pub fn decode_secret(secret: &str) -> Vec<u8> {
    match secret.strip_prefix("whsec_") {
        Some(b64) => B64.decode(b64).unwrap_or_else(|_| secret.as_bytes().to_vec()),
        None => secret.as_bytes().to_vec(),
    }
}

/// `v1,<base64 HMAC-SHA256(secret, "id.timestamp.body")>`.
pub fn sign(secret: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = new_mac(secret, id, timestamp);
    mac.update(body);
    format!("v1,{}", B64.encode(mac.finalize().into_bytes()))
}

fn new_mac(secret: &[u8], id: &str, timestamp: i64) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("hmac takes any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac
}

/// Verifies a delivery. `now` is unix seconds. The signature header may hold several
/// space-separated `v1,<sig>` entries (secret rotation): any match is enough.
pub fn verify(
    secret: &[u8],
    headers: &SignatureHeaders<'_>,
    body: &[u8],
    now: i64,
) -> Result<VerifiedDelivery, ApiError> {
    let missing = |name: &str| {
        ApiError::new(ErrorCode::MissingSignature, format!("header {name} is required")).with_field(name)
    };
    let id = headers.id.filter(|s| !s.is_empty()).ok_or_else(|| missing("webhook-id"))?;
    let ts_text = headers.timestamp.filter(|s| !s.is_empty()).ok_or_else(|| missing("webhook-timestamp"))?;
    let sig_text = headers.signature.filter(|s| !s.is_empty()).ok_or_else(|| missing("webhook-signature"))?;

    if id.len() > MAX_ID_LEN || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::new(ErrorCode::InvalidSignature, "webhook-id is not a printable ASCII token of at most 128 bytes")
            .with_field("webhook-id"));
    }
    let timestamp: i64 = ts_text.trim().parse().map_err(|_| {
        ApiError::new(ErrorCode::InvalidSignature, "webhook-timestamp must be unix seconds").with_field("webhook-timestamp")
    })?;
    // In i128: the header is untrusted, and an i64 distance could overflow (or wrap into range).
    let distance = i128::from(now) - i128::from(timestamp);
    if distance.abs() > i128::from(TOLERANCE_SECS) {
        return Err(ApiError::new(
            ErrorCode::StaleTimestamp,
            format!("webhook-timestamp is {distance}s away from now; tolerance is {TOLERANCE_SECS}s"),
        )
        .with_field("webhook-timestamp"));
    }

    let base = new_mac(secret, id, timestamp);
    for candidate in sig_text.split_ascii_whitespace() {
        let Some(b64) = candidate.strip_prefix("v1,") else { continue };
        let Ok(expected) = B64.decode(b64) else { continue };
        let mut mac = base.clone();
        mac.update(body);
        if mac.verify_slice(&expected).is_ok() {
            return Ok(VerifiedDelivery { id: id.to_owned(), timestamp });
        }
    }
    Err(ApiError::new(ErrorCode::InvalidSignature, "no webhook-signature entry matches the body").with_field("webhook-signature"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"test-secret";

    fn headers<'a>(id: &'a str, ts: &'a str, sig: &'a str) -> SignatureHeaders<'a> {
        SignatureHeaders { id: Some(id), timestamp: Some(ts), signature: Some(sig) }
    }

    #[test]
    fn matches_the_standard_webhooks_reference_vector() {
        // From the Standard Webhooks spec test suite (whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw).
        let secret = decode_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let sig = sign(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn accepts_a_fresh_valid_signature() {
        let sig = sign(SECRET, "d1", 1_000, b"{}");
        let got = verify(SECRET, &headers("d1", "1000", &sig), b"{}", 1_100).unwrap();
        assert_eq!(got, VerifiedDelivery { id: "d1".into(), timestamp: 1000 });
    }

    #[test]
    fn accepts_any_of_several_signatures() {
        let good = sign(SECRET, "d1", 1_000, b"{}");
        let list = format!("v1,AAAA {good}");
        assert!(verify(SECRET, &headers("d1", "1000", &list), b"{}", 1_000).is_ok());
    }

    #[test]
    fn rejects_tampered_body_wrong_secret_and_wrong_id() {
        let sig = sign(SECRET, "d1", 1_000, b"{}");
        let e = verify(SECRET, &headers("d1", "1000", &sig), b"{ }", 1_000).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidSignature);
        let e = verify(b"other", &headers("d1", "1000", &sig), b"{}", 1_000).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidSignature);
        let e = verify(SECRET, &headers("d2", "1000", &sig), b"{}", 1_000).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidSignature);
    }

    #[test]
    fn rejects_timestamps_outside_tolerance_both_ways() {
        let sig = sign(SECRET, "d1", 1_000, b"{}");
        for now in [1_000 + TOLERANCE_SECS + 1, 1_000 - TOLERANCE_SECS - 1] {
            let e = verify(SECRET, &headers("d1", "1000", &sig), b"{}", now).unwrap_err();
            assert_eq!(e.code, ErrorCode::StaleTimestamp);
        }
        assert!(verify(SECRET, &headers("d1", "1000", &sig), b"{}", 1_000 + TOLERANCE_SECS).is_ok());
    }

    #[test]
    fn missing_and_garbled_headers_get_their_codes() {
        let e = verify(SECRET, &SignatureHeaders::default(), b"{}", 0).unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), (ErrorCode::MissingSignature, Some("webhook-id")));
        let e = verify(SECRET, &headers("d1", "soon", "v1,x"), b"{}", 0).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidSignature);
        let e = verify(SECRET, &headers("d1", "0", "v2,abc"), b"{}", 0).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidSignature);
        let e = verify(SECRET, &headers("bad id", "0", "v1,abc"), b"{}", 0).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidSignature);
    }
}
