//! `ingest::timestamp::parse_rfc3339_ms`: any text; what parses is in range and survives
//! a format/parse round trip.
#![no_main]

use ingest::timestamp::{format_rfc3339_ms, parse_rfc3339_ms, MAX_MS, MIN_MS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(ms) = parse_rfc3339_ms(text) {
        assert!((MIN_MS..=MAX_MS).contains(&ms));
        assert!(text.is_ascii());
        let formatted = format_rfc3339_ms(ms);
        assert_eq!(formatted.len(), 24, "{formatted}");
        assert_eq!(parse_rfc3339_ms(&formatted), Some(ms), "{text} -> {formatted}");
    }
    // Formatting is total over i64.
    if let Ok(bytes) = <[u8; 8]>::try_from(data.get(..8).unwrap_or_default()) {
        assert!(format_rfc3339_ms(i64::from_le_bytes(bytes)).ends_with('Z'));
    }
});
