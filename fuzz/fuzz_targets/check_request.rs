//! `ingest::check_request`: any method, Content-Type and body length. Input: fields split at
//! 0xFF bytes: method, Content-Type (absent when the field is missing), body length (decimal).
#![no_main]

use edge::ErrorCode;
use ingest::{check_request, MAX_BODY_BYTES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fields: Vec<&[u8]> = data.splitn(3, |b| *b == 0xFF).collect();
    let text = |i: usize| fields.get(i).map(|f| String::from_utf8_lossy(f));
    let method = text(0).unwrap_or_default();
    let content_type = text(1);
    let body_len = text(2).and_then(|n| n.trim().parse::<usize>().ok()).unwrap_or(data.len());
    match check_request(&method, content_type.as_deref(), body_len) {
        Ok(()) => {
            assert_eq!(method, "POST");
            assert!(body_len <= MAX_BODY_BYTES);
            let media_type = content_type.as_deref().unwrap().split(';').next().unwrap().trim();
            assert!(media_type.eq_ignore_ascii_case("application/json"));
        }
        Err(error) => {
            assert!(matches!(
                error.code,
                ErrorCode::MethodNotAllowed | ErrorCode::UnsupportedMediaType | ErrorCode::PayloadTooLarge
            ));
            fuzz_support::assert_client_error(&error);
        }
    }
});
