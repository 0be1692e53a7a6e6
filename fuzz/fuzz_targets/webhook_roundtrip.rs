//! Differential property of `edge::webhook::{sign, verify}`: for any secret, id, timestamp
//! and body, what `sign` produced verifies (when the id is a valid token), at the edges of
//! the tolerance too; changing any body byte, or the id or timestamp, makes it fail.
#![no_main]

use edge::webhook::{sign, verify, SignatureHeaders, MAX_ID_LEN, TOLERANCE_SECS};
use edge::ErrorCode;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    secret: &'a [u8],
    id: &'a str,
    timestamp: i64,
    body: Vec<u8>,
    flip_at: usize,
    flip_mask: u8,
    skew: i16,
    decoy: Option<&'a str>,
}

fuzz_target!(|input: Input<'_>| {
    let Input { secret, id, timestamp, mut body, flip_at, flip_mask, skew, decoy } = input;
    let signature = sign(secret, id, timestamp, &body);
    let ts_text = timestamp.to_string();
    // Secret rotation: other entries around the right one do not matter.
    let header_value = match decoy {
        Some(decoy) => format!("{decoy} {signature} v1,{decoy}"),
        None => signature.clone(),
    };
    let headers = SignatureHeaders { id: Some(id), timestamp: Some(&ts_text), signature: Some(&header_value) };
    let valid_id = !id.is_empty() && id.len() <= MAX_ID_LEN && id.bytes().all(|b| b.is_ascii_graphic());

    let result = verify(secret, &headers, &body, timestamp);
    if !valid_id {
        let expected = if id.is_empty() { ErrorCode::MissingSignature } else { ErrorCode::InvalidSignature };
        assert_eq!(result.unwrap_err().code, expected);
        return;
    }
    let delivery = result.expect("a fresh signature of a valid id verifies");
    assert_eq!((delivery.id.as_str(), delivery.timestamp), (id, timestamp));

    // Any clock within the tolerance accepts it; one second beyond refuses it.
    let skew = i64::from(skew).clamp(-TOLERANCE_SECS, TOLERANCE_SECS);
    if let Some(now) = timestamp.checked_add(skew) {
        assert!(verify(secret, &headers, &body, now).is_ok(), "refused at skew {skew}");
    }
    for beyond in [TOLERANCE_SECS + 1, -TOLERANCE_SECS - 1] {
        if let Some(now) = timestamp.checked_add(beyond) {
            assert_eq!(verify(secret, &headers, &body, now).unwrap_err().code, ErrorCode::StaleTimestamp);
        }
    }

    // Another timestamp, signed for the first, fails.
    if let Some(other_ts) = timestamp.checked_add(1) {
        let other_text = other_ts.to_string();
        let moved = SignatureHeaders { timestamp: Some(&other_text), ..headers.clone() };
        assert_eq!(verify(secret, &moved, &body, other_ts).unwrap_err().code, ErrorCode::InvalidSignature);
    }
    // Another id fails.
    let other_id = match id.len() {
        len if len < MAX_ID_LEN => format!("{id}x"),
        _ if id.starts_with('x') => format!("y{}", &id[1..]),
        _ => format!("x{}", &id[1..]),
    };
    let renamed = SignatureHeaders { id: Some(&other_id), ..headers.clone() };
    assert_eq!(verify(secret, &renamed, &body, timestamp).unwrap_err().code, ErrorCode::InvalidSignature);

    // Flipping any bit pattern of any body byte, or appending one, fails.
    if body.is_empty() {
        body.push(flip_mask);
    } else {
        let at = flip_at % body.len();
        body[at] ^= flip_mask.max(1);
    }
    assert_eq!(verify(secret, &headers, &body, timestamp).unwrap_err().code, ErrorCode::InvalidSignature);
});
