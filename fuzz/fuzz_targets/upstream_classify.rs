//! `edge::upstream::classify`: any HTTP status and any response body. Input: the status in
//! decimal, a 0xFF byte, then the body (lossily decoded, as the glue reads it).
#![no_main]

use edge::upstream::{classify, RETRY_AFTER_SECS};
use edge::ErrorCode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data.iter().position(|b| *b == 0xFF) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&b""[..], data),
    };
    let status = std::str::from_utf8(status).ok().and_then(|s| s.parse::<u16>().ok()).unwrap_or(500);
    let body = String::from_utf8_lossy(body);
    let error = classify(status, &body);
    if matches!(status, 503 | 504) {
        assert_eq!(error.code, ErrorCode::UpstreamUnavailable);
    }
    if error.code == ErrorCode::UpstreamUnavailable {
        assert_eq!(error.retry_after_secs, Some(RETRY_AFTER_SECS));
    }
    assert!(error.status() >= 400);
    serde_json::from_str::<serde_json::Value>(&error.to_body()).expect("error body is JSON");
});
