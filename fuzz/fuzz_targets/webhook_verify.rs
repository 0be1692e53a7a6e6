//! `edge::webhook::verify` with the secret, every header, the clock and the body fuzzed.
//! Input: six fields split at 0xFF bytes (a byte UTF-8 never holds): secret (`whsec_…` or
//! raw), webhook-id, webhook-timestamp, webhook-signature, now (decimal unix seconds;
//! the header's timestamp when not a number), body. An empty header field is an absent
//! header; a single NUL byte is a present but empty one. Whatever `verify` accepts must
//! carry the real signature of (id, timestamp, body) and be within the tolerance.
#![no_main]

use edge::webhook::{decode_secret, sign, verify, SignatureHeaders, MAX_ID_LEN, TOLERANCE_SECS};
use edge::ErrorCode;
use libfuzzer_sys::fuzz_target;

fn header(field: &[u8]) -> Option<Option<&str>> {
    match field {
        [] => Some(None),
        [0] => Some(Some("")),
        _ => std::str::from_utf8(field).ok().map(Some),
    }
}

fuzz_target!(|data: &[u8]| {
    let fields = fuzz_support::split_fields(data, 6);
    let Ok(secret_text) = std::str::from_utf8(fields[0]) else { return };
    let (Some(id), Some(timestamp), Some(signature)) = (header(fields[1]), header(fields[2]), header(fields[3])) else {
        return; // header values are text
    };
    let body = fields[5];
    let header_ts = timestamp.and_then(|t| t.trim().parse::<i64>().ok());
    let now = std::str::from_utf8(fields[4]).ok().and_then(|n| n.parse::<i64>().ok()).or(header_ts).unwrap_or(0);

    let secret = decode_secret(secret_text);
    let headers = SignatureHeaders { id, timestamp, signature };
    match verify(&secret, &headers, body, now) {
        Ok(delivery) => {
            let id = id.unwrap();
            assert_eq!(delivery.id, id);
            assert!(!id.is_empty() && id.len() <= MAX_ID_LEN && id.bytes().all(|b| b.is_ascii_graphic()));
            assert_eq!(Some(delivery.timestamp), header_ts);
            assert!((i128::from(now) - i128::from(delivery.timestamp)).abs() <= i128::from(TOLERANCE_SECS));
            let expected = sign(&secret, id, delivery.timestamp, body);
            assert!(signature.unwrap().split_ascii_whitespace().any(|c| c == expected), "accepted a forged signature");
        }
        Err(error) => {
            assert!(matches!(
                error.code,
                ErrorCode::MissingSignature | ErrorCode::InvalidSignature | ErrorCode::StaleTimestamp
            ));
            fuzz_support::assert_client_error(&error);
        }
    }
});
