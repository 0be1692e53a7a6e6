//! Inputs `cargo fuzz` (fuzz/, target `webhook_verify`) found, kept as plain tests.

use edge::webhook::{sign, verify, SignatureHeaders};
use edge::ErrorCode;

const SECRET: &[u8] = b"k";
const NOW: i64 = 1_700_000_000;

/// webhook_verify crash: `now - timestamp` overflowed i64 for a timestamp header near
/// i64::MIN (a panic with overflow checks; a wrapped distance without them).
#[test]
fn extreme_timestamps_are_stale_not_an_overflow() {
    for (ts, now) in [(i64::MIN, NOW), (i64::MAX, -NOW), (i64::MIN, i64::MAX), (i64::MAX, i64::MIN)] {
        let ts_text = ts.to_string();
        let headers = SignatureHeaders { id: Some("d1"), timestamp: Some(&ts_text), signature: Some("v1,AAAA") };
        let error = verify(SECRET, &headers, b"{}", now).unwrap_err();
        assert_eq!((error.code, error.field.as_deref()), (ErrorCode::StaleTimestamp, Some("webhook-timestamp")), "{ts} at {now}");
    }
}

/// The timestamp whose distance from `now` wraps to exactly i64::MIN, whose wrapping `abs()`
/// is negative: without overflow checks (the release wasm) a correctly signed but ancient
/// delivery passed the ±5 minute window.
#[test]
fn a_distance_that_wraps_does_not_pass_the_tolerance() {
    let ts = NOW.wrapping_sub(i64::MIN);
    assert_eq!(ts, -9_223_372_035_154_775_808);
    let signature = sign(SECRET, "d1", ts, b"{}");
    let ts_text = ts.to_string();
    let headers = SignatureHeaders { id: Some("d1"), timestamp: Some(&ts_text), signature: Some(&signature) };
    assert_eq!(verify(SECRET, &headers, b"{}", NOW).unwrap_err().code, ErrorCode::StaleTimestamp);
}
